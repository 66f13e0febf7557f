"""XML parser and binding attacks over real HTTP (duplicate IDs, comment truncation as in CVE-2017-11427,
DTD/XXE/entity expansion, HTTP binding misuse).

Each hostile delivery must get a 4xx with a clear message, never a 5xx; nobody may be signed in; nothing
may be written but the activity-log row; and the loopback canary must receive no request.
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
)
from saml_harness.security.sp_probe import only_activity

# Reads the bundled SP's database and reason codes: an external target cannot be checked this way.
pytestmark = pytest.mark.bundled_only

Rows = Callable[[], dict[str, int]]
Genuine = Callable[[], Captured]

ALG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def refused(
    delivery: Delivery, before: dict[str, int], after: dict[str, int], statuses: range = range(400, 500)
) -> list[str]:
    """Return what is wrong with a refusal: status, session, clear message, rows written."""
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


def activity_reason(deployment: Deployment) -> str | None:
    entries = deployment.justcall.activity(deployment.demo.account.slug, limit=1)
    return entries[0]["reason"] if entries else None


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
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) == "input.dtd"


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
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) == "input.dtd"
    assert canary.hits == [], "the SP fetched an external entity"


@pytest.mark.requirement("PROF-4.1.4.3-1", "CORE-5.4.2-1")
def test_doctype_comment_parser_differential_cve_2025_25291(
    deployment: Deployment, genuine: Genuine, rows: Rows
) -> None:
    evil = f"owner@{deployment.demo.domain}"
    xml, before = hostile_xml.cve_2025_25291(genuine().xml, evil), rows()
    delivery = deliver(deployment, xml)
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) == "input.dtd"


@pytest.mark.requirement("PROF-4.1.4.3-1", "CORE-5.4.2-1")
def test_attlist_namespace_trick_cve_2025_25292(deployment: Deployment, genuine: Genuine, rows: Rows) -> None:
    xml, before = hostile_xml.cve_2025_25292(genuine().xml), rows()
    delivery = deliver(deployment, xml)
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) == "input.dtd"


def test_attlist_namespace_trick_without_its_doctype_is_refused_too(
    deployment: Deployment, genuine: Genuine, rows: Rows
) -> None:
    """Even if the DTD were tolerated, the forged signature (digest of nothing) must fail."""
    xml = hostile_xml.cve_2025_25292(genuine().xml)
    declaration, rest = hostile_xml.split_declaration(xml)
    xml, before = declaration + rest.split(b"]>", 1)[1], rows()
    delivery = deliver(deployment, xml)
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) in ("signature.invalid", "input.not_xml")


# ------------------------------------------------------------------------------------------------ XInclude, XSLT


@pytest.mark.requirement("PROF-4.1.4.3-1")
def test_xinclude_is_never_processed(
    deployment: Deployment, genuine: Genuine, rows: Rows, canary: CanaryServer
) -> None:
    xml, before = hostile_xml.xinclude(genuine().xml, canary.url("xinclude")), rows()
    delivery = deliver(deployment, xml)
    assert refused(delivery, before, rows()) == []
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
    assert outcome.reason == "signature.algorithm"
    assert only_activity(before, rows()) is None
    assert canary.hits == [], "the SP ran the XSLT transform"


# ------------------------------------------------------------------------------------------------ size


@pytest.mark.requirement("BIND-3.5.6-1")
def test_oversized_response_is_refused_before_parsing(deployment: Deployment, genuine: Genuine, rows: Rows) -> None:
    limit = deployment.sp_server.app.config["MAX_RESPONSE_BYTES"]
    xml, before = hostile_xml.pad(genuine().xml, limit), rows()
    delivery = deliver(deployment, xml)
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) == "input.too_large"


def test_oversized_body_is_cut_off_by_the_server(deployment: Deployment, genuine: Genuine, rows: Rows) -> None:
    limit = deployment.sp_server.app.config["MAX_CONTENT_LENGTH"]
    xml, before = hostile_xml.pad(genuine().xml, limit), rows()
    delivery = deliver(deployment, xml)
    assert refused(delivery, before, rows(), range(413, 414)) == []
    assert only_activity(before, rows(), at_most=0) is None


def test_deeply_nested_document_is_refused(deployment: Deployment, rows: Rows) -> None:
    depth = 5000
    xml, before = b"<a>" * depth + b"</a>" * depth, rows()
    delivery = deliver(deployment, xml)
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) == "input.not_xml"


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
def test_deflate_bomb_response_over_redirect_to_the_sp_is_refused(deployment: Deployment, rows: Rows) -> None:
    bomb, before = deflate_encode(hostile_xml.deflate_bomb(20 * 1024 * 1024)), rows()
    delivery = get_acs(deployment.target, {"SAMLResponse": bomb})
    assert refused(delivery, before, rows(), range(405, 406)) == []
    posted = post_to_acs(deployment.target, {"SAMLResponse": bomb})
    assert refused(posted, before, rows()) == []
    assert activity_reason(deployment) == "input.not_xml", "the ACS must never inflate what it is posted"


# ------------------------------------------------------------------------------------------------ bindings


@pytest.mark.requirement("PROF-4.1.2-1", "BIND-3.5.6-1")
def test_response_sent_by_get_is_refused(deployment: Deployment, genuine: Genuine, rows: Rows) -> None:
    captured, before = genuine(), rows()
    delivery = get_acs(deployment.target, {"SAMLResponse": captured.saml_response, "RelayState": "/"})
    assert refused(delivery, before, rows(), range(405, 406)) == []


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
    assert refused(delivery, before, rows(), range(405, 406)) == []
    assert ua.request("GET", str(deployment.target.me_url)).status == 401


@pytest.mark.requirement("PROF-4.1.2-1")
def test_response_in_the_query_string_of_a_post_is_refused(
    deployment: Deployment, genuine: Genuine, rows: Rows
) -> None:
    captured, before = genuine(), rows()
    query = urlencode({"SAMLResponse": captured.saml_response})
    delivery = post_to_acs(deployment.target, {"SAMLResponse": captured.saml_response}, query=query)
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) == "input.ambiguous"


def test_two_saml_response_fields_are_refused(deployment: Deployment, genuine: Genuine, rows: Rows) -> None:
    first, second, before = genuine(), genuine(), rows()
    answer = requests.post(
        deployment.target.acs_url,
        data=[("SAMLResponse", first.saml_response), ("SAMLResponse", second.saml_response)],
        allow_redirects=False,
        timeout=10,
    )
    delivery = Delivery(answer.status_code, answer.headers.get("Location"), answer.text, None, UserAgent())
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) == "input.ambiguous"


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
def test_odd_base64_is_refused(
    deployment: Deployment, genuine: Genuine, rows: Rows, mangle: Callable[[str], str], reason: str
) -> None:
    value, before = mangle(genuine().saml_response), rows()
    delivery = post_to_acs(deployment.target, {"SAMLResponse": value})
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) == reason


def test_base64_with_line_breaks_is_accepted(deployment: Deployment, genuine: Genuine) -> None:
    """RFC 2045 base64 (bindings 3.5.4) may carry line breaks every 76 characters: that is not an attack."""
    value = genuine().saml_response
    wrapped = "\r\n".join(value[i : i + 76] for i in range(0, len(value), 76))
    delivery = post_to_acs(deployment.target, {"SAMLResponse": wrapped, "RelayState": "/"})
    assert delivery.status == 303
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
    assert refused(delivery, before, rows()) == []
    assert activity_reason(deployment) in ("input.not_xml", "input.dtd", "response.invalid")


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
    assert delivery.status == 303
    assert delivery.signed_in_as == deployment.credentials("assigned").username
    assert delivery.location is not None
    target = urlsplit(delivery.location)
    assert target.netloc in ("", urlsplit(deployment.sp_url).netloc), f"redirected off-site to {delivery.location}"
    assert delivery.location.startswith("/") and not delivery.location.startswith(("//", "/\\"))


@pytest.mark.requirement("BIND-3.5.3-1")
def test_relay_state_longer_than_80_bytes_is_not_followed(deployment: Deployment, genuine: Genuine) -> None:
    delivery = deliver(deployment, genuine().xml, "/" + "a" * 200)
    assert delivery.status == 303
    assert delivery.location == "/"


def test_local_relay_state_within_80_bytes_is_followed(deployment: Deployment, genuine: Genuine) -> None:
    delivery = deliver(deployment, genuine().xml, "/settings/security/sso")
    assert (delivery.status, delivery.location) == (303, "/settings/security/sso")
