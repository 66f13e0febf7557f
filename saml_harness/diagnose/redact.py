"""Mask personal data in everything the diagnosis prints, so support can paste it into a ticket.

Masked: email addresses (``j***@a***.example``), the NameID and every attribute value (names become initials).
Kept: URLs, issuers, IDs and InResponseTo (not personal, and support needs them to match logs).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from lxml import etree

from saml_harness.diagnose.checks import text_of
from saml_xmlns import SAML, q

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PERSONAL_TAGS = (q(SAML, "NameID"), q(SAML, "AttributeValue"))


def mask_email(email: str) -> str:
    """Return ``john.doe@acme.example`` as ``j***@a***.example``."""
    local, _, domain = email.partition("@")
    top = domain.rsplit(".", 1)[-1]
    return f"{local[:1]}***@{domain[:1]}***.{top}"


def mask_name(value: str) -> str:
    """Return a name as its initials: ``Jane Q. Doe`` -> ``J. Q. D.``."""
    words = [w for w in re.split(r"[\s_]+", value.strip()) if w]
    return " ".join(f"{w[0]}." for w in words) or "***"


def mask_value(value: str) -> str:
    """Mask one personal value: emails keep their shape, anything else becomes initials."""
    value = value.strip()
    if EMAIL.fullmatch(value):
        return mask_email(value)
    return mask_name(value)


class Redactor:
    """Replace known personal values (from the document) and any email address in text, XML and JSON data."""

    def __init__(self, values: list[str]) -> None:
        self.values = {v.strip(): mask_value(v) for v in values if len(v.strip()) >= 2}
        ordered = sorted(self.values, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in ordered), re.IGNORECASE) if ordered else None
        )
        self._lookup = {k.casefold(): m for k, m in self.values.items()}

    @classmethod
    def for_document(cls, root: etree._Element | None) -> Redactor:
        """Collect the personal values in ``root``: NameIDs and attribute values."""
        if root is None:
            return cls([])
        return cls([text_of(e) or "" for tag in _PERSONAL_TAGS for e in root.iter(tag)])

    def text(self, value: str) -> str:
        """Mask the document's personal values and every email address in ``value``."""
        if self._pattern is not None:
            value = self._pattern.sub(lambda m: self._lookup.get(m.group(0).casefold(), "***"), value)
        return EMAIL.sub(lambda m: mask_email(m.group(0)), value)

    def data(self, value: Any) -> Any:
        """Redact every string inside JSON-like data."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        return value

    def xml(self, root: etree._Element) -> etree._Element:
        """Return a copy of ``root`` with NameID and AttributeValue texts masked."""
        masked = copy.deepcopy(root)
        for tag in _PERSONAL_TAGS:
            for element in masked.iter(tag):
                whole = text_of(element) or ""
                for child in list(element):
                    element.remove(child)
                element.text = mask_value(whole) if whole else whole
        return masked


class NoRedaction(Redactor):
    """Print everything as is (the default)."""

    def __init__(self) -> None:
        super().__init__([])

    def text(self, value: str) -> str:
        return value

    def xml(self, root: etree._Element) -> etree._Element:
        return root
