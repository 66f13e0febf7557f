"""Read element text whole: never a first text node that a comment or child element cut short (CVE-2017-11427)."""

from __future__ import annotations

from lxml import etree

from justcall_sp.acs.reasons import Reject


def is_simple(element: etree._Element) -> bool:
    """Whether ``element`` holds only text: no child elements, comments or processing instructions."""
    return len(element) == 0


def whole_text(element: etree._Element, reason: str = "subject.malformed") -> str:
    """Return all of ``element``'s text, stripped; refuse (``reason``) if anything but text is inside it.

    lxml's ``.text`` stops at the first comment (``victim@corp.com<!---->.evil.com`` reads as
    ``victim@corp.com``). An identity field with a comment, processing instruction or child element inside is
    refused rather than guessed at.
    """
    if not is_simple(element):
        raise Reject(reason, f"{etree.QName(element).localname} contains markup, not just text")
    return (element.text or "").strip()
