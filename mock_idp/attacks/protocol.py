"""Ops for the checklist cases no other op reaches: zoned times, extra elements, a second signed assertion."""

from __future__ import annotations

import copy
from datetime import timedelta, timezone

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from mock_idp.attacks.common import first_assertion, make_evil
from mock_idp.attacks.dsig import SigningKey, direct_signature, remove, sign_enveloped, x509_key_info
from mock_idp.op_registry import OpContext, op
from saml_xmlns import NS

_TIME_TARGETS = {
    "response": ".",
    "assertion": "saml2:Assertion",
    "conditions": ".//saml2:Conditions",
    "subject_confirmation": ".//saml2:SubjectConfirmationData",
    "authn_statement": ".//saml2:AuthnStatement",
}


def _elements(root: etree._Element, xpath: str, what: str) -> list[etree._Element]:
    found = root.xpath(xpath, namespaces=NS)
    elements = [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []
    if not elements:
        raise ValueError(f"{what}: nothing matches {xpath!r}")
    return elements


def zoned_time(ctx: OpContext, offset_seconds: float, zone: str) -> str:
    """Return now + offset as xs:dateTime in ``zone`` ("+01:00", "-05:30", or "none" for no designator)."""
    moment = ctx.now + timedelta(seconds=offset_seconds)
    if zone == "none":
        return moment.strftime("%Y-%m-%dT%H:%M:%S")
    sign = 1 if zone[0] == "+" else -1
    hours, minutes = zone[1:].split(":")
    tz = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S") + zone


@op("set_time_zoned")
def set_time_zoned(
    root: etree._Element, ctx: OpContext, target: str, attr: str, offset_seconds: float, zone: str
) -> None:
    """Like ``set_time`` but written with a time-zone offset (SAML core 1.3.3 wants UTC with no zone)."""
    if target not in _TIME_TARGETS:
        raise ValueError(f"set_time_zoned: target must be one of {sorted(_TIME_TARGETS)}, got {target!r}")
    value = zoned_time(ctx, offset_seconds, zone)
    for element in _elements(root, _TIME_TARGETS[target], "set_time_zoned"):
        element.set(attr, value)


@op("add_element")
def add_element(root: etree._Element, ctx: OpContext, parent: str, xml: str) -> None:
    """Append the XML fragment ``xml`` (placeholders filled; saml2/saml2p/xsi prefixes declared) to ``parent``."""
    declarations = " ".join(f'xmlns:{p}="{NS[p]}"' for p in ("saml2", "saml2p", "xsi", "xs"))
    wrapper = etree.fromstring(f"<wrapper {declarations}>{ctx.fmt(xml)}</wrapper>".encode())
    for target in _elements(root, parent, "add_element"):
        for child in wrapper:
            target.append(copy.deepcopy(child))


@op("add_signed_assertion", stages=("post_sign",))
def add_signed_assertion(root: etree._Element, ctx: OpContext, evil: str | None = None) -> None:
    """Append a second assertion about someone else, genuinely signed by the IdP (profiles 4.1.4.2: same subject)."""
    if ctx.credential is None:
        raise ValueError("add_signed_assertion needs the IdP credential in the op context")
    original = first_assertion(root)
    second = copy.deepcopy(original)
    signature = direct_signature(second)
    if signature is not None:
        remove(signature)
    second.set("ID", f"{original.get('ID')}_second")
    make_evil(second, ctx, evil)
    original.addnext(second)
    credential = ctx.credential
    key_info = x509_key_info(credential.certificate.public_bytes(Encoding.DER))
    sign_enveloped(root, second, SigningKey(rsa_key=credential.private_key), key_info)
    response_signature = direct_signature(root)
    if response_signature is not None:
        remove(response_signature)
        sign_enveloped(root, root, SigningKey(rsa_key=credential.private_key), copy.deepcopy(key_info))


@op("remove_attr")
def remove_attr(root: etree._Element, ctx: OpContext, xpath: str, attr: str) -> None:
    """Remove XML attribute ``attr`` from every element matching ``xpath`` (TOML cannot say ``value = None``)."""
    for element in _elements(root, xpath, "remove_attr"):
        if attr in element.attrib:
            del element.attrib[attr]
