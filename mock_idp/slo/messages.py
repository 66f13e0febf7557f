"""Read and write LogoutRequest and LogoutResponse in Okta's shape (``saml2p``/``saml2`` prefixes), pure.

Reading is defensive as for AuthnRequests: no DTD, no entities, no network; every problem is a
``LogoutMessageError`` whose message is fit for Okta's 400 page.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from mock_idp.assertion import XML_DECLARATION, saml_time
from mock_idp.authn_request import AuthnRequestError, decode_post, decode_redirect
from saml_xmlns import NAMEID_EMAIL, SAML, SAMLP, STATUS_SUCCESS, q

LOGOUT_REQUEST = q(SAMLP, "LogoutRequest")
LOGOUT_RESPONSE = q(SAMLP, "LogoutResponse")


class LogoutMessageError(ValueError):
    """The SAMLRequest/SAMLResponse is not a usable logout message; the text says why."""


@dataclass(frozen=True)
class LogoutMessage:
    """The fields of a LogoutRequest or LogoutResponse the IdP acts on, plus the parsed tree for signatures."""

    kind: str
    """``request`` or ``response``."""
    id: str
    issuer: str | None
    destination: str | None
    name_id: str | None
    session_indexes: tuple[str, ...]
    in_response_to: str | None
    status: str | None
    root: etree._Element


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def decode(value: str, redirect_binding: bool) -> bytes:
    """Decode a SAMLRequest/SAMLResponse value: base64 then DEFLATE (Redirect, Bindings 3.4.4.1) or base64 (POST)."""
    try:
        return decode_redirect(value) if redirect_binding else decode_post(value)
    except AuthnRequestError as exc:
        raise LogoutMessageError(str(exc).replace("SAMLRequest", "logout message")) from exc


def parse(xml: bytes) -> LogoutMessage:
    """Parse a decoded logout message (SAML Core 3.7.1 LogoutRequest, 3.7.2 LogoutResponse)."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise LogoutMessageError("The logout message contains a DOCTYPE declaration, which is not allowed.")
    try:
        root = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as exc:
        raise LogoutMessageError("The logout message is not well-formed XML.") from exc
    if root.tag not in (LOGOUT_REQUEST, LOGOUT_RESPONSE):
        raise LogoutMessageError(f"The message is not a LogoutRequest or LogoutResponse (root {root.tag!r}).")
    message_id = root.get("ID")
    if not message_id or root.get("Version") != "2.0":
        raise LogoutMessageError("The logout message needs an ID and Version 2.0 (SAML Core 3.2.1).")
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
        root=root,
    )


def new_id() -> str:
    """Return a message ID in Okta's style (``id`` and digits; SAML Core 1.3.4: unique, not guessable)."""
    return "id" + str(secrets.randbits(96))


def _root(tag: str, issuer: str, destination: str, now: datetime, in_response_to: str | None) -> etree._Element:
    root = etree.Element(tag, nsmap={"saml2p": SAMLP})
    root.set("Destination", destination)
    root.set("ID", new_id())
    if in_response_to is not None:
        root.set("InResponseTo", in_response_to)
    root.set("IssueInstant", saml_time(now))
    root.set("Version", "2.0")
    element = etree.SubElement(root, q(SAML, "Issuer"), nsmap={"saml2": SAML})
    element.text = issuer
    return root


def logout_request(
    issuer: str,
    destination: str,
    name_id: str,
    session_index: str | None,
    now: datetime,
    name_id_format: str = NAMEID_EMAIL,
) -> etree._Element:
    """Return an unsigned LogoutRequest naming the person (SAML Core 3.7.1: NameID, then SessionIndex)."""
    root = _root(LOGOUT_REQUEST, issuer, destination, now, None)
    element = etree.SubElement(root, q(SAML, "NameID"), nsmap={"saml2": SAML}, Format=name_id_format)
    element.text = name_id
    if session_index:
        etree.SubElement(root, q(SAMLP, "SessionIndex")).text = session_index
    return root


def logout_response(
    issuer: str,
    destination: str,
    in_response_to: str,
    now: datetime,
    status: str = STATUS_SUCCESS,
    second: str | None = None,
) -> etree._Element:
    """Return an unsigned LogoutResponse (SAML Core 3.7.2: a StatusResponseType answering ``in_response_to``)."""
    root = _root(LOGOUT_RESPONSE, issuer, destination, now, in_response_to)
    status_element = etree.SubElement(root, q(SAMLP, "Status"))
    code = etree.SubElement(status_element, q(SAMLP, "StatusCode"), Value=status)
    if second is not None:
        etree.SubElement(code, q(SAMLP, "StatusCode"), Value=second)
    return root


def serialize(root: etree._Element) -> bytes:
    """Return the message as Okta writes it: XML declaration, one line."""
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def post_value(root: etree._Element) -> str:
    """Return the HTTP-POST form value (Bindings 3.5.4: base64 of the XML, no DEFLATE)."""
    return base64.b64encode(serialize(root)).decode("ascii")
