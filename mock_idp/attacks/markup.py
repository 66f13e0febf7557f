"""Markup injection into signed text (CVE-2017-11427 family): comments, CDATA and processing instructions.

Exclusive c14n without comments drops comments and processing instructions and turns CDATA into text, so
the signature stays valid; a reader that takes an element's first text node sees a shorter value
(``owner@acme.example<!---->.evil.example`` reads as ``owner@acme.example``). The SP must read the whole
signed value or refuse the message (CVE-2017-11427 and its siblings).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from lxml import etree

from mock_idp.op_registry import OpContext, op
from saml_xmlns import NS

KINDS = ("comment", "cdata", "pi")


def _targets(root: etree._Element, xpath: str) -> list[etree._Element]:
    found = root.xpath(xpath, namespaces=NS)
    elements = [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []
    if not elements:
        raise ValueError(f"inject_markup: nothing matches {xpath!r}")
    return elements


def _split(element: etree._Element, at: int | None, before: str) -> tuple[str, str]:
    if len(element):
        raise ValueError("inject_markup: the element already has child nodes")
    value = element.text or ""
    if before:
        # A split point named by text: the entity ID's or ACS URL's length depends on the SP's port.
        found = value.find(before)
        if found <= 0:
            raise ValueError(f"inject_markup: {before!r} is not inside (after the start of) {value!r}")
        return value[:found], value[found:]
    if at is None:
        raise ValueError("inject_markup: give `at` (a character offset) or `before` (the text to split before)")
    if not 0 < at < len(value):
        raise ValueError(f"inject_markup: offset {at} is not inside the {len(value)}-character value {value!r}")
    return value[:at], value[at:]


def _with_cdata(element: etree._Element, head: str, tail: str) -> etree._Element:
    """Return a copy of ``element`` whose text is ``head`` followed by a CDATA section holding ``tail``."""
    serialized = etree.tostring(element, with_tail=False).decode("utf-8")
    start = serialized.split(">", 1)[0].rstrip("/")
    closing = f"</{element.prefix}:{etree.QName(element).localname}>" if element.prefix else f"</{element.tag}>"
    text = f"{start}>{escape(head)}<![CDATA[{tail}]]>{closing}"
    return etree.fromstring(text.encode("utf-8"), etree.XMLParser(strip_cdata=False))


@op("inject_markup")
def inject_markup(
    root: etree._Element,
    ctx: OpContext,
    xpath: str,
    at: int | None = None,
    kind: str = "comment",
    text: str = "",
    before: str = "",
) -> None:
    """Split the text of each element matching ``xpath`` with a comment, CDATA or PI (at ``at`` or ``before``).

    At ``post_sign`` the markup is added to a signed value; at ``pre_sign`` the IdP signs the value with the
    markup in it (a processing instruction survives exclusive c14n, so the signed copy the SP reads holds it).
    """
    if kind not in KINDS:
        raise ValueError(f"inject_markup: kind must be one of {KINDS}, got {kind!r}")
    before = ctx.fmt(before) if before else ""
    for element in _targets(root, xpath):
        head, tail = _split(element, at, before)
        if kind == "cdata":
            replacement = _with_cdata(element, head, tail)
            replacement.tail = element.tail
            parent = element.getparent()
            if parent is None:
                raise ValueError("inject_markup: cannot replace the document element")
            parent.replace(element, replacement)
            continue
        node = etree.Comment(text) if kind == "comment" else etree.ProcessingInstruction("harness", text or "x")
        element.text = head
        node.tail = tail
        element.insert(0, node)
