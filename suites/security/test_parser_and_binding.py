"""XML parser and binding attacks over real HTTP (duplicate IDs, comment truncation as in CVE-2017-11427,
DTD/XXE/entity expansion, HTTP binding misuse).

Each hostile delivery must get a 4xx with a clear message, never a 5xx; nobody may be signed in; nothing
may be written but the activity-log row; and the loopback canary must receive no request. Against an
external target the who-am-I oracle and the canary judge (no 5xx, nobody signed in, nothing fetched); the
bundled SP's reason codes and row counts are checked only on it.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from urllib.parse import quote, urlencode, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from mock_idp.faults import FaultPlan, Op
from saml_harness.agent.flows import IDP_INITIATED, run_flow
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment
from saml_harness.security import hostile_xml
from saml_harness.security.attacker import (
    CanaryServer,
    Captured,
    Delivery,
    deflate_encode,
    encode,
    get_acs,
    post_to_acs,
    who_am_i,
)
from saml_harness.security.sp_probe import only_activity

Rows = Callable[[], dict[str, int]]
Genuine = Callable[[], Captured]
StillSignsIn = Callable[[], None]

ALG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def refused(
    deployment: Deployment,
    delivery: Delivery,
    before: dict[str, int],
    after: dict[str, int],
    statuses: range = range(400, 500),
) -> list[str]:
    """Return what is wrong with a refusal: status, session, clear message, rows written.

    An external SP is held to what can be seen from outside: no 5xx and nobody signed in.
    """
    if not deployment.bundled:
        outside = [f"HTTP {delivery.status}"] if delivery.status >= 500 else []
        return outside + ([f"{delivery.signed_in_as} is signed in"] if delivery.signed_in_as is not None else [])
    problems = []
    if delivery.status not in statuses:
        problems.append(f"HTTP {delivery.status}, expected {statuses.start}-{statuses.stop - 1}")
    if delivery.signed_in_as is not None:
        problems.append(f"{delivery.signed_in_as} is signed in")
    if "Traceback" in delivery.text or "<h1" not in delivery.text:
        problems.append("the answer is not a clear error page")
    problem = only_activity(before, after)
    if problem:
        problems.append(problem)
    return problems


def refused_or_only_genuine(
    deployment: Deployment, delivery: Delivery, before: dict[str, int], after: dict[str, int]
) -> list[str]:
    """A DTD-bearing response: refused under JustCall's policy; elsewhere, at most the genuine person signed in.

    Why: refusing any DTD is JustCall's policy. An SP on profile ``saml2-sp`` that ignores a harmless DTD and
    signs in exactly the person the IdP signed is no security failure; fetching (the canary) or expanding
    (the time bound) or signing in anyone else is.
    """
    if deployment.bundled or deployment.target.profile == "justcall":
        return refused(deployment, delivery, before, after)
    genuine = deployment.credentials("assigned").username
    problems = [f"HTTP {delivery.status}"] if delivery.status >= 500 else []
    if delivery.signed_in_as not in (None, genuine):
        problems.append(f"{delivery.signed_in_as} is signed in, not the genuine {genuine}")
    return problems


def deliver_big(deployment: Deployment, xml: bytes) -> Delivery | None:
    """Post an oversized response; None when an external SP drops the connection instead of answering.

    Why: closing the connection on a body over the limit (as node's HTTP server does) is a refusal too.
    """
    try:
        return deliver(deployment, xml)
    except (requests.ConnectionError, ConnectionError):  # requests', or the loopback transport's reset
        if deployment.bundled:
            raise
        return None


def activity_reason(deployment: Deployment) -> str | None:
    entries = deployment.justcall.activity(deployment.demo.account.slug, limit=1)
    return entries[0]["reason"] if entries else None


def check_reason(deployment: Deployment, *expected: str) -> None:
    """On the bundled SP, assert the activity log's reason code (an external SP has none to read)."""
    if deployment.bundled:
        assert activity_reason(deployment) in expected


def deliver(deployment: Deployment, xml: bytes, relay_state: str = "/") -> Delivery:
    return post_to_acs(deployment.target, {"SAMLResponse": encode(xml), "RelayState": relay_state})


# ------------------------------------------------------------------------------------------------ DTDs


@pytest.mark.requirement("PROF-4.1.4.3-1", "BIND-3.5.6-1")
@pytest.mark.parametrize(
    "build",
    [
        pytest.param(hostile_xml.any_doctype, id="any_doctype"),
        pytest.param(hostile_xml.billion_laughs, id="billion_laughs"),
        pytest.param(hostile_xml.cve_2025_23369, id="entity_built_ids_cve_2025_23369"),
    ],
)
def test_dtd_bearing_response_is_refused(
    deployment: Deployment, genuine: Genuine, rows: Rows, build: Callable[[bytes], bytes]
) -> None:
    xml, before = build(genuine().xml), rows()
    started = time.monotonic()
    delivery = deliver(deployment, xml)
    assert time.monotonic() - started < 5, "refusing a DTD must not expand it"
    assert refused_or_only_genuine(deployment, delivery, before, rows()) == []
    check_reason(deployment, "input.dtd")


@pytest.mark.requirement("PROF-4.1.4.3-1")
@pytest.mark.parametrize(
    "build",
    [
        pytest.param(hostile_xml.external_general_entity, id="external_general_entity"),
        pytest.param(hostile_xml.external_parameter_entity, id="external_parameter_entity"),
        pytest.param(hostile_xml.external_dtd, id="external_dtd_subset"),
    ],
)
def test_external_entities_fetch_nothing(
    deployment: Deployment, genuine: Genuine, rows: Rows, canary: CanaryServer, build: Callable[[bytes, str], bytes]
) -> None:
    xml, before = build(genuine().xml, canary.url("xxe")), rows()
    delivery = deliver(deployment, xml)
    assert canary.hits == [], "the SP fetched an external entity"
    assert refused_or_only_genuine(deployment, delivery, before, rows()) == []
    check_reason(deployment, "input.dtd")
    assert canary.hits == [], "the SP fetched an external entity"


@pytest.mark.requirement("PROF-4.1.4.3-1", "CORE-5.4.2-1")
def test_doctype_comment_parser_differential_cve_2025_25291(
    deployment: Deployment, genuine: Genuine, rows: Rows
) -> None:
    evil = f"owner@{deployment.demo.domain}"
    xml, before = hostile_xml.cve_2025_25291(genuine().xml, evil), rows()
    delivery = deliver(deployment, xml)
    assert refused(deployment, delivery, before, rows()) == []
    check_reason(deployment, "input.dtd")


@pytest.mark.requirement("PROF-4.1.4.3-1", "CORE-5.4.2-1")
def test_attlist_namespace_trick_cve_2025_25292(deployment: Deployment, genuine: Genuine, rows: Rows) -> None:
    xml, before = hostile_xml.cve_2025_25292(genuine().xml), rows()
    delivery = deliver(deployment, xml)
    assert refused(deployment, delivery, before, rows()) == []
    check_reason(deployment, "input.dtd")


def test_attlist_namespace_trick_without_its_doctype_is_refused_too(
    deployment: Deployment, genuine: Genuine, rows: Rows
) -> None:
    """Even if the DTD were tolerated, the forged signature (digest of nothing) must fail."""
    xml = hostile_xml.cve_2025_25292(genuine().xml)
    declaration, rest = hostile_xml.split_declaration(xml)
    xml, before = declaration + rest.split(b"]>", 1)[1], rows()
    delivery = deliver(deployment, xml)
    assert refused(deployment, delivery, before, rows()) == []
    check_reason(deployment, "signature.invalid", "input.not_xml")


# ------------------------------------------------------------------------------------------------ XInclude, XSLT


@pytest.mark.requirement("PROF-4.1.4.3-1")
def test_xinclude_is_never_processed(
    deployment: Deployment, genuine: Genuine, rows: Rows, canary: CanaryServer
) -> None:
    xml, before = hostile_xml.xinclude(genuine().xml, canary.url("xinclude")), rows()
    delivery = deliver(deployment, xml)
    assert refused(deployment, delivery, before, rows()) == []
    assert canary.hits == [], "the SP processed XInclude"


@pytest.mark.requirement("CORE-5.4.4-1")
def test_xslt_transform_is_never_run(deployment: Deployment, rows: Rows, canary: CanaryServer) -> None:
    transforms = ["enveloped", "xslt", "exc_c14n"]
    step = Op("resign_profile", {"target": "assertion", "transforms": transforms, "xslt_url": canary.url("xslt")})
    credentials = deployment.credentials("assigned")
    deployment.okta.set_next_login_plan(credentials.username, FaultPlan(post_sign=(step,)))
    before = rows()
    outcome = run_flow(IDP_INITIATED, UserAgent(), deployment.target, deployment.idp, credentials)
    assert not outcome.accepted
    assert outcome.reason == "signature.algorithm" or not deployment.bundled
    assert only_activity(before, rows()) is None
    assert canary.hits == [], "the SP ran the XSLT transform"


# ------------------------------------------------------------------------------------------------ size


@pytest.mark.requirement("BIND-3.5.6-1")
@pytest.mark.bundled_only("reads its configured size limit and reason code")
def test_oversized_response_is_refused_before_parsing(deployment: Deployment, genuine: Genuine, rows: Rows) -> None:
    limit = deployment.sp_server.app.config["MAX_RESPONSE_BYTES"]
    xml, before = hostile_xml.pad(genuine().xml, limit), rows()
    delivery = deliver(deployment, xml)
    assert refused(deployment, delivery, before, rows()) == []
    check_reason(deployment, "input.too_large")


@pytest.mark.bundled_only("reads its configured body limit")
def test_oversized_body_is_cut_off_by_the_server(deployment: Deployment, genuine: Genuine, rows: Rows) -> None:
    limit = deployment.sp_server.app.config["MAX_CONTENT_LENGTH"]
    xml, before = hostile_xml.pad(genuine().xml, limit), rows()
    delivery = deliver(deployment, xml)
    assert refused(deployment, delivery, before, rows(), range(413, 414)) == []
    assert only_activity(before, rows(), at_most=0) is None


OVERSIZED = 8 * 1024 * 1024
"""Far above any sane ACS limit (the bundled SP's is about 1.1 MiB), yet quick to send over loopback."""


@pytest.mark.requirement("BIND-3.5.6-1")
def test_oversized_forged_response_signs_nobody_in_and_the_sp_survives(
    deployment: Deployment, genuine: Genuine, rows: Rows, still_signs_in: StillSignsIn
) -> None:
    """Any SP, judged from outside: an 8 MiB forged response signs nobody in, and a genuine login works after."""
    captured = genuine()
    victim, attacker = f"owner@{deployment.demo.domain}", deployment.credentials("assigned").username
    forged = captured.xml.replace(attacker.encode(), victim.encode())
    assert forged != captured.xml
    xml, before = hostile_xml.pad(forged, OVERSIZED), rows()
    delivery = deliver_big(deployment, xml)
    if delivery is not None:
        assert refused(deployment, delivery, before, rows(), range(400, 500)) == []
    still_signs_in()


def test_deeply_nested_document_is_refused(deployment: Deployment, rows: Rows) -> None:
    depth = 5000
    xml, before = b"<a>" * depth + b"</a>" * depth, rows()
    delivery = deliver(deployment, xml)
    assert refused(deployment, delivery, before, rows()) == []
    check_reason(deployment, "input.not_xml")


# ------------------------------------------------------------------------------------------------ deflate bombs


def test_deflate_bomb_to_the_idp_sso_endpoint_is_refused(deployment: Deployment) -> None:
    sso_url = deployment.okta.sso_url(deployment.app)
    bomb = deflate_encode(hostile_xml.deflate_bomb(20 * 1024 * 1024))
    started = time.monotonic()
    answer = requests.get(sso_url, params={"SAMLRequest": bomb}, timeout=30)
    assert time.monotonic() - started < 5, "the IdP inflated the bomb instead of stopping at its limit"
    assert answer.status_code == 400
    assert "inflates to more than" in answer.text


@pytest.mark.requirement("PROF-4.1.2-1")
def test_deflate_bomb_response_over_redirect_to_the_sp_is_refused(
    deployment: Deployment, rows: Rows, still_signs_in: StillSignsIn
) -> None:
    bomb, before = deflate_encode(hostile_xml.deflate_bomb(20 * 1024 * 1024)), rows()
    started = time.monotonic()
    delivery = get_acs(deployment.target, {"SAMLResponse": bomb})
    assert refused(deployment, delivery, before, rows(), range(405, 406)) == []
    posted = post_to_acs(deployment.target, {"SAMLResponse": bomb})
    assert refused(deployment, posted, before, rows()) == []
    check_reason(deployment, "input.not_xml")  # the ACS must never inflate what it is posted
    assert time.monotonic() - started < 10, "the SP inflated the bomb instead of refusing it"
    still_signs_in()


# ------------------------------------------------------------------------------------------------ bindings


@pytest.mark.requirement("PROF-4.1.2-1", "BIND-3.5.6-1")
def test_response_sent_by_get_is_refused(deployment: Deployment, genuine: Genuine, rows: Rows) -> None:
    captured, before = genuine(), rows()
    delivery = get_acs(deployment.target, {"SAMLResponse": captured.saml_response, "RelayState": "/"})
    assert refused(deployment, delivery, before, rows(), range(405, 406)) == []


@pytest.mark.requirement("PROF-4.1.2-1", "BIND-3.4.4.1-1")
def test_signed_response_over_the_redirect_binding_is_refused(
    deployment: Deployment, genuine: Genuine, rows: Rows
) -> None:
    """Bindings 3.4.4.1: a genuinely signed HTTP-Redirect response (SigAlg + Signature) is still not accepted."""
    captured, before = genuine(), rows()
    message, sig_alg = quote(deflate_encode(captured.xml), safe=""), quote(ALG_RSA_SHA256, safe="")
    query = f"SAMLResponse={message}&RelayState=%2F&SigAlg={sig_alg}"
    key = deployment.okta.signing_credential(deployment.app.id).private_key
    signature = base64.b64encode(key.sign(query.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    ua = UserAgent()
    page = ua.request("GET", f"{deployment.target.acs_url}?{query}&Signature={quote(signature, safe='')}")
    delivery = Delivery(page.status, page.headers.get("Location"), page.text, None, ua)
    assert refused(deployment, delivery, before, rows(), range(405, 406)) == []
    assert who_am_i(ua, deployment.target)[1] is None


@pytest.mark.requirement("PROF-4.1.2-1")
@pytest.mark.usefixtures("justcall_policy")
def test_response_in_the_query_string_of_a_post_is_refused(
    deployment: Deployment, genuine: Genuine, rows: Rows
) -> None:
    captured, before = genuine(), rows()
    query = urlencode({"SAMLResponse": captured.saml_response})
    delivery = post_to_acs(deployment.target, {"SAMLResponse": captured.saml_response}, query=query)
    assert refused(deployment, delivery, before, rows()) == []
    check_reason(deployment, "input.ambiguous")


@pytest.mark.usefixtures("justcall_policy")
def test_two_saml_response_fields_are_refused(deployment: Deployment, genuine: Genuine, rows: Rows) -> None:
    first, second, before = genuine(), genuine(), rows()
    ua = UserAgent()
    fields = urlencode([("SAMLResponse", first.saml_response), ("SAMLResponse", second.saml_response)])
    answer = ua.http.post(
        deployment.target.acs_url,
        data=fields,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=10,
    )
    status, me = who_am_i(ua, deployment.target)
    delivery = Delivery(answer.status_code, answer.headers.get("Location"), answer.text, me, ua, status)
    assert refused(deployment, delivery, before, rows()) == []
    check_reason(deployment, "input.ambiguous")


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        pytest.param(
            lambda b64: b64.replace("+", "-").replace("/", "_") + "-_", "input.base64", id="url_safe_alphabet"
        ),
        pytest.param(lambda b64: b64[:-2].rstrip("=") + "A", "input.base64", id="missing_padding"),
        pytest.param(lambda b64: b64[:100] + "!*%$" + b64[100:], "input.base64", id="junk_characters"),
        pytest.param(lambda b64: b64[:100] + "\x00" + b64[100:], "input.base64", id="nul_byte"),
        pytest.param(lambda b64: "", "input.missing", id="empty"),
    ],
)
@pytest.mark.usefixtures("justcall_policy")
def test_odd_base64_is_refused(
    deployment: Deployment, genuine: Genuine, rows: Rows, mangle: Callable[[str], str], reason: str
) -> None:
    """JustCall's policy: only strict base64 (a lenient decoder signing in the genuine person is no attack)."""
    value, before = mangle(genuine().saml_response), rows()
    delivery = post_to_acs(deployment.target, {"SAMLResponse": value})
    assert refused(deployment, delivery, before, rows()) == []
    check_reason(deployment, reason)


def test_base64_with_line_breaks_is_accepted(deployment: Deployment, genuine: Genuine) -> None:
    """RFC 2045 base64 (bindings 3.5.4) may carry line breaks every 76 characters: that is not an attack."""
    value = genuine().saml_response
    wrapped = "\r\n".join(value[i : i + 76] for i in range(0, len(value), 76))
    delivery = post_to_acs(deployment.target, {"SAMLResponse": wrapped, "RelayState": "/"})
    assert delivery.status == 303 or (not deployment.bundled and delivery.status < 400)
    assert delivery.signed_in_as == deployment.credentials("assigned").username


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not xml at all", id="not_xml"),
        pytest.param(b"<saml2p:Response xmlns:saml2p='urn:oasis:names:tc:SAML:2.0:protocol'", id="truncated"),
        pytest.param('<?xml version="1.0" encoding="UTF-16"?><a/>'.encode("utf-16"), id="utf16"),
        pytest.param(b"<a/><b/>", id="two_roots"),
        pytest.param(b"\xff\xfe\x00<", id="binary"),
    ],
)
def test_malformed_xml_is_refused(deployment: Deployment, rows: Rows, body: bytes) -> None:
    before = rows()
    delivery = deliver(deployment, body)
    assert refused(deployment, delivery, before, rows()) == []
    check_reason(deployment, "input.not_xml", "input.dtd", "response.invalid")


