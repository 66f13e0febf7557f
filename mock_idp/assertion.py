"""Build an unsigned SAML Response shaped exactly like Okta's (pure: values in, lxml tree out).

Shape reference: real Okta responses: ``saml2p:``/``saml2:`` prefixes, Okta's
redundant ``xmlns:saml2`` re-declarations, ``xmlns:xs`` on Response and Assertion when attributes are
present, every AttributeValue declaring ``xs``/``xsi`` with ``xsi:type="xs:string"``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from lxml import etree

from saml_xmlns import (
    AC_PASSWORD_PROTECTED_TRANSPORT,
    CM_BEARER,
    NAMEID_ENTITY,
    SAML,
    SAMLP,
    STATUS_SUCCESS,
    XS,
    XSI,
)

# Every real Okta sample: Conditions NotBefore = IssueInstant - 5 min, NotOnOrAfter = IssueInstant + 5 min,
# SubjectConfirmationData NotOnOrAfter = IssueInstant + 5 min (as Okta does).
VALIDITY_WINDOW = timedelta(minutes=5)

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'


def saml_time(moment: datetime) -> str:
    """Format an instant as Okta does: UTC, milliseconds, ``Z`` (``2016-07-25T23:20:14.859Z``)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # f-string fields instead of strftime: several per response, and cheaper (README "Performance").
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def truncate_ms(moment: datetime) -> datetime:
    """Drop sub-millisecond precision so derived windows match the serialized instants exactly."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Attribute:
    """One ``saml2:Attribute`` with its string values."""

    name: str
    name_format: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class StatusCode:
    """A non-success status: top-level code URI, optional second-level code URI and message."""

    top: str
    second: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class ResponseParams:
    """Everything the builder writes; the pipeline derives it from the app, user and request."""

    response_id: str
    assertion_id: str
    issue_instant: datetime
    issuer: str
    destination: str
    recipient: str
    audience: str
    name_id: str
    name_id_format: str
    auth_instant: datetime
    session_index: str
    attributes: tuple[Attribute, ...] = ()
    in_response_to: str | None = None
    authn_context_class_ref: str = AC_PASSWORD_PROTECTED_TRANSPORT
    status: StatusCode | None = None


_ATTR_SPECIAL = re.compile(r'[&<>"\n\r\t]')
_TEXT_SPECIAL = re.compile(r"[&<>]")


def _attr(value: str) -> str:
    # Most values need no escaping: test first (the builder runs for every response).
    if _ATTR_SPECIAL.search(value) is None:
        return value
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _text(value: str) -> str:
    return value if _TEXT_SPECIAL.search(value) is None else escape(value)


def _xml(tag: str, attrs: Sequence[tuple[str, str]] = (), content: str = "", *, text: str | None = None) -> str:
    """Render one element; ``attrs`` (including ``xmlns:`` declarations) are written in the given order."""
    attr_text = "".join([f' {name}="{_attr(value)}"' for name, value in attrs])
    inner = _text(text) if text is not None else content
    return f"<{tag}{attr_text}>{inner}</{tag}>" if inner else f"<{tag}{attr_text}/>"


# Okta's serializer re-declares xmlns:saml2 on Issuer, Subject, Conditions, AuthnStatement and
# AttributeStatement, and xmlns:saml2p on Status (as Okta does). lxml drops redundant
# declarations when elements are appended, but keeps them when parsing, so the builder writes text.
_SAML2 = ("xmlns:saml2", SAML)
_SAML2P = ("xmlns:saml2p", SAMLP)
_XS = ("xmlns:xs", XS)


def _issuer(value: str) -> str:
    return _xml("saml2:Issuer", [_SAML2, ("Format", NAMEID_ENTITY)], text=value)


def _status(status: StatusCode | None) -> str:
    second = _xml("saml2p:StatusCode", [("Value", status.second)]) if status and status.second else ""
    code = _xml("saml2p:StatusCode", [("Value", status.top if status else STATUS_SUCCESS)], second)
    message = _xml("saml2p:StatusMessage", text=status.message) if status and status.message else ""
    return _xml("saml2p:Status", [_SAML2P], code + message)


def _subject(p: ResponseParams) -> str:
    name_id = _xml("saml2:NameID", [("Format", p.name_id_format)], text=p.name_id)
    data_attrs = []
    # InResponseTo only for SP-initiated logins; IdP-initiated responses are unsolicited (as Okta does).
    if p.in_response_to is not None:
        data_attrs.append(("InResponseTo", p.in_response_to))
    data_attrs += [("NotOnOrAfter", saml_time(p.issue_instant + VALIDITY_WINDOW)), ("Recipient", p.recipient)]
    data = _xml("saml2:SubjectConfirmationData", data_attrs)
    confirmation = _xml("saml2:SubjectConfirmation", [("Method", CM_BEARER)], data)
    return _xml("saml2:Subject", [_SAML2], name_id + confirmation)


def _conditions(p: ResponseParams) -> str:
    audience = _xml("saml2:AudienceRestriction", content=_xml("saml2:Audience", text=p.audience))
    window = [
        ("NotBefore", saml_time(p.issue_instant - VALIDITY_WINDOW)),
        ("NotOnOrAfter", saml_time(p.issue_instant + VALIDITY_WINDOW)),
    ]
    return _xml("saml2:Conditions", [*window, _SAML2], audience)


def _authn_statement(p: ResponseParams) -> str:
    class_ref = _xml("saml2:AuthnContextClassRef", text=p.authn_context_class_ref)
    attrs = [("AuthnInstant", saml_time(p.auth_instant)), ("SessionIndex", p.session_index), _SAML2]
    return _xml("saml2:AuthnStatement", attrs, _xml("saml2:AuthnContext", content=class_ref))


def attribute_value_xml(value: str) -> str:
    """Render an AttributeValue that declares xs and xsi itself with ``xsi:type="xs:string"``, as Okta does."""
    attrs = [_XS, ("xmlns:xsi", XSI), ("xsi:type", "xs:string")]
    return _xml("saml2:AttributeValue", attrs, text=value)


def _attribute_statement(attributes: tuple[Attribute, ...]) -> str:
    rows = "".join(
        _xml(
            "saml2:Attribute",
            [("Name", a.name), ("NameFormat", a.name_format)],
            "".join(attribute_value_xml(v) for v in a.values),
        )
        for a in attributes
    )
    return _xml("saml2:AttributeStatement", [_SAML2], rows)


def _assertion(p: ResponseParams) -> str:
    attrs = [_SAML2, ("ID", p.assertion_id), ("IssueInstant", saml_time(p.issue_instant)), ("Version", "2.0")]
    if p.attributes:
        attrs.append(_XS)
    body = _issuer(p.issuer) + _subject(p) + _conditions(p) + _authn_statement(p)
    if p.attributes:
        body += _attribute_statement(p.attributes)
    return _xml("saml2:Assertion", attrs, body)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False)


# -- fast path for the everyday case: one template, same text as the builders above ------------------


def _plain(*values: str) -> bool:
    """Whether every value is non-empty and needs no escaping (so the template equals the generic builder)."""
    return all(values) and _ATTR_SPECIAL.search("".join(values)) is None


def _success_response_text(p: ResponseParams) -> str | None:
    """Return the Response text for a success status with plain values, or None (then use the generic builder)."""
    values = [p.response_id, p.assertion_id, p.issuer, p.destination, p.recipient, p.audience, p.name_id]
    values += [p.name_id_format, p.session_index, p.authn_context_class_ref]
    for a in p.attributes:
        values += [a.name, a.name_format, *a.values]
        if not a.values:
            return None
    if p.in_response_to is not None:
        values.append(p.in_response_to)
    if p.status is not None or not _plain(*values):
        return None
    issued = saml_time(p.issue_instant)
    not_before = saml_time(p.issue_instant - VALIDITY_WINDOW)
    not_after = saml_time(p.issue_instant + VALIDITY_WINDOW)
    xs = f' xmlns:xs="{XS}"' if p.attributes else ""
    in_response_to = f' InResponseTo="{p.in_response_to}"' if p.in_response_to is not None else ""
    issuer = f'<saml2:Issuer xmlns:saml2="{SAML}" Format="{NAMEID_ENTITY}">{p.issuer}</saml2:Issuer>'
    value_attrs = f' xmlns:xs="{XS}" xmlns:xsi="{XSI}" xsi:type="xs:string"'
    statement = ""
    if p.attributes:
        rows = "".join(
            [
                f'<saml2:Attribute Name="{a.name}" NameFormat="{a.name_format}">'
                + "".join([f"<saml2:AttributeValue{value_attrs}>{v}</saml2:AttributeValue>" for v in a.values])
                + "</saml2:Attribute>"
                for a in p.attributes
            ]
        )
        statement = f'<saml2:AttributeStatement xmlns:saml2="{SAML}">{rows}</saml2:AttributeStatement>'
    return (
        f'<saml2p:Response xmlns:saml2p="{SAMLP}" Destination="{p.destination}" ID="{p.response_id}"'
        f'{in_response_to} IssueInstant="{issued}" Version="2.0"{xs}>{issuer}'
        f'<saml2p:Status xmlns:saml2p="{SAMLP}"><saml2p:StatusCode Value="{STATUS_SUCCESS}"/></saml2p:Status>'
        f'<saml2:Assertion xmlns:saml2="{SAML}" ID="{p.assertion_id}" IssueInstant="{issued}" Version="2.0"{xs}>'
        f"{issuer}"
        f'<saml2:Subject xmlns:saml2="{SAML}"><saml2:NameID Format="{p.name_id_format}">{p.name_id}</saml2:NameID>'
        f'<saml2:SubjectConfirmation Method="{CM_BEARER}"><saml2:SubjectConfirmationData{in_response_to}'
        f' NotOnOrAfter="{not_after}" Recipient="{p.recipient}"/></saml2:SubjectConfirmation></saml2:Subject>'
        f'<saml2:Conditions NotBefore="{not_before}" NotOnOrAfter="{not_after}" xmlns:saml2="{SAML}">'
        f"<saml2:AudienceRestriction><saml2:Audience>{p.audience}</saml2:Audience></saml2:AudienceRestriction>"
        f"</saml2:Conditions>"
        f'<saml2:AuthnStatement AuthnInstant="{saml_time(p.auth_instant)}" SessionIndex="{p.session_index}"'
        f' xmlns:saml2="{SAML}"><saml2:AuthnContext><saml2:AuthnContextClassRef>{p.authn_context_class_ref}'
        f"</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>"
        f"{statement}</saml2:Assertion></saml2p:Response>"
    )


def response_text(p: ResponseParams) -> str:
    """Return the unsigned Response as text (the template for plain success values, else the generic builder)."""
    fast = _success_response_text(p)
    return fast if fast is not None else generic_response_text(p)


def generic_response_text(p: ResponseParams) -> str:
    """Return the Response text from the generic builders only (the reference the template is tested against)."""
    with_assertion = p.status is None
    attrs = [_SAML2P, ("Destination", p.destination), ("ID", p.response_id)]
    if p.in_response_to is not None:
        attrs.append(("InResponseTo", p.in_response_to))
    attrs += [("IssueInstant", saml_time(p.issue_instant)), ("Version", "2.0")]
    if with_assertion and p.attributes:
        attrs.append(_XS)
    body = _issuer(p.issuer) + _status(p.status) + (_assertion(p) if with_assertion else "")
    return _xml("saml2p:Response", attrs, body)


def build_assertion(p: ResponseParams) -> etree._Element:
    """Build the ``saml2:Assertion`` (Issuer, Subject, Conditions, AuthnStatement, AttributeStatement)."""
    return etree.fromstring(_assertion(p).encode("utf-8"), _parser())


def build_response(p: ResponseParams) -> etree._Element:
    """Build the unsigned ``saml2p:Response``; with a non-success ``status`` it carries no Assertion."""
    return etree.fromstring(response_text(p).encode("utf-8"), _parser())


def serialize(root: etree._Element, encoding: str = "UTF-8") -> bytes:
    """Serialize as Okta does: double-quoted XML declaration, then the tree with no added whitespace.

    ``UTF-16`` (scenarios only; Okta always sends UTF-8) writes the same document in UTF-16 with a byte order mark:
    XML allows it and signatures are over canonical UTF-8, so they still verify.
    """
    if encoding == "UTF-16":
        text = etree.tostring(root, encoding="unicode")
        return ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16")
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)
