"""Record every HTTP hop of a flow, with the SAML messages decoded, so a failure explains itself."""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from lxml import etree

SAML_PARAMS = ("SAMLRequest", "SAMLResponse")


@dataclass(frozen=True)
class SamlMessage:
    """A SAML protocol message seen on the wire, decoded as far as it decodes."""

    param: str
    binding: str  # "redirect" (query, deflated) | "post" (form, base64)
    raw: str
    xml: bytes | None
    error: str | None = None

    @property
    def pretty(self) -> str:
        """Return the XML pretty-printed for people (never for verification)."""
        if self.xml is None:
            return f"<undecodable {self.param}: {self.error}>"
        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)
            return etree.tostring(etree.fromstring(self.xml, parser), pretty_print=True).decode()
        except etree.XMLSyntaxError:
            return self.xml.decode("utf-8", "replace")


@dataclass
class Hop:
    """One request and the answer to it."""

    method: str
    url: str
    status: int
    location: str | None = None
    form: dict[str, str] = field(default_factory=dict)
    saml: list[SamlMessage] = field(default_factory=list)
    note: str = ""

    def line(self) -> str:
        arrow = f" -> {self.location}" if self.location else ""
        kinds = "".join(f" [{m.param} via {m.binding}]" for m in self.saml)
        note = f"  ({self.note})" if self.note else ""
        return f"{self.method} {self.url} {self.status}{arrow}{kinds}{note}"


@dataclass
class Trace:
    """The hops of one flow, in order."""

    hops: list[Hop] = field(default_factory=list)

    def messages(self, param: str) -> list[SamlMessage]:
        return [m for hop in self.hops for m in hop.saml if m.param == param]

    @property
    def last_response(self) -> SamlMessage | None:
        found = self.messages("SAMLResponse")
        return found[-1] if found else None

    @property
    def last_request(self) -> SamlMessage | None:
        found = self.messages("SAMLRequest")
        return found[-1] if found else None

    def render(self) -> str:
        """Return the hop list and decoded messages as text for a failure report."""
        lines = [f"{i:>2}. {hop.line()}" for i, hop in enumerate(self.hops, 1)]
        for name in SAML_PARAMS:
            message = self.messages(name)[-1:] or []
            for m in message:
                lines += [f"--- last {name} ---", m.pretty]
        return "\n".join(lines)


def decode_post(value: str) -> bytes:
    """Decode an HTTP-POST binding value (plain base64)."""
    return base64.b64decode(value.encode(), validate=False)


def decode_redirect(value: str) -> bytes:
    """Decode an HTTP-Redirect binding value (base64 of raw DEFLATE)."""
    return zlib.decompress(base64.b64decode(value.encode()), -15)


def saml_from_query(url: str) -> list[SamlMessage]:
    """Return the SAML messages carried in a URL's query string."""
    query = parse_qs(urlsplit(url).query)
    return [_decode(p, "redirect", query[p][0]) for p in SAML_PARAMS if p in query]


def saml_from_form(form: dict[str, str]) -> list[SamlMessage]:
    """Return the SAML messages carried in a posted form."""
    return [_decode(p, "post", form[p]) for p in SAML_PARAMS if p in form]


def _decode(param: str, binding: str, raw: str) -> SamlMessage:
    try:
        xml = decode_redirect(raw) if binding == "redirect" else decode_post(raw)
    except (binascii.Error, zlib.error, ValueError) as exc:
        return SamlMessage(param, binding, raw, None, str(exc))
    return SamlMessage(param, binding, raw, xml)
