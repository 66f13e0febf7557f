"""Turn the posted ``SAMLResponse`` into an XML tree, refusing oversized, non-base64, DTD-bearing or non-XML input."""

from __future__ import annotations

import base64
import binascii
import re

from lxml import etree

from justcall_sp.acs.reasons import Reject

_BASE64_TEXT = re.compile(r"^[A-Za-z0-9+/=\s]*$")
_DTD_MARKERS = (b"<!doctype", b"<!entity", b"<!attlist", b"<!element", b"<!notation")


def _parser() -> etree.XMLParser:
    # No entity expansion, no network, no DTD loading, no huge trees: a SAML Response never needs any of them.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


# Denial of service guard (ruby-saml CVE-2025-54572 class): refuse oversized messages before decoding anything.
def check_size(posted: list[str], max_bytes: int) -> None:
    size = max((len(value) for value in posted), default=0)
    if size > max_bytes:
        raise Reject("input.too_large", f"SAMLResponse is {size} bytes; the limit is {max_bytes}")


# Bindings 3.5.4: the HTTP-POST binding carries the message in exactly one form control named SAMLResponse;
# profiles 4.1.2: the Response MUST NOT be delivered over HTTP-Redirect, so one in the query string is refused.
def check_present(values: list[str], in_query: bool = False) -> str:
    if in_query:
        raise Reject("input.ambiguous", "SAMLResponse in the URL query string; only the POST body is read")
    if not values or not values[0].strip():
        raise Reject("input.missing", "no SAMLResponse form field in the POST body")
    if len(values) > 1:
        raise Reject("input.ambiguous", f"{len(values)} SAMLResponse fields; exactly one is expected")
    return values[0]


# Bindings 3.5.4: the value is base64 (RFC 2045). Only the standard alphabet, padding and line breaks are
# accepted; URL-safe characters or anything else mean the message was mangled (SAMLRaider issue #65).
def decode_base64(posted: str) -> bytes:
    if not _BASE64_TEXT.match(posted):
        raise Reject("input.base64", "SAMLResponse contains characters outside the base64 alphabet")
    compact = "".join(posted.split())
    if len(compact) % 4 != 0:
        raise Reject("input.base64", "SAMLResponse base64 length is not a multiple of 4")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Reject("input.base64", f"SAMLResponse is not valid base64: {exc}") from exc


# Attack catalog 1.E / signxml 4.4.0: a SAML message never needs a DTD; any DOCTYPE or entity declaration is
# refused on the raw bytes, before a parser sees it (SAMLStorm CVE-2025-25291/25292 start with a DOCTYPE).
def check_no_dtd(xml: bytes) -> None:
    lowered = xml.lower()
    for marker in _DTD_MARKERS:
        if marker in lowered:
            raise Reject("input.dtd", f"document contains {marker.decode()!r}; DTDs and entities are refused")


# XML 1.0 well-formedness with a hardened parser (no entities, no network, no DTD, no huge trees). NUL bytes
# mean a non-UTF-8 encoding that the byte-level DTD check above could not read: refused as not XML.
def parse_xml(xml: bytes) -> etree._Element:
    if b"\x00" in xml:
        raise Reject("input.not_xml", "document contains NUL bytes (only UTF-8 XML is accepted)")
    try:
        root = etree.fromstring(xml, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise Reject("input.not_xml", f"not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise Reject("input.dtd", "document declares a DTD")
    if any(True for _ in root.iter(etree.Entity)):
        raise Reject("input.dtd", "document contains entity references")
    return root
