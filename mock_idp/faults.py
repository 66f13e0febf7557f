"""Describe per-login faults (FaultPlan) and apply named mutation ops to a Response tree at a stage.

``pre_sign`` ops change the unsigned tree, so the signature stays valid and only the rule under test
fails at the SP; ``post_sign`` ops change the signed tree and may break the signature. Ops are small
functions registered in one table, ``OPS``, so a catalogue lint can check scenario op names.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal

from lxml import etree

from mock_idp.assertion import attribute_value_xml, saml_time
from mock_idp.keys import Credential
from mock_idp.model import SamlApp, User
from saml_xmlns import (
    ATTRNAME_UNSPECIFIED,
    NS,
    SAML,
    STATUS_REQUESTER,
    STATUS_RESPONDER,
    STATUS_SUCCESS,
    q,
)

Stage = Literal["pre_sign", "post_sign"]
STAGES: tuple[Stage, ...] = ("pre_sign", "post_sign")

SIGNING_OVERRIDES = frozenset(
    {
        "response_signed",
        "assertion_signed",
        "algorithm",
        "digest",
        "key",
        "encrypt",
        "encryption_algorithm",
        "key_transport",
        "encryption_key",
        "encrypted_extra_assertion",
    }
)
"""Keys allowed in ``FaultPlan.signing``: the signature settings and the Assertion Encryption ones."""

SIGNING_KEYS = ("active", "other", "expired", "not_yet_valid")
"""Named values of ``signing["key"]``; any other value is taken as a kid of the app's keys."""

STATUS_PREFIX = "urn:oasis:names:tc:SAML:2.0:status:"
_TOP_LEVEL_STATUS = {STATUS_SUCCESS, STATUS_REQUESTER, STATUS_RESPONDER, STATUS_PREFIX + "VersionMismatch"}


@dataclass(frozen=True)
class OpContext:
    """What an op may need to know about the login it mutates."""

    app: SamlApp
    user: User
    sp_entity_id: str
    acs_url: str
    idp_issuer: str
    request_id: str | None
    now: datetime
    credential: Credential | None = None
    """The IdP key that signed this response: attack ops re-sign with it so only the rule under test fails."""

    def placeholders(self) -> dict[str, str]:
        """Return the values for ``{sp_entity_id}``, ``{acs_url}``, ``{idp_issuer}``, ``{email}``."""
        return {
            "sp_entity_id": self.sp_entity_id,
            "acs_url": self.acs_url,
            "idp_issuer": self.idp_issuer,
            "email": self.user.email,
        }

    def fmt(self, value: str) -> str:
        """Fill placeholders in an op's string argument; an unknown placeholder is a clear error."""
        try:
            return value.format_map(self.placeholders())
        except (KeyError, IndexError, ValueError) as exc:
            known = ", ".join("{" + k + "}" for k in self.placeholders())
            raise ValueError(f"bad placeholder in {value!r} ({exc}); known placeholders: {known}") from exc


OpFunc = Callable[..., None]
"""``op(root, ctx, **args)``: mutate ``root`` (the ``saml2p:Response``) in place."""


OPS: dict[str, OpFunc] = {}
"""The single registry of mutation ops: name -> ``op(root, ctx, **args)``."""

OP_STAGES: dict[str, tuple[Stage, ...]] = {}
"""The stages at which each op makes sense (most: both; signature tampering: post_sign only)."""


def op(name: str, stages: tuple[Stage, ...] = STAGES) -> Callable[[OpFunc], OpFunc]:
    """Register ``func`` in ``OPS`` under ``name``."""

    def register(func: OpFunc) -> OpFunc:
        if name in OPS:
            raise ValueError(f"op {name!r} registered twice")
        OPS[name] = func
        OP_STAGES[name] = stages
        return func

    return register


def get_op(name: str) -> OpFunc:
    """Return the registered op, or raise ``KeyError`` naming the known ops."""
    try:
        return OPS[name]
    except KeyError:
        raise KeyError(f"unknown fault op {name!r}; known ops: {', '.join(sorted(OPS))}") from None


