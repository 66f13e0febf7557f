"""Check when and for whom the assertion is valid: Conditions window, AudienceRestriction, AuthnStatement, replay."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from justcall_sp.acs.policy import ALLOWED_CLOCK_SKEW
from justcall_sp.acs.reasons import Reject
from justcall_sp.acs.subject import Lookups
from justcall_sp.acs.text import whole_text
from justcall_sp.timeutil import parse_instant
from saml_xmlns import SAML, q

_KNOWN_CONDITIONS = {q(SAML, "AudienceRestriction"), q(SAML, "OneTimeUse"), q(SAML, "ProxyRestriction")}


# SAML core 2.5.1: at most one <Conditions>; NotBefore MUST be less than NotOnOrAfter (2.5.1.2); the assertion is
# valid only inside [NotBefore, NotOnOrAfter) (ALLOWED_CLOCK_SKEW either way); a condition the SP does not
# understand makes the assertion Indeterminate (2.5.1.1), and at most one OneTimeUse is allowed (2.5.1.5).
def check_conditions(assertion: etree._Element, now: datetime) -> None:
    found = assertion.findall(q(SAML, "Conditions"))
    if len(found) > 1:
        raise Reject("conditions.invalid", f"{len(found)} Conditions elements; at most one is allowed")
    if not found:
        return  # no time window; the missing AudienceRestriction is refused by check_audience
    conditions = found[0]
    not_before = _instant(conditions, "NotBefore")
    not_on_or_after = _instant(conditions, "NotOnOrAfter")
    if not_before is not None and now + ALLOWED_CLOCK_SKEW < not_before:
        raise Reject(
            "conditions.not_yet_valid",
            f"Conditions NotBefore {conditions.get('NotBefore')} is in the future (now {now.isoformat()})",
        )
    if not_on_or_after is not None and now - ALLOWED_CLOCK_SKEW >= not_on_or_after:
        raise Reject(
            "conditions.expired",
            f"Conditions NotOnOrAfter {conditions.get('NotOnOrAfter')} has passed (now {now.isoformat()})",
        )
    # Checked after the window so that a window moved into the past or future is named as such.
    if not_before is not None and not_on_or_after is not None and not_before >= not_on_or_after:
        raise Reject("conditions.invalid", "Conditions NotBefore is not before NotOnOrAfter")
    unknown = [
        etree.QName(c).localname for c in conditions if isinstance(c.tag, str) and c.tag not in _KNOWN_CONDITIONS
    ]
    if unknown:
        raise Reject("conditions.invalid", f"unsupported conditions: {', '.join(unknown)}")
    if len(conditions.findall(q(SAML, "OneTimeUse"))) > 1:
        raise Reject("conditions.invalid", "more than one OneTimeUse condition")


def _instant(conditions: etree._Element, name: str) -> datetime | None:
    raw = conditions.get(name)
    if raw is None:
        return None
    parsed = parse_instant(raw)
    if parsed is None:
        raise Reject("conditions.invalid", f"Conditions {name} {raw!r} is not an xs:dateTime")
    return parsed


# Profiles 4.1.4.2: each bearer assertion MUST contain an <AudienceRestriction> including the SP's entity ID; core
# 2.5.1.4: every AudienceRestriction present must be satisfied. Compared exactly: a trailing slash is a different
# entity ID (help article, Troubleshooting: "Check for trailing slashes").
def check_audience(assertion: etree._Element, entity_id: str) -> None:
    restrictions = assertion.findall(f"{q(SAML, 'Conditions')}/{q(SAML, 'AudienceRestriction')}")
    if not restrictions:
        raise Reject("audience.mismatch", "the Assertion has no AudienceRestriction")
    for restriction in restrictions:
        audiences = [whole_text(a, "audience.mismatch") for a in restriction.findall(q(SAML, "Audience"))]
        if entity_id not in audiences:
            raise Reject("audience.mismatch", f"Audience {audiences!r} does not include this Entity ID {entity_id!r}")


# Profiles 4.1.4.2: assertions MUST contain at least one <AuthnStatement>.
def check_authn_statement(assertion: etree._Element) -> None:
    if assertion.find(q(SAML, "AuthnStatement")) is None:
        raise Reject("authn_statement.missing", "the Assertion has no AuthnStatement")


# Profiles 4.1.4.3: "If the <AuthnStatement> used to establish a security context for the principal contains a
# SessionNotOnOrAfter attribute, the security context SHOULD be discarded once this time is reached." Returns the
# earliest SessionNotOnOrAfter (the session ends then); one already passed (beyond the skew) is refused here.
def check_session_not_on_or_after(assertion: etree._Element, now: datetime) -> datetime | None:
    earliest: datetime | None = None
    for statement in assertion.findall(q(SAML, "AuthnStatement")):
        raw = statement.get("SessionNotOnOrAfter")
        if raw is None:
            continue
        parsed = parse_instant(raw)
        if parsed is None:
            raise Reject("authn_statement.invalid", f"AuthnStatement SessionNotOnOrAfter {raw!r} is not an xs:dateTime")
        earliest = parsed if earliest is None else min(earliest, parsed)
    if earliest is not None and now - ALLOWED_CLOCK_SKEW >= earliest:
        raise Reject(
            "authn_statement.session_expired",
            f"AuthnStatement SessionNotOnOrAfter {earliest.isoformat()} has passed (now {now.isoformat()})",
        )
    return earliest


# Profiles 4.1.4.5: "The service provider MUST ensure that bearer assertions are not replayed, by maintaining the
# set of used ID values for the length of time for which the assertion would be considered valid". This is the
# read; the insert (unique key, same transaction as the login) makes concurrent duplicates lose.
def check_not_replayed(assertion_id: str, lookups: Lookups) -> None:
    if lookups.assertion_seen(assertion_id):
        raise Reject("replay.detected", f"assertion {assertion_id!r} was already used")
