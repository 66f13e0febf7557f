"""Check who the assertion names: the attributes JustCall needs (exact names) and the NameID the article asks for."""

from __future__ import annotations

import re
from typing import Final

from lxml import etree

from saml_harness.diagnose.checks import text_of
from saml_harness.diagnose.model import ATTRIBUTES_MISSING, INVALID_RESPONSE, Finding, Severity
from saml_xmlns import NAMEID_EMAIL, NAMEID_UNSPECIFIED, SAML, q

REQUIRED: Final[dict[str, str]] = {"email": "user.email", "firstName": "user.firstName", "lastName": "user.lastName"}
"""Help article Step 2, attribute statements: Name -> Okta value (names are exact and case-sensitive)."""

_ALIASES: Final[dict[str, frozenset[str]]] = {
    "email": frozenset({"email", "mail", "emailaddress", "useremail", "emailid", "primaryemail", "upn"}),
    "firstName": frozenset({"firstname", "givenname", "first", "fname", "given", "forename"}),
    "lastName": frozenset({"lastname", "surname", "sn", "familyname", "last", "lname", "family"}),
}
"""Normalized names (lower case, letters and digits only) that people send instead of the exact one."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPEC_ARTICLE = "Help article Step 2 (attribute statements: email, firstName, lastName)"
_ATTRIBUTES_SCREEN = "In Okta: JustCall app > General > SAML Settings > Edit > Attribute Statements"


def _normalized(name: str) -> set[str]:
    """Return the forms of ``name`` to compare with aliases: whole and last URI/dotted segment."""
    last = re.split(r"[/:.#]", name)[-1]
    return {re.sub(r"[^a-z0-9]", "", name.lower()), re.sub(r"[^a-z0-9]", "", last.lower())}


def attributes(assertion: etree._Element) -> dict[str, list[str]]:
    """Return every attribute in the assertion: exact Name -> list of values (whole text, stripped)."""
    found: dict[str, list[str]] = {}
    for attribute in assertion.iterfind(f"{q(SAML, 'AttributeStatement')}/{q(SAML, 'Attribute')}"):
        name = attribute.get("Name") or ""
        found.setdefault(name, []).extend(text_of(v) or "" for v in attribute.findall(q(SAML, "AttributeValue")))
    return found


def near_misses(required: str, sent: list[str]) -> list[str]:
    """Return the sent attribute names that look like ``required`` but are not exactly it."""
    return [name for name in sent if name != required and _normalized(name) & _ALIASES[required]]


# Help article, Troubleshooting "Attributes missing": "Confirm attribute statement names exactly match: email,
# firstName, lastName." Each must be present with exactly one non-empty value; email must be an email address.
def check_attributes(assertion: etree._Element) -> list[Finding]:
    """Check email, firstName and lastName, naming near misses such as 'Email' or 'first_name'."""
    sent = attributes(assertion)
    findings = [_check_one(name, sent) for name in REQUIRED]
    return findings


def _check_one(name: str, sent: dict[str, list[str]]) -> Finding:
    check = f"attribute.{name}"
    values = sorted({v for v in sent.get(name, []) if v})
    if name in sent and not values:
        message = f"Attribute {name!r} is present but empty (the user's Okta profile has no {REQUIRED[name]})"
        fix = f"Fill the user's profile in Okta, or check the statement's value is {REQUIRED[name]}."
        return Finding("error", check, message, _SPEC_ARTICLE, ATTRIBUTES_MISSING, fix)
    if values:
        if len(values) > 1:
            shown = ", ".join(map(repr, values))
            message = f"Attribute {name!r} has {len(values)} different values ({shown}); JustCall needs one"
            fix = f"{_ATTRIBUTES_SCREEN}: keep one statement named {name!r} with value {REQUIRED[name]}."
            return Finding("error", check, message, _SPEC_ARTICLE, INVALID_RESPONSE, fix)
        if name == "email" and not _EMAIL.match(values[0]):
            message = f"Attribute 'email' is {values[0]!r}, which is not an email address"
            fix = f"{_ATTRIBUTES_SCREEN}: set the value of 'email' to user.email."
            return Finding("error", check, message, _SPEC_ARTICLE, INVALID_RESPONSE, fix)
        return Finding("ok", check, f"Attribute {name!r} = {values[0]!r}", _SPEC_ARTICLE)
    misses = near_misses(name, list(sent))
    if misses:
        message = (
            f"JustCall needs attribute {name!r}, but the response has {', '.join(map(repr, misses))} instead: "
            "attribute names must match exactly, letter case included"
        )
        fix = f"{_ATTRIBUTES_SCREEN}: rename {misses[0]!r} to {name!r} (value {REQUIRED[name]})."
    else:
        others = ", ".join(repr(n) for n in sent) or "none"
        message = f"JustCall needs attribute {name!r}; the response does not send it (attributes sent: {others})"
        fix = f"{_ATTRIBUTES_SCREEN}: add Name {name!r}, Name format Unspecified, Value {REQUIRED[name]}."
    return Finding("error", check, message, _SPEC_ARTICLE, ATTRIBUTES_MISSING, fix)


# Help article Step 2: Name ID format EmailAddress, Application username Okta username (email); SAML core 8.3
# NameID formats. JustCall identifies users by the email attribute; an emailAddress NameID must name the same
# mailbox (case-insensitive) or JustCall refuses the inconsistent response.
def check_name_id(assertion: etree._Element) -> list[Finding]:
    """Check the NameID format the article asks for and that NameID and email agree."""
    spec = "Help article Step 2 (Name ID format EmailAddress); SAML core 8.3"
    name_id = assertion.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    value = text_of(name_id)
    fix = (
        "In Okta: JustCall app > General > SAML Settings > Edit: Name ID format EmailAddress, "
        "Application username Okta username (email)."
    )
    if name_id is None or not value:
        message = "The Subject has no NameID" if name_id is None else "The NameID is empty"
        return [Finding("error", "nameid", message, spec, INVALID_RESPONSE, fix)]
    fmt = name_id.get("Format") or NAMEID_UNSPECIFIED
    short = fmt.rsplit(":", 1)[-1]
    if fmt == NAMEID_EMAIL:
        findings = [Finding("ok", "nameid.format", f"NameID {value!r}, format emailAddress", spec)]
    else:
        message = f"NameID {value!r} has format {short} ({fmt}); the article sets Name ID format EmailAddress"
        findings = [Finding("warning", "nameid.format", message, spec, None, fix)]
    return [*findings, _check_name_id_email(value, fmt, assertion, spec, fix)]


def _check_name_id_email(value: str, fmt: str, assertion: etree._Element, spec: str, fix: str) -> Finding:
    emails = sorted({v for v in attributes(assertion).get("email", []) if v})
    if len(emails) != 1:
        looks = "an email address" if _EMAIL.match(value) else "not an email address"
        severity: Severity = "info" if _EMAIL.match(value) else "warning"
        message = f"NameID {value!r} is {looks}; not compared with the email attribute (none usable)"
        return Finding(severity, "nameid.email", message, spec, None, "" if severity == "info" else fix)
    email = emails[0]
    if value.casefold() == email.casefold():
        return Finding("ok", "nameid.email", f"NameID and the email attribute agree ({email!r})", spec)
    message = f"NameID {value!r} differs from the email attribute {email!r}"
    if fmt == NAMEID_EMAIL:
        return Finding(
            "error",
            "nameid.email",
            f"{message}: JustCall refuses the inconsistent identity",
            spec,
            INVALID_RESPONSE,
            fix,
        )
    return Finding("warning", "nameid.email", f"{message} (JustCall uses the email attribute)", spec, None, fix)
