"""The field ops: change one element, attribute or text of the Response (the catalogue's plain faults).

``pre_sign`` they leave the signature valid, so only the rule under test fails at the SP; the two
``post_sign``-only ones (``tamper_text_after_sign``, ``strip_signature``) break or remove it.
"""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

from mock_idp.assertion import attribute_value_xml, saml_time
from mock_idp.op_registry import OpContext, op
from saml_xmlns import ATTRNAME_UNSPECIFIED, NS, SAML, q


def _find_all(root: etree._Element, xpath: str, what: str) -> list[etree._Element]:
    try:
        found = root.xpath(xpath, namespaces=NS)
    except etree.XPathError as exc:
        raise ValueError(f"{what}: bad XPath {xpath!r} ({exc})") from exc
    elements = [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []
    if not elements:
        raise ValueError(f"{what}: nothing matches {xpath!r} in the response")
    return elements


def _targets(root: etree._Element, target: str, what: str) -> list[etree._Element]:
    """Resolve "response" | "assertion" | "both" to elements."""
    paths = {"response": ["."], "assertion": ["saml2:Assertion"], "both": [".", "saml2:Assertion"]}
    if target not in paths:
        raise ValueError(f"{what}: target must be one of {sorted(paths)}, got {target!r}")
    return [e for path in paths[target] for e in _find_all(root, path, what)]


def _attributes(root: etree._Element, name: str, what: str) -> list[etree._Element]:
    found = [a for a in root.iterfind(".//saml2:Attribute", NS) if a.get("Name") == name]
    if not found:
        raise ValueError(f"{what}: no saml2:Attribute named {name!r} in the response")
    return found


def _set_values(attribute: etree._Element, values: list[str]) -> None:
    for old in attribute.findall(q(SAML, "AttributeValue")):
        attribute.remove(old)
    for value in values:
        attribute.append(etree.fromstring(_value_xml(value)))


def _value_xml(value: str) -> bytes:
    # Declare the saml2 prefix so the fragment parses on its own.
    text = attribute_value_xml(value).replace(" ", f' xmlns:saml2="{SAML}" ', 1)
    return text.encode("utf-8")


# ---------------------------------------------------------------------------------------------- ops


@op("set_audience")
def set_audience(root: etree._Element, ctx: OpContext, value: str) -> None:
    """Set the text of every saml2:Audience."""
    for audience in _find_all(root, ".//saml2:Audience", "set_audience"):
        audience.text = ctx.fmt(value)


@op("set_destination")
def set_destination(root: etree._Element, ctx: OpContext, value: str) -> None:
    """Set the Response's Destination attribute."""
    root.set("Destination", ctx.fmt(value))


@op("remove_destination")
def remove_destination(root: etree._Element, ctx: OpContext) -> None:
    """Remove the Response's Destination attribute."""
    if "Destination" in root.attrib:
        del root.attrib["Destination"]


@op("set_recipient")
def set_recipient(root: etree._Element, ctx: OpContext, value: str) -> None:
    """Set Recipient on every SubjectConfirmationData."""
    for data in _find_all(root, ".//saml2:SubjectConfirmationData", "set_recipient"):
        data.set("Recipient", ctx.fmt(value))


@op("set_issuer")
def set_issuer(root: etree._Element, ctx: OpContext, value: str, target: str = "both") -> None:
    """Set the Issuer text of the Response, the Assertion, or both."""
    for element in _targets(root, target, "set_issuer"):
        for issuer in _find_all(element, "saml2:Issuer", "set_issuer"):
            issuer.text = ctx.fmt(value)


@op("remove_issuer")
def remove_issuer(root: etree._Element, ctx: OpContext, target: str = "both") -> None:
    """Remove the Issuer of the Response, the Assertion, or both."""
    for element in _targets(root, target, "remove_issuer"):
        for issuer in _find_all(element, "saml2:Issuer", "remove_issuer"):
            element.remove(issuer)


@op("remove_attribute")
def remove_attribute(root: etree._Element, ctx: OpContext, name: str) -> None:
    """Remove the saml2:Attribute(s) called ``name``."""
    for attribute in _attributes(root, name, "remove_attribute"):
        parent = attribute.getparent()
        if parent is not None:
            parent.remove(attribute)


@op("rename_attribute")
def rename_attribute(root: etree._Element, ctx: OpContext, name: str, to: str) -> None:
    """Rename the saml2:Attribute(s) called ``name`` to ``to`` (e.g. a wrong-case ``Email``)."""
    for attribute in _attributes(root, name, "rename_attribute"):
        attribute.set("Name", ctx.fmt(to))


@op("set_attribute_value")
def set_attribute_value(root: etree._Element, ctx: OpContext, name: str, value: str | list[str]) -> None:
    """Replace the values of attribute ``name``: one string, or a list for several AttributeValues."""
    values = [value] if isinstance(value, str) else list(value)
    for attribute in _attributes(root, name, "set_attribute_value"):
        _set_values(attribute, [ctx.fmt(v) for v in values])


@op("add_attribute")
def add_attribute(
    root: etree._Element, ctx: OpContext, name: str, value: str | list[str], name_format: str = ATTRNAME_UNSPECIFIED
) -> None:
    """Append an attribute to the AttributeStatement (creating the statement if there is none)."""
    assertion = _find_all(root, "saml2:Assertion", "add_attribute")[0]
    statement = assertion.find(q(SAML, "AttributeStatement"))
    if statement is None:
        statement = etree.SubElement(assertion, q(SAML, "AttributeStatement"))
    attribute = etree.SubElement(statement, q(SAML, "Attribute"), Name=ctx.fmt(name), NameFormat=name_format)
    _set_values(attribute, [ctx.fmt(v) for v in ([value] if isinstance(value, str) else value)])


@op("set_nameid")
def set_nameid(root: etree._Element, ctx: OpContext, value: str, format: str | None = None) -> None:
    """Set the Subject's NameID value (and its Format when given)."""
    for name_id in _find_all(root, ".//saml2:Subject/saml2:NameID", "set_nameid"):
        name_id.text = ctx.fmt(value)
        if format is not None:
            name_id.set("Format", format)


@op("set_in_response_to")
def set_in_response_to(root: etree._Element, ctx: OpContext, value: str, target: str = "both") -> None:
    """Set InResponseTo on the Response and/or SubjectConfirmationData (``target``: response|assertion|both)."""
    if target not in ("response", "assertion", "both"):
        raise ValueError(f"set_in_response_to: target must be response, assertion or both, got {target!r}")
    if target in ("response", "both"):
        root.set("InResponseTo", ctx.fmt(value))
    if target in ("assertion", "both"):
        for data in _find_all(root, ".//saml2:SubjectConfirmationData", "set_in_response_to"):
            data.set("InResponseTo", ctx.fmt(value))


@op("remove_element")
def remove_element(root: etree._Element, ctx: OpContext, xpath: str) -> None:
    """Remove every element matching ``xpath`` (prefixes saml2p, saml2, ds; relative to the Response)."""
    for element in _find_all(root, xpath, "remove_element"):
        parent = element.getparent()
        if parent is None:
            raise ValueError("remove_element: cannot remove the Response itself")
        parent.remove(element)


_TIME_TARGETS = {
    "response": ".",
    "assertion": "saml2:Assertion",
    "conditions": ".//saml2:Conditions",
    "subject_confirmation": ".//saml2:SubjectConfirmationData",
    "authn_statement": ".//saml2:AuthnStatement",
}


@op("set_time")
def set_time(root: etree._Element, ctx: OpContext, target: str, attr: str, offset_seconds: float) -> None:
    """Set time attribute ``attr`` of ``target`` to now + ``offset_seconds`` (creates the attribute).

    Targets: response, assertion (IssueInstant), conditions (NotBefore, NotOnOrAfter),
    subject_confirmation (NotOnOrAfter, NotBefore), authn_statement (AuthnInstant, SessionNotOnOrAfter).
    """
    if target not in _TIME_TARGETS:
        raise ValueError(f"set_time: target must be one of {sorted(_TIME_TARGETS)}, got {target!r}")
    value = saml_time(ctx.now + timedelta(seconds=offset_seconds))
    for element in _find_all(root, _TIME_TARGETS[target], "set_time"):
        element.set(attr, value)


@op("set_attr")
def set_attr(root: etree._Element, ctx: OpContext, xpath: str, attr: str, value: str | None) -> None:
    """Set (or with ``value=None`` remove) XML attribute ``attr`` on every element matching ``xpath``."""
    for element in _find_all(root, xpath, "set_attr"):
        if value is None:
            if attr in element.attrib:
                del element.attrib[attr]
        else:
            element.set(attr, ctx.fmt(value))


@op("set_text")
def set_text(root: etree._Element, ctx: OpContext, xpath: str, value: str) -> None:
    """Set the text of every element matching ``xpath`` (before signing: the signature stays valid)."""
    for element in _find_all(root, xpath, "set_text"):
        element.text = ctx.fmt(value)


@op("tamper_text_after_sign", stages=("post_sign",))
def tamper_text_after_sign(root: etree._Element, ctx: OpContext, xpath: str, value: str) -> None:
    """Change the text of signed content, which must break its signature's digest."""
    for element in _find_all(root, xpath, "tamper_text_after_sign"):
        element.text = ctx.fmt(value)


@op("strip_signature", stages=("post_sign",))
def strip_signature(root: etree._Element, ctx: OpContext, target: str = "both") -> None:
    """Remove the ds:Signature of the Response, the Assertion, or both ("signature exclusion")."""
    for element in _targets(root, target, "strip_signature"):
        for signature in _find_all(element, "ds:Signature", "strip_signature"):
            element.remove(signature)
