"""Evidence checks of the field ops (``mock_idp.field_ops``): the changed element, attribute or text is in the XML.

Read from the Response that crossed the wire, independently of the IdP's op code.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lxml import etree

from saml_harness.scenarios.evidence_kit import TIME_TOLERANCE, Sent, elements, evidence, parse_time, text_of
from saml_xmlns import NS, SAML, q


def _texts(root: etree._Element, xpath: str) -> list[str]:
    return [text_of(e) for e in elements(root, xpath)]


def _expect_all(root: etree._Element, xpath: str, value: str, what: str) -> str | None:
    found = _texts(root, xpath)
    if not found:
        return f"{what}: nothing at {xpath}"
    wrong = [t for t in found if t != value]
    return f"{what}: expected {value!r}, found {wrong!r}" if wrong else None


def _attr(root: etree._Element, xpath: str, attr: str) -> list[str | None]:
    return [e.get(attr) for e in elements(root, xpath)]


@evidence("set_audience")
def _audience(root: etree._Element, sent: Sent, value: str) -> str | None:
    return _expect_all(root, ".//saml2:Audience", value, "Audience")


@evidence("set_destination")
def _destination(root: etree._Element, sent: Sent, value: str) -> str | None:
    got = root.get("Destination")
    return None if got == value else f"Destination: expected {value!r}, found {got!r}"


@evidence("remove_destination")
def _no_destination(root: etree._Element, sent: Sent) -> str | None:
    return None if root.get("Destination") is None else "Destination is still present"


@evidence("set_recipient")
def _recipient(root: etree._Element, sent: Sent, value: str) -> str | None:
    found = _attr(root, ".//saml2:SubjectConfirmationData", "Recipient")
    return None if found and all(v == value for v in found) else f"Recipient: expected {value!r}, found {found!r}"


def _target_paths(target: str) -> list[str]:
    return {"response": ["."], "assertion": ["saml2:Assertion"], "both": [".", "saml2:Assertion"]}[target]


@evidence("set_issuer")
def _issuer(root: etree._Element, sent: Sent, value: str, target: str = "both") -> str | None:
    for path in _target_paths(target):
        problem = _expect_all(root, f"{path}/saml2:Issuer", value, f"Issuer of {path}")
        if problem:
            return problem
    return None


@evidence("remove_issuer")
def _no_issuer(root: etree._Element, sent: Sent, target: str = "both") -> str | None:
    left = [p for p in _target_paths(target) if elements(root, f"{p}/saml2:Issuer")]
    return f"Issuer still present on {left}" if left else None


def _attribute_names(root: etree._Element) -> list[str]:
    return [str(a.get("Name")) for a in root.iterfind(".//saml2:Attribute", NS)]


@evidence("remove_attribute")
def _no_attribute(root: etree._Element, sent: Sent, name: str) -> str | None:
    return f"attribute {name!r} is still sent" if name in _attribute_names(root) else None


@evidence("rename_attribute")
def _renamed(root: etree._Element, sent: Sent, name: str, to: str) -> str | None:
    names = _attribute_names(root)
    return None if to in names and name not in names else f"expected {to!r} instead of {name!r}, names are {names}"


@evidence("set_attribute_value")
def _attribute_value(root: etree._Element, sent: Sent, name: str, value: str | list[str]) -> str | None:
    expected = [value] if isinstance(value, str) else value
    for attribute in root.iterfind(".//saml2:Attribute", NS):
        if attribute.get("Name") == name:
            got = [text_of(v) for v in attribute.iterfind(q(SAML, "AttributeValue"))]
            return None if got == expected else f"attribute {name!r}: expected {expected!r}, found {got!r}"
    return f"attribute {name!r} is not sent"


@evidence("add_attribute")
def _added(root: etree._Element, sent: Sent, name: str, value: Any, name_format: str = "") -> str | None:
    return None if name in _attribute_names(root) else f"attribute {name!r} is not sent"


@evidence("set_nameid")
def _nameid(root: etree._Element, sent: Sent, value: str, format: str | None = None) -> str | None:
    problem = _expect_all(root, ".//saml2:Subject/saml2:NameID", value, "NameID")
    if problem or format is None:
        return problem
    formats = _attr(root, ".//saml2:Subject/saml2:NameID", "Format")
    return None if formats == [format] else f"NameID Format: expected {format!r}, found {formats!r}"


@evidence("set_in_response_to")
def _in_response_to(root: etree._Element, sent: Sent, value: str, target: str = "both") -> str | None:
    found = []
    if target in ("response", "both"):
        found.append(root.get("InResponseTo"))
    if target in ("assertion", "both"):
        found += _attr(root, ".//saml2:SubjectConfirmationData", "InResponseTo")
    return None if found and all(v == value for v in found) else f"InResponseTo: expected {value!r}, found {found}"


@evidence("remove_element")
def _removed(root: etree._Element, sent: Sent, xpath: str) -> str | None:
    return f"{xpath} is still present" if elements(root, xpath) else None


_TIME_PATHS = {
    "response": ".",
    "assertion": "saml2:Assertion",
    "conditions": ".//saml2:Conditions",
    "subject_confirmation": ".//saml2:SubjectConfirmationData",
    "authn_statement": ".//saml2:AuthnStatement",
}


@evidence("set_time")
def _time(root: etree._Element, sent: Sent, target: str, attr: str, offset_seconds: float) -> str | None:
    values = _attr(root, _TIME_PATHS[target], attr)
    expected = sent.now + timedelta(seconds=offset_seconds)
    if not values or any(v is None or abs(parse_time(v) - expected) > TIME_TOLERANCE for v in values):
        return f"{target}@{attr}: expected about {expected.isoformat()}, found {values}"
    return None


@evidence("tamper_text_after_sign")
def _tampered(root: etree._Element, sent: Sent, xpath: str, value: str) -> str | None:
    return _expect_all(root, xpath, value, "tampered text")


@evidence("strip_signature")
def _stripped(root: etree._Element, sent: Sent, target: str) -> str | None:
    left = [p for p in _target_paths(target) if elements(root, f"{p}/ds:Signature")]
    return f"signature still present on {left}" if left else None
