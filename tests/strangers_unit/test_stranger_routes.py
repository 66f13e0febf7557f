"""Check the stranger SP's routes and ACS input handling: what the harness's target file relies on."""

from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import stranger_sp
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from stranger_support import Stranger, post_to_acs

from saml_harness.agent.user_agent import UserAgent
from saml_xmlns import BINDING_POST, MD, NAMEID_EMAIL, SAMLP

NS = {"md": MD, "samlp": SAMLP}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_health(stranger: Stranger) -> None:
    """The target mechanism waits on /health before running anything."""
    answer = requests.get(f"{stranger.url}/health", timeout=5)
    assert (answer.status_code, answer.text) == (200, "ok")


def test_metadata_names_entity_id_acs_and_nameid_format(stranger: Stranger) -> None:
    """A target file may take the ACS URL and entity ID from the SP metadata URL: they must be right."""
    answer = requests.get(f"{stranger.url}/metadata", timeout=5)
    assert answer.status_code == 200
    root = etree.fromstring(answer.content)
    assert root.get("entityID") == f"{stranger.url}/metadata"
    (acs,) = root.findall("md:SPSSODescriptor/md:AssertionConsumerService", NS)
    assert (acs.get("Location"), acs.get("Binding")) == (f"{stranger.url}/acs", BINDING_POST)
    assert root.findtext("md:SPSSODescriptor/md:NameIDFormat", namespaces=NS) == NAMEID_EMAIL
    descriptor = root.find("md:SPSSODescriptor", NS)
    assert descriptor is not None
    assert descriptor.get("WantAssertionsSigned") == "true"


