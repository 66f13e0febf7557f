"""Read who the user is: the required attributes, the NameID, and the rule that ties them together."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from justcall_sp.acs.reasons import Reject
from justcall_sp.acs.text import is_simple, whole_text
from saml_xmlns import NAMEID_EMAIL, SAML, q

REQUIRED_ATTRIBUTES = ("email", "firstName", "lastName")
GROUPS_ATTRIBUTE = "groups"
"""Attribute statement names from the help article, Step 2 (exact, case-sensitive)."""

_EMAIL = re.compile(
    r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


@dataclass(frozen=True)
class Identity:
    """The person the assertion is about, read from the signed assertion only."""

    email: str
    first_name: str
    last_name: str
    name_id: str
    name_id_format: str | None
    groups: tuple[str, ...] = ()
    """Values of the ``groups`` attribute (Okta's Group Attribute Statement), for the group-to-role mapping."""


def _identity_fields(assertion: etree._Element) -> list[etree._Element]:
    fields = assertion.findall(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    for attribute in assertion.iter(q(SAML, "Attribute")):
        if attribute.get("Name") in REQUIRED_ATTRIBUTES:
            fields.extend(attribute.findall(q(SAML, "AttributeValue")))
    return fields


# CVE-2017-11427 family (attack catalog 1.D): a comment, processing instruction or child element inside NameID or
# an identity AttributeValue makes naive readers see a truncated value. Such markup is refused, never guessed at.
# This looks at the posted assertion (the signed copy has comments excised by exclusive c14n); it only refuses,
# it never supplies a value. The signature checks already proved the posted and signed assertions are one.
def check_identity_markup(posted_assertion: etree._Element) -> None:
    for element in _identity_fields(posted_assertion):
        if not is_simple(element):
            raise Reject(
                "subject.malformed",
                f"{etree.QName(element).localname} contains comments or child elements; only plain text is accepted",
            )


# Help article, Step 2 ("Attributes missing: Confirm attribute statement names exactly match: email, firstName,
# lastName"): each must be present with a non-empty value; one distinct value each.
def read_required_attributes(assertion: etree._Element) -> dict[str, str]:
    values: dict[str, list[str]] = {name: [] for name in REQUIRED_ATTRIBUTES}
    for attribute in assertion.iter(q(SAML, "Attribute")):
        name = attribute.get("Name")
        if name in values:
            values[name].extend(whole_text(v) for v in attribute.findall(q(SAML, "AttributeValue")))
    present = {name: sorted({v for v in found if v}) for name, found in values.items()}
    missing = [name for name in REQUIRED_ATTRIBUTES if not present[name]]
    if missing:
        names = ", ".join(missing)
        raise Reject(
            "attributes.missing",
            f"required attributes missing or empty: {names}",
            user_detail=f"Attributes missing: {names}",
        )
    ambiguous = [name for name in REQUIRED_ATTRIBUTES if len(present[name]) > 1]
    if ambiguous:
        raise Reject("subject.malformed", f"attributes with more than one value: {', '.join(ambiguous)}")
    result = {name: present[name][0] for name in REQUIRED_ATTRIBUTES}
    if not _EMAIL.match(result["email"]) or len(result["email"]) > 320:
        raise Reject("subject.malformed", f"email attribute {result['email']!r} is not an email address")
    return result


# Profiles 4.1.4.2: the <Subject> identifies the principal; SAML core 2.2.3/8.3.2 NameID formats.
def read_name_id(assertion: etree._Element) -> tuple[str, str | None]:
    name_id = assertion.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    if name_id is None:
        raise Reject("subject.nameid_missing", "the Subject has no NameID")
    value = whole_text(name_id)
    if not value:
        raise Reject("subject.nameid_missing", "the NameID is empty")
    return value, name_id.get("Format")


# Policy (help article Step 2: Name ID format EmailAddress, Application username = Okta username (email)): the
# user is identified by the `email` attribute. A NameID in emailAddress format must name the same mailbox
# (case-insensitive); if it differs the IdP is inconsistent and the response is refused (subject.email_mismatch)
# rather than picking one of the two. Other NameID formats (unspecified, persistent, ...) are not compared.
def check_email_matches_name_id(identity: Identity) -> None:
    if identity.name_id_format == NAMEID_EMAIL and identity.name_id.casefold() != identity.email.casefold():
        raise Reject(
            "subject.email_mismatch",
            f"NameID {identity.name_id!r} (emailAddress) differs from the email attribute {identity.email!r}",
        )


# Okta sends a multi-valued attribute as one AttributeValue per value (okta-fidelity.md 1.3); empty values are
# dropped. Only plain-text values count: markup inside a group name is not guessed at.
def read_groups(assertion: etree._Element) -> tuple[str, ...]:
    groups: list[str] = []
    for attribute in assertion.iter(q(SAML, "Attribute")):
        if attribute.get("Name") == GROUPS_ATTRIBUTE:
            for value in attribute.findall(q(SAML, "AttributeValue")):
                if is_simple(value) and (text := whole_text(value)):
                    groups.append(text)
    return tuple(dict.fromkeys(groups))


def best_effort_email(assertion: etree._Element) -> str | None:  # pragma: no mutate block (log text only)
    """Return the email attribute (else the NameID) for the activity log only; never raises, never trusted."""
    for attribute in assertion.iter(q(SAML, "Attribute")):
        if attribute.get("Name") == "email":
            for value in attribute.findall(q(SAML, "AttributeValue")):
                text = "".join(str(t) for t in value.itertext()).strip()
                if text:
                    return text[:320]
    name_id = assertion.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    text = "" if name_id is None else "".join(str(t) for t in name_id.itertext()).strip()
    return text[:320] or None


def read_identity(assertion: etree._Element) -> Identity:
    """Return the identity in the signed assertion: attributes, then NameID, then the email policy.

    The user is identified by the ``email`` attribute; an emailAddress-format NameID must agree with it
    (``subject.email_mismatch``). Values are whole element texts, never a first text node.
    """
    attributes = read_required_attributes(assertion)
    name_id, name_id_format = read_name_id(assertion)
    identity = Identity(
        email=attributes["email"],
        first_name=attributes["firstName"],
        last_name=attributes["lastName"],
        name_id=name_id,
        name_id_format=name_id_format,
        groups=read_groups(assertion),
    )
    check_email_matches_name_id(identity)
    return identity
