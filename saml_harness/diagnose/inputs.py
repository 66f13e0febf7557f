"""Find the SAMLResponse in whatever support was sent (base64, form body, XML, SAML-tracer, HAR) and decode it.

Decoding is strict: bad base64, non-XML and DTDs are refused with a message that says what is wrong, because a
guess here would send support chasing the wrong cause. XML is parsed without entities, network or DTD loading.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

from lxml import etree

from saml_xmlns import SAMLP, q

KINDS = ("xml", "base64", "form", "saml-tracer", "har")

_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]")
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_NOT_ASSIGNED = re.compile(r"App Not Assigned", re.IGNORECASE)


MAX_INPUT_BYTES = 10 * 1024 * 1024
"""Largest input read (a HAR of one sign-in is far smaller); parsing 20 MB of small elements took 12 s and 737 MB."""
MAX_XML_BYTES = 1024 * 1024
"""Largest decoded Response parsed (Okta's are a few KB; even a thousand attributes stay far below)."""


def check_size(size: int, limit: int, what: str) -> None:
    """Refuse ``what`` when it is larger than ``limit`` bytes, in one line that names both sizes."""
    if size > limit:
        raise InputError(f"{what} is {size / 1048576:.1f} MiB; diagnose reads at most {limit // 1048576} MiB")


class InputError(Exception):
    """The input holds no usable SAMLResponse; the message says why, for a person."""


@dataclass(frozen=True)
class Captured:
    """One SAMLResponse found in the input, decoded to XML bytes."""

    xml: bytes
    source: str
    notes: tuple[str, ...] = ()


@dataclass
class Extracted:
    """What the input was and every SAMLResponse in it, in capture order."""

    kind: str
    responses: list[Captured] = field(default_factory=list)
    not_assigned_url: str | None = None
    """A capture without SAMLResponse whose Okta page said "403 App Not Assigned" (the article's row)."""


def extract(data: bytes) -> Extracted:
    """Detect the kind of ``data`` and return the SAMLResponses it carries (raises ``InputError``)."""
    check_size(len(data), MAX_INPUT_BYTES, "the input")
    kind = detect(data)
    text = _strip(data)
    if kind == "xml":
        return Extracted(kind, [Captured(check_xml(text), "XML document")])
    if kind == "base64":
        xml, notes = decode_saml_value(text.decode("ascii", "replace"))
        return Extracted(kind, [Captured(xml, "base64 SAMLResponse", notes)])
    if kind == "form":
        return Extracted(kind, [_from_form(text.decode("utf-8", "replace"), "form body")])
    document = _load_json(text)
    found = _from_har(document) if kind == "har" else _from_tracer(document)
    if not found.responses and found.not_assigned_url is None:
        what = "HAR entries" if kind == "har" else "SAML-tracer requests"
        raise InputError(f"no SAMLResponse found in the {what} (was the capture started before signing in?)")
    return found


def detect(data: bytes) -> str:
    """Return the kind of input: xml, base64, form, saml-tracer or har."""
    text = _strip(data)
    if not text:
        raise InputError("the input is empty")
    if text.startswith(b"<"):
        return "xml"
    if text[:1] in (b"{", b"["):
        document = _load_json(text)
        if isinstance(document, dict) and isinstance(document.get("log"), dict) and "entries" in document["log"]:
            return "har"
        if isinstance(document, list) or (isinstance(document, dict) and "requests" in document):
            return "saml-tracer"
        raise InputError("JSON input is neither a HAR file (log.entries) nor a SAML-tracer export (requests)")
    if re.search(rb"(^|&)SAMLResponse=", text):
        return "form"
    if re.search(rb"(^|&)SAMLRequest=", text):
        raise InputError("the form body carries a SAMLRequest (the SP's AuthnRequest), not a SAMLResponse")
    return "base64"


def _strip(data: bytes) -> bytes:
    return data.removeprefix(b"\xef\xbb\xbf").strip()


def _load_json(text: bytes) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"the input looks like JSON but does not parse: {exc}") from exc


def decode_saml_value(value: str) -> tuple[bytes, tuple[str, ...]]:
    """Decode a SAMLResponse parameter value (HTTP-POST: base64) to XML bytes, strictly."""
    notes: list[str] = []
    compact = "".join(value.split())
    if "%" in compact:
        compact = unquote(compact)
        notes.append("the value was URL-encoded; decoded it first")
    bad = _NOT_BASE64.search(compact)
    if bad is not None:
        raise InputError(f"not valid base64: character {bad.group()!r} at position {bad.start()}")
    if len(compact) % 4:
        raise InputError(f"not valid base64: length {len(compact)} is not a multiple of 4 (truncated or badly copied?)")
    try:
        raw = base64.b64decode(compact, validate=True)
    except binascii.Error as exc:
        raise InputError(f"not valid base64: {exc}") from exc
    if not _strip(raw).startswith(b"<"):
        try:
            raw = zlib.decompress(raw, -15)
        except zlib.error as exc:
            raise InputError(f"base64 decodes to something that is not XML (starts with {raw[:12]!r})") from exc
        notes.append("the value was DEFLATE-compressed (HTTP-Redirect encoding); a Response must be POSTed")
    return check_xml(raw), tuple(notes)