@dataclass(frozen=True)
class Op:
    """One mutation step: a registered op name and its keyword arguments."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", MappingProxyType(dict(self.args)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Op:
        """Build from scenario data: ``{"op": "set_audience", "value": "..."}``."""
        if "op" not in data:
            raise ValueError(f"a fault step needs an 'op' key: {dict(data)!r}")
        return cls(name=str(data["op"]), args={k: v for k, v in data.items() if k != "op"})

    def check(self, stage: Stage) -> None:
        """Raise if the op is unknown, misplaced, or called with arguments it does not take."""
        func = get_op(self.name)
        if stage not in OP_STAGES[self.name]:
            raise ValueError(f"op {self.name!r} only runs at {' or '.join(OP_STAGES[self.name])}, not {stage}")
        try:
            inspect.signature(func).bind(None, None, **self.args)
        except TypeError as exc:
            raise TypeError(f"op {self.name!r}: {exc}") from None


def _ops(items: Iterable[Op | Mapping[str, Any]]) -> tuple[Op, ...]:
    return tuple(item if isinstance(item, Op) else Op.from_mapping(item) for item in items)


@dataclass(frozen=True)
class FaultPlan:
    """How one login's Response deviates from Okta's normal output (the default plan changes nothing)."""

    pre_sign: tuple[Op, ...] = ()
    """Ops applied to the unsigned tree (the signature stays valid)."""
    post_sign: tuple[Op, ...] = ()
    """Ops applied to the signed tree (may break the signature)."""
    signing: Mapping[str, Any] = field(default_factory=dict)
    """Overrides of the app's signing settings: response_signed, assertion_signed, algorithm
    (RSA_SHA256|RSA_SHA1), digest (SHA256|SHA1; follows algorithm when omitted), key (active|other|expired|
    not_yet_valid|<kid of one of the app's keys>); and of its Assertion Encryption: encrypt (bool),
    encryption_algorithm (AES256_CBC|AES128_CBC|AES256_GCM|AES128_GCM, or TRIPLEDES_CBC to test an SP),
    key_transport (RSA_OAEP|RSA_15), encryption_key ("other": to a certificate nobody configured),
    encrypted_extra_assertion (bool: an unsigned second assertion in the same EncryptedData)."""
    clock_offset_seconds: float = 0.0
    """The IdP clock runs this far ahead (positive) or behind (negative) of the org clock."""
    status: str | None = None
    """A non-success status (``Responder``, ``AuthnFailed``, … or a full URI): error Response, no Assertion."""
    status_message: str | None = None
    """Optional ``StatusMessage`` for the error Response."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "pre_sign", _ops(self.pre_sign))
        object.__setattr__(self, "post_sign", _ops(self.post_sign))
        object.__setattr__(self, "signing", MappingProxyType(dict(self.signing)))
        unknown = set(self.signing) - SIGNING_OVERRIDES
        if unknown:
            raise ValueError(f"unknown signing overrides {sorted(unknown)}; allowed: {sorted(SIGNING_OVERRIDES)}")
        for stage in STAGES:
            for step in getattr(self, stage):
                step.check(stage)
        if self.status is not None:
            status_codes(self.status)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FaultPlan:
        """Build from scenario data (TOML/JSON): ``pre_sign``/``post_sign`` lists of ``{op = ..., ...}``."""
        return cls(
            pre_sign=_ops(data.get("pre_sign", ())),
            post_sign=_ops(data.get("post_sign", ())),
            signing=data.get("signing", {}),
            clock_offset_seconds=float(data.get("clock_offset_seconds", 0.0)),
            status=data.get("status"),
            status_message=data.get("status_message"),
        )

    def ops(self, stage: Stage) -> tuple[Op, ...]:
        """Return the ops of one stage."""
        return self.pre_sign if stage == "pre_sign" else self.post_sign


DEFAULT_PLAN = FaultPlan()


def status_codes(status: str) -> tuple[str, str | None]:
    """Map ``Responder``/``AuthnFailed``/a URI to (top-level code, second-level code or None).

    SAMLCore 3.2.2.2: only Success, Requester, Responder and VersionMismatch are top-level codes; the
    others (AuthnFailed, NoPassive, RequestDenied, ...) go below a top-level Responder.
    """
    uri = status if status.startswith("urn:") else STATUS_PREFIX + status
    if not uri.startswith(STATUS_PREFIX) or len(uri) == len(STATUS_PREFIX):
        raise ValueError(f"unknown SAML status {status!r}")
    if uri in _TOP_LEVEL_STATUS:
        return uri, None
    return STATUS_RESPONDER, uri


def apply_ops(root: etree._Element, ops: Iterable[Op], ctx: OpContext, stage: Stage) -> None:
    """Apply ``ops`` in order to ``root`` for ``stage``, after checking each."""
    for step in ops:
        step.check(stage)
        OPS[step.name](root, ctx, **step.args)


# ---------------------------------------------------------------------------------------------- helpers


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


# The attack corpus (XSW, key and algorithm confusion, markup injection) registers its post_sign ops in OPS too;
# imported last because it builds on the helpers above.
from mock_idp import attacks as _attacks  # noqa: E402, F401
