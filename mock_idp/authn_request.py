"""Decode and parse an SP's AuthnRequest from the HTTP-Redirect or HTTP-POST binding, defensively.

Every bad input raises a subclass of ``AuthnRequestError`` (a ``ValueError``) whose message is safe to
show on the 400 page; nothing here touches the network or expands entities.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass

from lxml import etree

from saml_xmlns import SAML, SAMLP, q

MAX_DECODED_BYTES = 64 * 1024
"""Largest AuthnRequest accepted, after base64 decoding and after inflating."""

MAX_ENCODED_CHARS = 4 * MAX_DECODED_BYTES // 3 + 4
"""Largest base64 text accepted, checked before decoding."""


class AuthnRequestError(ValueError):
    """The SAMLRequest cannot be used; the message says why, in words fit for the 400 page."""


class EncodingError(AuthnRequestError):
    """The SAMLRequest is not valid base64."""


class InflateError(AuthnRequestError):
    """The HTTP-Redirect SAMLRequest is not a valid raw DEFLATE stream."""


class TooLargeError(AuthnRequestError):
    """The SAMLRequest is larger than ``MAX_DECODED_BYTES`` (before or after inflating)."""


class NotXmlError(AuthnRequestError):
    """The decoded SAMLRequest is not well-formed XML."""


class ForbiddenDtdError(AuthnRequestError):
    """The SAMLRequest carries a DOCTYPE: SAML messages never need one (SAMLBind 3.1.x security notes)."""


class WrongRootError(AuthnRequestError):
    """The SAMLRequest's root element is not ``samlp:AuthnRequest``."""


class MissingIdError(AuthnRequestError):
    """The AuthnRequest has no ``ID`` attribute (required by SAMLCore 3.2.1)."""


class UnsupportedVersionError(AuthnRequestError):
    """The AuthnRequest's ``Version`` is not ``2.0`` (SAMLCore 3.2.1)."""


@dataclass(frozen=True)
class AuthnRequest:
    """The parts of an AuthnRequest the IdP uses, plus the raw XML for the log."""

    id: str
    issuer: str | None
    acs_url: str | None
    protocol_binding: str | None
    destination: str | None
    issue_instant: str | None
    force_authn: bool
    is_passive: bool
    name_id_policy_format: str | None
    xml: bytes


def _parser() -> etree.XMLParser:
    # Hardened: no DTD loading, no entity expansion, no network, no huge trees.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def decode_base64(value: str) -> bytes:
    """Decode strict base64 (line breaks tolerated), refusing oversized input before decoding."""
    if not value:
        raise EncodingError("The SAMLRequest parameter is empty.")
    if len(value) > MAX_ENCODED_CHARS:
        raise TooLargeError(f"The SAMLRequest is larger than {MAX_DECODED_BYTES} bytes.")
    compact = "".join(value.split())
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EncodingError("The SAMLRequest is not valid base64.") from exc


def inflate(data: bytes) -> bytes:
    """Inflate raw DEFLATE data (SAMLBind 3.4.4.1), refusing output beyond ``MAX_DECODED_BYTES``."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_DECODED_BYTES + 1)
    except zlib.error as exc:
        raise InflateError("The SAMLRequest is not valid DEFLATE data (HTTP-Redirect binding).") from exc
    # A deflate bomb stops at the limit with input left over; refuse rather than keep inflating.
    if len(out) > MAX_DECODED_BYTES or inflater.unconsumed_tail:
        raise TooLargeError(f"The SAMLRequest inflates to more than {MAX_DECODED_BYTES} bytes.")
    if not inflater.eof:
        raise InflateError("The SAMLRequest DEFLATE data is truncated (HTTP-Redirect binding).")
    return out


def decode_redirect(saml_request: str) -> bytes:
    """Decode a HTTP-Redirect ``SAMLRequest`` query value: base64, then raw DEFLATE."""
    return inflate(decode_base64(saml_request))


def decode_post(saml_request: str) -> bytes:
    """Decode a HTTP-POST ``SAMLRequest`` form value: base64 only (SAMLBind 3.5.4)."""
    data = decode_base64(saml_request)
    if len(data) > MAX_DECODED_BYTES:
        raise TooLargeError(f"The SAMLRequest is larger than {MAX_DECODED_BYTES} bytes.")
    return data


def _flag(element: etree._Element, name: str) -> bool:
    # xs:boolean allows "true"/"false"/"1"/"0".
    return (element.get(name) or "").strip() in ("true", "1")


def parse_authn_request(xml: bytes) -> AuthnRequest:
    """Parse decoded AuthnRequest XML with a hardened parser and return its useful fields."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise ForbiddenDtdError("The SAMLRequest contains a DOCTYPE declaration, which is not allowed.")
    try:
        root = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as exc:
        raise NotXmlError("The SAMLRequest is not well-formed XML.") from exc
    docinfo = root.getroottree().docinfo
    # Catches a DOCTYPE the byte scan cannot see (e.g. UTF-16 input); lxml-stubs lacks DocInfo.doctype.
    if docinfo.internalDTD is not None or getattr(docinfo, "doctype", None):
        raise ForbiddenDtdError("The SAMLRequest contains a DOCTYPE declaration, which is not allowed.")
    if root.tag != q(SAMLP, "AuthnRequest"):
        raise WrongRootError(f"The SAMLRequest is not an AuthnRequest (root element {root.tag!r}).")
    request_id = root.get("ID")
    if not request_id:
        raise MissingIdError("The AuthnRequest has no ID attribute.")
    if root.get("Version") != "2.0":
        raise UnsupportedVersionError("The AuthnRequest Version is not 2.0.")
    issuer = root.find(q(SAML, "Issuer"))
    policy = root.find(q(SAMLP, "NameIDPolicy"))
    return AuthnRequest(
        id=request_id,
        issuer=(issuer.text or "").strip() if issuer is not None else None,
        acs_url=root.get("AssertionConsumerServiceURL"),
        protocol_binding=root.get("ProtocolBinding"),
        destination=root.get("Destination"),
        issue_instant=root.get("IssueInstant"),
        force_authn=_flag(root, "ForceAuthn"),
        is_passive=_flag(root, "IsPassive"),
        name_id_policy_format=policy.get("Format") if policy is not None else None,
        xml=xml,
    )


def parse_redirect(saml_request: str) -> AuthnRequest:
    """Decode and parse a HTTP-Redirect ``SAMLRequest`` value."""
    return parse_authn_request(decode_redirect(saml_request))


def parse_post(saml_request: str) -> AuthnRequest:
    """Decode and parse a HTTP-POST ``SAMLRequest`` value."""
    return parse_authn_request(decode_post(saml_request))
