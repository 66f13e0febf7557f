"""Build the SP's AuthnRequest and encode it for the HTTP-Redirect binding (pure: values in, URL out)."""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from justcall_sp.request_signing import signed_query
from justcall_sp.timeutil import format_instant
from saml_xmlns import BINDING_POST, NAMEID_EMAIL, SAML, SAMLP, q


@dataclass(frozen=True)
class AuthnRequestParams:
    """Everything that goes into one AuthnRequest."""

    request_id: str
    issue_instant: datetime
    destination: str
    """The IdP's Single Sign-On URL."""
    acs_url: str
    entity_id: str


def build_authn_request(p: AuthnRequestParams) -> bytes:
    """Return the serialized ``samlp:AuthnRequest`` (SAML core 3.4.1), unsigned as Okta's default expects."""
    request = etree.Element(q(SAMLP, "AuthnRequest"), nsmap={"samlp": SAMLP, "saml": SAML})
    request.set("ID", p.request_id)
    request.set("Version", "2.0")
    request.set("IssueInstant", format_instant(p.issue_instant))
    request.set("Destination", p.destination)
    request.set("AssertionConsumerServiceURL", p.acs_url)
    request.set("ProtocolBinding", BINDING_POST)
    etree.SubElement(request, q(SAML, "Issuer")).text = p.entity_id
    policy = etree.SubElement(request, q(SAMLP, "NameIDPolicy"))
    policy.set("Format", NAMEID_EMAIL)
    policy.set("AllowCreate", "true")
    return etree.tostring(request, xml_declaration=False, encoding="utf-8")


def deflate_and_encode(xml: bytes) -> str:
    """Bindings 3.4.4.1: raw DEFLATE (no zlib header), then base64."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    raw = compressor.compress(xml) + compressor.flush()
    return base64.b64encode(raw).decode("ascii")


def redirect_url(
    sso_url: str, xml: bytes, relay_state: str | None, signing_key: rsa.RSAPrivateKey | None = None
) -> str:
    """Return the IdP SSO URL carrying ``SAMLRequest`` (and ``RelayState``), signed when a key is given."""
    separator = "&" if urlsplit(sso_url).query else "?"
    if signing_key is not None:
        return f"{sso_url}{separator}{signed_query('SAMLRequest', deflate_and_encode(xml), relay_state, signing_key)}"
    params = {"SAMLRequest": deflate_and_encode(xml)}
    if relay_state:
        params["RelayState"] = relay_state
    return f"{sso_url}{separator}{urlencode(params)}"