def test_whoami_without_session_is_401(stranger: Stranger) -> None:
    """The harness reads "not signed in" from a 401 JSON answer."""
    answer = requests.get(f"{stranger.url}/whoami", timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {"error": "not signed in"}


def test_login_without_email_shows_company_email_form(stranger: Stranger) -> None:
    """flows.sp_initiated looks for a form with an ``email`` field at the SSO start URL, keeping ``next``."""
    page = UserAgent().get(f"{stranger.url}/login?next=/whoami")
    form = page.form_with("email", "next")
    assert form is not None
    assert dict(form.form_values())["next"] == "/whoami"


def test_login_sends_authn_request_by_redirect(stranger: Stranger) -> None:
    """The AuthnRequest goes to the SSO URL from the IdP metadata, with our ACS and issuer, and is remembered."""
    page = UserAgent().request("GET", f"{stranger.url}/login?email=sam@acme.example&next=/x")
    assert page.status == 302
    location = page.headers["Location"]
    assert location.split("?")[0] == stranger.okta.org.sso_url(stranger.app)
    query = parse_qs(urlsplit(location).query)
    assert query["RelayState"] == ["/x"]
    request = etree.fromstring(OneLogin_Saml2_Utils.decode_base64_and_inflate(query["SAMLRequest"][0]))
    assert request.get("AssertionConsumerServiceURL") == stranger.sp.acs_url
    assert request.get("ProtocolBinding") == BINDING_POST
    assert request.findtext("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer") == stranger.sp.entity_id
    stranger.sp.check_request(str(request.get("ID")))  # raises Refused if it was not remembered


def test_login_with_unreadable_metadata_is_503_not_500(stranger: Stranger) -> None:
    """A broken metadata file is a configuration problem the page must name, not a crash."""
    stranger.metadata_path.write_text("not metadata")
    page = UserAgent().request("GET", f"{stranger.url}/login?email=sam@acme.example")
    assert page.status == 503
    assert (page.find_text("sso-error-detail") or "").startswith("IdP metadata unusable")


@pytest.mark.parametrize(
    ("form", "detail"),
    [
        ({}, "no SAMLResponse in the POST body"),
        ({"SAMLResponse": "  "}, "no SAMLResponse in the POST body"),
        ({"SAMLResponse": "%%%not base64%%%"}, "SAMLResponse is not valid base64"),
        ({"SAMLResponse": "abc"}, "SAMLResponse is not valid base64"),
        ({"SAMLResponse": b64("this is not xml")}, "SAMLResponse is not well-formed XML"),
        ({"SAMLResponse": b64('<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>')}, "SAMLResponse declares a DTD"),
    ],
    ids=["missing", "blank", "bad-alphabet", "bad-length", "not-xml", "dtd"],
)
def test_malformed_input_is_400(stranger: Stranger, form: dict[str, str], detail: str) -> None:
    """Garbage at the ACS is the client's fault: 400 with the error markup, never a 500."""
    page = post_to_acs(stranger.sp.acs_url, form)
    assert page.status == 400
    assert page.find_text("sso-error") == "SSO failed"
    assert (page.find_text("sso-error-detail") or "").startswith(detail)


def test_two_saml_responses_is_400(stranger: Stranger) -> None:
    """Two SAMLResponse fields are ambiguous: which one would be validated and which one read?"""
    answer = requests.post(
        stranger.sp.acs_url, data=[("SAMLResponse", b64("<a/>")), ("SAMLResponse", b64("<b/>"))], timeout=5
    )
    assert answer.status_code == 400
    assert "2 SAMLResponse fields" in answer.text


def test_xml_that_is_not_a_response_is_403(stranger: Stranger) -> None:
    """Well-formed XML that python3-saml rejects is an invalid response (403), not a crash."""
    stranger.sp.allow_unsolicited = True
    page = post_to_acs(stranger.sp.acs_url, {"SAMLResponse": b64("<hello/>")})
    assert page.status == 403
    assert page.find_text("sso-error-detail") == "Unsupported SAML version"


def test_python3_saml_exception_is_403_not_500(stranger: Stranger) -> None:
    """An EncryptedAssertion makes python3-saml raise (no SP key): the ACS must catch it."""
    stranger.sp.allow_unsolicited = True
    xml = (
        f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" '
        'Version="2.0" IssueInstant="2024-01-01T00:00:00Z"><saml:EncryptedAssertion/></samlp:Response>'
    )
    page = post_to_acs(stranger.sp.acs_url, {"SAMLResponse": b64(xml)})
    assert page.status == 403
    assert "OneLogin_Saml2_Error" in (page.find_text("sso-error-detail") or "")


def test_unsolicited_refused_before_signature_check(stranger: Stranger) -> None:
    """Without --allow-unsolicited a response with no InResponseTo is refused whatever it contains."""
    page = post_to_acs(stranger.sp.acs_url, {"SAMLResponse": b64("<hello/>")})
    assert page.status == 403
    assert "unsolicited" in (page.find_text("sso-error-detail") or "")


def test_expired_request_refused(stranger: Stranger) -> None:
    """An AuthnRequest older than REQUEST_LIFETIME can no longer be answered."""
    sp = stranger.sp
    sp.remember_request("id-old")
    sp.clock = lambda: time.time() + stranger_sp.REQUEST_LIFETIME + 1
    try:
        with pytest.raises(stranger_sp.Refused, match="has expired"):
            sp.check_request("id-old")
    finally:
        sp.clock = time.time


def test_replay_cache_forgets_only_after_the_deadline(stranger: Stranger) -> None:
    """An assertion ID is refused until its deadline, then dropped so memory does not grow forever."""
    sp = stranger.sp
    now = time.time()
    sp.accept("a1", now + 60, None)
    with pytest.raises(stranger_sp.Refused, match="replay"):
        sp.accept("a1", now + 60, None)
    sp.clock = lambda: now + 61
    try:
        sp.accept("a2", now + 120, None)
        sp.accept("a1", now + 180, None)  # expired entry was swept: accepted as new
    finally:
        sp.clock = time.time


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "/"),
        ("", "/"),
        ("/", "/"),
        ("/whoami?x=1", "/whoami?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("whoami", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_local_path(value: str | None, expected: str) -> None:
    """Only same-site paths are followed after login (RelayState is attacker-controlled)."""
    assert stranger_sp.local_path(value) == expected
