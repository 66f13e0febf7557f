"""Check who issued the assertion and how its subject is confirmed: Issuer, bearer confirmation, InResponseTo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from lxml import etree

from justcall_sp.acs.policy import ALLOWED_CLOCK_SKEW
from justcall_sp.acs.reasons import Reject
from justcall_sp.acs.text import whole_text
from justcall_sp.timeutil import parse_instant
from saml_xmlns import CM_BEARER, NAMEID_ENTITY, SAML, q


@dataclass(frozen=True)
class PendingRequest:
    """An AuthnRequest this SP sent, as stored."""

    request_id: str
    account_slug: str
    purpose: str
    """``login`` or ``test``."""
    expires_at: datetime
    consumed: bool
    relay_state: str


class Lookups(Protocol):
    """The two facts the pipeline needs from the database."""

    def pending_request(self, request_id: str) -> PendingRequest | None: ...

    def assertion_seen(self, assertion_id: str) -> bool: ...


@dataclass(frozen=True)
class BearerConfirmation:
    """The bearer SubjectConfirmationData that satisfied every rule."""

    not_on_or_after: datetime
    in_response_to: str | None


# Profiles 4.1.4.2: each assertion's <Issuer> MUST be present and be the IdP's entityID (Format omitted or entity).
def check_assertion_issuer(assertion: etree._Element, idp_issuer: str) -> None:
    issuer = assertion.find(q(SAML, "Issuer"))
    if issuer is None or not whole_text(issuer, "issuer.assertion.mismatch"):
        raise Reject("issuer.missing", "the Assertion has no Issuer")
    value = whole_text(issuer, "issuer.assertion.mismatch")
    if value != idp_issuer:
        raise Reject("issuer.assertion.mismatch", f"Assertion Issuer {value!r} is not the configured {idp_issuer!r}")
    if issuer.get("Format") not in (None, NAMEID_ENTITY):
        raise Reject("issuer.assertion.mismatch", f"Assertion Issuer Format {issuer.get('Format')!r} is not entity")


# Profiles 4.1.4.2 and 4.1.4.3: the assertion MUST contain a <Subject> with at least one bearer
# <SubjectConfirmation> whose <SubjectConfirmationData> has Recipient = the ACS URL, a NotOnOrAfter that has not
# passed (within clock skew) and no NotBefore. One fully valid bearer confirmation is enough; if none is, the
# first bearer confirmation's failure is reported.
def check_bearer_confirmation(assertion: etree._Element, acs_url: str, now: datetime) -> BearerConfirmation:
    subject = assertion.find(q(SAML, "Subject"))
    if subject is None:
        raise Reject("subject_confirmation.missing", "the Assertion has no Subject")
    bearers = [c for c in subject.findall(q(SAML, "SubjectConfirmation")) if c.get("Method") == CM_BEARER]
    if not bearers:
        raise Reject("subject_confirmation.missing", "no SubjectConfirmation with Method bearer")
    first_failure: Reject | None = None
    for confirmation in bearers:
        try:
            return _check_bearer(confirmation, acs_url, now)
        except Reject as failure:
            first_failure = first_failure or failure
    assert first_failure is not None
    raise first_failure


def _check_bearer(confirmation: etree._Element, acs_url: str, now: datetime) -> BearerConfirmation:
    data = confirmation.find(q(SAML, "SubjectConfirmationData"))
    if data is None:
        raise Reject("subject_confirmation.missing", "bearer SubjectConfirmation has no SubjectConfirmationData")
    # Profiles 4.1.4.3: "Verify that the Recipient attribute ... matches the assertion consumer service URL".
    recipient = data.get("Recipient")
    if recipient != acs_url:
        raise Reject("recipient.mismatch", f"Recipient {recipient!r} is not this ACS URL {acs_url!r}")
    # Profiles 4.1.4.2: the bearer SubjectConfirmationData MUST contain NotOnOrAfter ...
    not_on_or_after = parse_instant(data.get("NotOnOrAfter"))
    if not_on_or_after is None:
        raise Reject(
            "subject_confirmation.invalid",
            f"SubjectConfirmationData NotOnOrAfter is missing or malformed: {data.get('NotOnOrAfter')!r}",
        )
    # ... which must not have passed (4.1.4.3), allowing ALLOWED_CLOCK_SKEW ...
    if now >= not_on_or_after + ALLOWED_CLOCK_SKEW:
        raise Reject(
            "subject_confirmation.expired",
            f"SubjectConfirmationData NotOnOrAfter {data.get('NotOnOrAfter')} has passed (now {now.isoformat()})",
        )
    # ... and MUST NOT contain a NotBefore attribute (4.1.4.2).
    if data.get("NotBefore") is not None:
        raise Reject("subject_confirmation.invalid", "bearer SubjectConfirmationData carries NotBefore")
    return BearerConfirmation(not_on_or_after, data.get("InResponseTo"))


# Profiles 4.1.4.3: InResponseTo in the bearer confirmation MUST equal the ID of the AuthnRequest, unless the
# response is unsolicited (4.1.5), in which case it MUST NOT be present. The SP keeps every AuthnRequest it
# sent (per account, 10 minutes, single use); Okta copies the ID to the Response and to the confirmation, and
# the two must agree. A consumed request answered by an assertion we already recorded is a replay.
def check_in_response_to(
    response_in_response_to: str | None,
    confirmation: BearerConfirmation,
    account_slug: str,
    allow_idp_initiated: bool,
    assertion_id: str,
    now: datetime,
    lookups: Lookups,
) -> PendingRequest | None:
    signed_value = confirmation.in_response_to
    if response_in_response_to is None and signed_value is None:
        if not allow_idp_initiated:
            raise Reject("unsolicited.not_allowed", "unsolicited (IdP-initiated) response; the account disallows it")
        return None
    if response_in_response_to != signed_value:
        raise Reject(
            "in_response_to.mismatch",
            f"Response InResponseTo {response_in_response_to!r} differs from the assertion's {signed_value!r}",
        )
    assert signed_value is not None
    request = lookups.pending_request(signed_value)
    if request is None or request.account_slug != account_slug:
        raise Reject("in_response_to.unknown", f"InResponseTo {signed_value!r} is not a request of this account")
    if request.consumed:
        if lookups.assertion_seen(assertion_id):
            raise Reject("replay.detected", f"assertion {assertion_id!r} was already used")
        raise Reject("in_response_to.unknown", f"request {signed_value!r} was already answered")
    if now > request.expires_at:
        raise Reject("in_response_to.unknown", f"request {signed_value!r} expired at {request.expires_at.isoformat()}")
    return request