def check_xml(raw: bytes) -> bytes:
    """Return ``raw`` if it is a DTD-free XML document (without parsing entities), else raise ``InputError``."""
    if _DOCTYPE.search(raw):
        raise InputError("the XML contains a DTD (<!DOCTYPE or <!ENTITY); refused: entities are not parsed")
    parse_xml(raw)
    return raw


def parse_xml(raw: bytes) -> etree._Element:
    """Parse ``raw`` safely (no entities, no network, no DTD) and require a samlp:Response root."""
    if _DOCTYPE.search(raw):
        raise InputError("the XML contains a DTD (<!DOCTYPE or <!ENTITY); refused: entities are not parsed")
    check_size(len(raw), MAX_XML_BYTES, "the decoded XML")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"not well-formed XML: {exc}") from exc
    if root.tag != q(SAMLP, "Response"):
        raise InputError(f"the XML is a {etree.QName(root).localname} ({root.tag}), not a samlp:Response")
    return root


def _from_form(body: str, source: str) -> Captured:
    pairs = parse_qsl(body, keep_blank_values=True)
    values = [v for k, v in pairs if k == "SAMLResponse"]
    if not values:
        raise InputError(f"no SAMLResponse field in the {source}")
    # A form body decodes '+' as a space; base64 has no spaces, so a raw '+' pasted unencoded is restored.
    xml, notes = decode_saml_value(values[-1].replace(" ", "+"))
    return Captured(xml, source, notes)


def _param_value(raw: str) -> str:
    """Return a captured parameter value decoded as the browser sent it (HAR keeps values URL-encoded)."""
    return unquote_plus(raw) if "%" in raw else raw


def _from_har(document: dict[str, Any]) -> Extracted:
    found = Extracted("har")
    for number, entry in enumerate(document["log"].get("entries") or [], 1):
        if not isinstance(entry, dict):
            continue
        request = entry.get("request") or {}
        where = f"HAR entry {number}: {request.get('method', '?')} {request.get('url', '?')}"
        value = _har_saml_response(request.get("postData") or {})
        if value is not None:
            found.responses.append(_decode_captured(value, where))
        elif _NOT_ASSIGNED.search(str(((entry.get("response") or {}).get("content") or {}).get("text") or "")):
            found.not_assigned_url = str(request.get("url", "?"))
    return found


def _har_saml_response(post: dict[str, Any]) -> str | None:
    for param in post.get("params") or []:
        if isinstance(param, dict) and param.get("name") == "SAMLResponse":
            return _param_value(str(param.get("value", "")))
    text = post.get("text")
    if isinstance(text, str) and "SAMLResponse=" in text:
        values = [v for k, v in parse_qsl(text, keep_blank_values=True) if k == "SAMLResponse"]
        return values[-1].replace(" ", "+") if values else None
    return None


def _from_tracer(document: Any) -> Extracted:
    requests = document if isinstance(document, list) else document.get("requests") or []
    found = Extracted("saml-tracer")
    for number, request in enumerate(requests, 1):
        if not isinstance(request, dict):
            continue
        where = f"SAML-tracer request {number}: {request.get('method', '?')} {request.get('url', '?')}"
        value = _tracer_field(request.get("post")) or _tracer_field(request.get("params"))
        if value is None:
            value = _tracer_field(dict(parse_qsl(urlsplit(str(request.get("url", ""))).query)))
        if value is not None:
            found.responses.append(_decode_captured(value, where, fallback=request.get("saml")))
    return found


def _tracer_field(container: Any) -> str | None:
    """Return SAMLResponse from SAML-tracer's post/params in any of its shapes (dict, pairs, {name,value}, body)."""
    if isinstance(container, dict):
        value = container.get("SAMLResponse")
        if isinstance(value, list):
            value = value[-1] if value else None
        return None if value is None else _param_value(str(value))
    if isinstance(container, list):
        for item in reversed(container):
            if isinstance(item, dict) and item.get("name") == "SAMLResponse":
                return _param_value(str(item.get("value", "")))
            if isinstance(item, list | tuple) and len(item) == 2 and item[0] == "SAMLResponse":
                return _param_value(str(item[1]))
    if isinstance(container, str) and "SAMLResponse=" in container:
        values = [v for k, v in parse_qsl(container, keep_blank_values=True) if k == "SAMLResponse"]
        return values[-1].replace(" ", "+") if values else None
    return None


def _decode_captured(value: str, where: str, fallback: Any = None) -> Captured:
    try:
        xml, notes = decode_saml_value(value)
    except InputError as exc:
        if isinstance(fallback, str) and fallback.lstrip().startswith("<"):
            # SAML-tracer exports hashed/obfuscated POST values but keep the decoded message in "saml".
            return Captured(
                check_xml(fallback.encode()), where, (f"SAMLResponse value unusable ({exc}); used the decoded copy",)
            )
        raise InputError(f"{where}: {exc}") from exc
    return Captured(xml, where, notes)
