"""Helpers shared by the mock IdP's unit tests: a settable clock, request encoders, verifiers."""

from __future__ import annotations

import base64
import html
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lxml import etree
from signxml import SignatureConfiguration, VerifyResult, XMLVerifier
from signxml.algorithms import DigestAlgorithm, SignatureMethod

from mock_idp.faults import FaultPlan
from mock_idp.model import SamlApp, User
from mock_idp.org import Org
from mock_idp.pipeline import IssuedResponse, Login, issue
from saml_xmlns import NS, SAML

ACS_URL = "http://127.0.0.1:6000/sso/saml/acme/acs"
SP_ENTITY_ID = "http://127.0.0.1:6000/sso/saml/acme"
IDP_URL = "http://127.0.0.1:5000"
JUSTCALL_ATTRIBUTES = [
    ("email", "unspecified", "user.email"),
    ("firstName", "unspecified", "user.firstName"),
    ("lastName", "unspecified", "user.lastName"),
]


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    # In the past of the real clock, so certificates minted "now" are already valid for signxml 5.2,
    # which checks the pinned certificate's dates against the real time.
    now: datetime = field(default_factory=lambda: datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def authn_request_xml(
    request_id: str = "_req-1",
    *,
    acs_url: str = ACS_URL,
    force_authn: bool = False,
    extra: str = "",
) -> bytes:
    """Return a minimal SP AuthnRequest."""
    force = ' ForceAuthn="true"' if force_authn else ""
    return (
        f'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{request_id}" Version="2.0" '
        f'IssueInstant="2026-11-29T12:00:00Z" AssertionConsumerServiceURL="{acs_url}"{force} '
        f'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">'
        f"<saml:Issuer>{SP_ENTITY_ID}</saml:Issuer>{extra}"
        f'<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"/>'
        f"</samlp:AuthnRequest>"
    ).encode()


def redirect_encode(xml: bytes) -> str:
    """Encode for the HTTP-Redirect binding: raw DEFLATE then base64."""
    deflater = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return base64.b64encode(deflater.compress(xml) + deflater.flush()).decode()


def post_encode(xml: bytes) -> str:
    """Encode for the HTTP-POST binding: base64 only."""
    return base64.b64encode(xml).decode()


def form_fields(page: str) -> dict[str, str]:
    """Return the hidden inputs of an auto-POST page, unescaped."""
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }


def form_action(page: str) -> str:
    """Return the auto-POST form's action."""
    match = re.search(r'<form method="post" action="([^"]*)">', page)
    assert match, "no auto-POST form"
    return html.unescape(match.group(1))


def decoded_response(page: str) -> bytes:
    """Return the SAMLResponse XML carried by an auto-POST page."""
    return base64.b64decode(form_fields(page)["SAMLResponse"])


def parse(xml: bytes) -> etree._Element:
    """Parse XML the tests produced."""
    return etree.fromstring(xml)


def xp(root: etree._Element, path: str) -> list[etree._Element]:
    """Evaluate an XPath with Okta's prefixes and return elements."""
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [e for e in found if isinstance(e, etree._Element)]


def verify(xml: bytes, cert_pem: bytes, where: str = "response", *, sha1: bool = False) -> etree._Element:
    """Verify the Response or Assertion signature with the pinned cert; return what was signed."""
    location = "./" if where == "response" else f"./{{{SAML}}}Assertion/"
    if sha1:
        config = SignatureConfiguration(
            location=location,
            signature_methods=frozenset(SignatureMethod),
            digest_algorithms=frozenset(DigestAlgorithm),
        )
    else:
        config = SignatureConfiguration(location=location)
    result = XMLVerifier().verify(xml, x509_cert=cert_pem.decode(), expect_config=config)
    assert isinstance(result, VerifyResult) and result.signed_xml is not None
    return result.signed_xml


def issue_for(
    org: Org,
    app: SamlApp,
    user: User,
    *,
    request_id: str | None = None,
    plan: FaultPlan | None = None,
    auth_time: datetime | None = None,
) -> IssuedResponse:
    """Run the response pipeline for one login, as the SSO views do."""
    plan = plan or FaultPlan()
    login = Login(app=app, user=user, auth_time=auth_time or org.clock(), request_id=request_id)
    credential = org.signing_credential(app.id, plan.signing.get("key"))
    return issue(login, plan, credential, now=org.clock(), ids=org.ids)