# ------------------------------------------------------------------------------------------------ RelayState

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "\t//evil.example",
    "/%0d%0aLocation:%20https://evil.example",
    "https:/evil.example",
]


@pytest.mark.requirement("BIND-3.5.3-1")
@pytest.mark.parametrize("relay_state", OFF_SITE)
def test_off_site_relay_state_is_never_followed(deployment: Deployment, genuine: Genuine, relay_state: str) -> None:
    delivery = deliver(deployment, genuine().xml, relay_state)
    assert delivery.signed_in_as == deployment.credentials("assigned").username
    if not deployment.bundled and delivery.location is None:
        assert delivery.status < 400 and "evil.example" not in delivery.text  # signed in, no redirect
        return
    assert delivery.status == 303 or not deployment.bundled
    assert delivery.location is not None
    target = urlsplit(delivery.location)
    assert target.netloc in ("", urlsplit(deployment.sp_url).netloc), f"redirected off-site to {delivery.location}"
    assert target.scheme in ("", "http", "https"), f"redirected to {delivery.location}"
    if deployment.bundled:
        assert delivery.location.startswith("/") and not delivery.location.startswith(("//", "/\\"))


@pytest.mark.requirement("BIND-3.5.3-1")
@pytest.mark.usefixtures("justcall_policy")
def test_relay_state_longer_than_80_bytes_is_not_followed(deployment: Deployment, genuine: Genuine) -> None:
    delivery = deliver(deployment, genuine().xml, "/" + "a" * 200)
    assert delivery.status == 303
    assert delivery.location == "/"


@pytest.mark.bundled_only("a JustCall page path")
def test_local_relay_state_within_80_bytes_is_followed(deployment: Deployment, genuine: Genuine) -> None:
    delivery = deliver(deployment, genuine().xml, "/settings/security/sso")
    assert (delivery.status, delivery.location) == (303, "/settings/security/sso")
