"""Build JustCall's logout messages and read Okta's (pure: values in, bytes or fields out).

JustCall sends its messages over HTTP-Redirect with the query signature of SAMLBind 3.4.4.1 (RSA-SHA256 with its
own signing key, the certificate the admin uploaded to Okta as the Signature Certificate).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from justcall_sp.acs import decode
from justcall_sp.acs.reasons import Reject
from justcall_sp.authn_request import deflate_and_encode
from justcall_sp.timeutil import format_instant
from saml_xmlns import ALG_RSA_SHA256, NAMEID_EMAIL, SAML, SAMLP, STATUS_SUCCESS, q

LOGOUT_REQUEST = q(SAMLP, "LogoutRequest")
LOGOUT_RESPONSE = q(SAMLP, "LogoutResponse")


@dataclass(frozen=True)
class LogoutMessage:
    """What JustCall reads from Okta's LogoutRequest or LogoutResponse (before the checks)."""

    kind: str
    """``request`` or ``response``."""
    id: str
    issuer: str | None
    destination: str | None
    name_id: str | None
    session_indexes: tuple[str, ...]
    in_response_to: str | None
    status: str | None
    not_on_or_after: str | None


def build_logout_request(
    request_id: str,
    now: datetime,
    destination: str,
    issuer: str,
    name_id: str,
    session_index: str | None,
    name_id_format: str | None = NAMEID_EMAIL,
) -> bytes:
    """Return a LogoutRequest (SAML Core 3.7.1): Issuer, the NameID of the login, its SessionIndex."""
    root = etree.Element(LOGOUT_REQUEST, nsmap={"samlp": SAMLP, "saml": SAML})
    root.set("ID", request_id)
    root.set("Version", "2.0")
    root.set("IssueInstant", format_instant(now))
    root.set("Destination", destination)
    etree.SubElement(root, q(SAML, "Issuer")).text = issuer
    element = etree.SubElement(root, q(SAML, "NameID"))
    if name_id_format:
        element.set("Format", name_id_format)
    element.text = name_id
    if session_index:
        etree.SubElement(root, q(SAMLP, "SessionIndex")).text = session_index
    return etree.tostring(root, xml_declaration=False, encoding="utf-8")


def build_logout_response(
    response_id: str, now: datetime, destination: str, issuer: str, in_response_to: str, status: str = STATUS_SUCCESS
) -> bytes:
    """Return a LogoutResponse (SAML Core 3.7.2) answering ``in_response_to`` with ``status``."""
    root = etree.Element(LOGOUT_RESPONSE, nsmap={"samlp": SAMLP, "saml": SAML})
    root.set("ID", response_id)
    root.set("Version", "2.0")
    root.set("IssueInstant", format_instant(now))
    root.set("Destination", destination)
    root.set("InResponseTo", in_response_to)
    etree.SubElement(root, q(SAML, "Issuer")).text = issuer
    status_element = etree.SubElement(root, q(SAMLP, "Status"))
    etree.SubElement(status_element, q(SAMLP, "StatusCode"), Value=status)
    return etree.tostring(root, xml_declaration=False, encoding="utf-8")


def signed_redirect_url(endpoint: str, param: str, xml: bytes, relay_state: str | None, key: rsa.RSAPrivateKey) -> str:
    """Return ``endpoint`` with the message and its query signature (SAMLBind 3.4.4.1, RSA-SHA256).

    The signed octets are ``SAMLRequest=..&RelayState=..&SigAlg=..`` exactly as URL-encoded in the query sent.
    """
    parts = [f"{param}={quote(deflate_and_encode(xml), safe='')}"]
    if relay_state:
        parts.append(f"RelayState={quote(relay_state, safe='')}")
    parts.append(f"SigAlg={quote(ALG_RSA_SHA256, safe='')}")
    signed = "&".join(parts)
    signature = key.sign(signed.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    separator = "&" if urlsplit(endpoint).query else "?"
    return f"{endpoint}{separator}{signed}&Signature={quote(base64.b64encode(signature).decode('ascii'), safe='')}"


def decode_posted(values: list[str], max_bytes: int) -> tuple[bytes, etree._Element]:
    """Decode the POSTed SAMLRequest/SAMLResponse (SAMLBind 3.5.4: base64, one field) with the ACS's input checks."""
    decode.check_size(values, max_bytes)
    if not values or not values[0].strip():
        raise Reject("input.missing", "no SAMLRequest or SAMLResponse form field in the POST body")
    if len(values) > 1:
        raise Reject("input.ambiguous", f"{len(values)} logout message fields; exactly one is expected")
    xml = decode.decode_base64(values[0])
    decode.check_no_dtd(xml)
    return xml, decode.parse_xml(xml)


def read(root: etree._Element) -> LogoutMessage:
    """Read a logout message's fields (SAML Core 3.7.1/3.7.2); anything else is ``slo.invalid``."""
    if root.tag not in (LOGOUT_REQUEST, LOGOUT_RESPONSE):
        raise Reject("slo.invalid", f"not a LogoutRequest or LogoutResponse (root {root.tag!r})")
    message_id = root.get("ID")
    # SAML Core 3.2.1 / 3.2.2: every request and response carries ID and Version 2.0.
    if not message_id or root.get("Version") != "2.0":
        raise Reject("slo.invalid", "the logout message lacks an ID or Version 2.0")
    issuer = root.find(q(SAML, "Issuer"))
    name_id = root.find(q(SAML, "NameID"))
    status = root.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}")
    return LogoutMessage(
        kind="request" if root.tag == LOGOUT_REQUEST else "response",
        id=message_id,
        issuer=(issuer.text or "").strip() if issuer is not None else None,
        destination=root.get("Destination"),
        name_id=(name_id.text or "").strip() if name_id is not None else None,
        session_indexes=tuple((e.text or "").strip() for e in root.findall(q(SAMLP, "SessionIndex"))),
        in_response_to=root.get("InResponseTo"),
        status=status.get("Value") if status is not None else None,
        not_on_or_after=root.get("NotOnOrAfter"),
    )
