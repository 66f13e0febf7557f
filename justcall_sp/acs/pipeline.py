"""Run the ACS checks in their spec order and return the login they prove, or raise ``Reject``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from lxml import etree

from justcall_sp.acs import conditions, decode, encryption, identity, response_checks, signatures, subject
from justcall_sp.acs.encryption import Decryption
from justcall_sp.acs.identity import Identity
from justcall_sp.acs.policy import ALLOWED_CLOCK_SKEW
from justcall_sp.acs.subject import Lookups, PendingRequest
from saml_xmlns import SAML, q


@dataclass(frozen=True)
class Expectations:
    """What this account's configuration says a valid response must look like."""

    account_slug: str
    acs_url: str
    entity_id: str
    idp_issuer: str
    certificate: x509.Certificate
    allow_idp_initiated: bool
    now: datetime
    decryption: Decryption | None = None
    """Set when Encrypt assertions is on: the assertion must come encrypted to this key."""


@dataclass
class Findings:
    """What the pipeline learned before it stopped (kept for the activity row, even on failure)."""

    response_id: str | None = None
    assertion_id: str | None = None
    in_response_to: str | None = None
    """The Response's InResponseTo as posted (unsigned: used only to classify and log)."""
    email: str | None = None


@dataclass(frozen=True)
class ValidatedLogin:
    """A response that passed every protocol check; account rules and JIT come next."""

    identity: Identity
    response_id: str
    assertion_id: str
    request: PendingRequest | None
    """The AuthnRequest answered, or None for an unsolicited (IdP-initiated) response."""
    replay_expires_at: datetime
    """Keep the assertion ID until the bearer confirmation can no longer be accepted (NotOnOrAfter + skew)."""
    session_not_on_or_after: datetime | None = None
    """When the IdP says the session ends (AuthnStatement SessionNotOnOrAfter), if it says so."""
    session_index: str | None = None
    """The AuthnStatement's SessionIndex (Single Logout names the session by it), from the signed assertion."""


def decode_input(posted: list[str], max_response_bytes: int, in_query: bool = False) -> tuple[bytes, etree._Element]:
    """Run the input checks (no configuration needed) and return the XML bytes and the parsed tree."""
    decode.check_size(posted, max_response_bytes)
    text = decode.check_present(posted, in_query)
    xml = decode.decode_base64(text)
    decode.check_no_dtd(xml)
    return xml, decode.parse_xml(xml)


def validate_response(
    xml: bytes, root: etree._Element, expect: Expectations, lookups: Lookups, findings: Findings
) -> ValidatedLogin:
    """Validate a parsed Response against ``expect``; claims are read only from what was signed."""
    findings.response_id = response_checks.check_root(root)
    findings.in_response_to = root.get("InResponseTo")
    response_checks.check_unique_ids(root)
    response_checks.check_status(root)
    response_checks.check_destination(root, expect.acs_url)
    response_checks.check_response_issuer(root, expect.idp_issuer)
    encrypted = encryption.check_encryption_expected(root, expect.decryption)
    if encrypted is not None and expect.decryption is not None:
        # Decrypt (after the Response signature), then every check below reads the decrypted, signed assertion.
        decrypted = encryption.verify_and_decrypt(
            xml, root, encrypted, expect.decryption, expect.certificate, expect.now
        )
        posted_assertion, signed = decrypted.assertion, decrypted.signed
        findings.assertion_id = posted_assertion.get("ID")
    else:
        posted_assertion = response_checks.check_single_assertion(root)
        findings.assertion_id = posted_assertion.get("ID")
        signed = signatures.verify_signatures(xml, root, posted_assertion, expect.certificate, expect.now)
    # From here on, claims come only from `assertion`: the element as signed (see-what-is-signed).
    assertion = signed.assertion
    assertion_id = str(assertion.get("ID"))
    findings.email = identity.best_effort_email(assertion)

    subject.check_assertion_issuer(assertion, expect.idp_issuer)
    confirmation = subject.check_bearer_confirmation(assertion, expect.acs_url, expect.now)
    request = subject.check_in_response_to(
        findings.in_response_to,
        confirmation,
        expect.account_slug,
        expect.allow_idp_initiated,
        assertion_id,
        expect.now,
        lookups,
    )
    conditions.check_conditions(assertion, expect.now)
    conditions.check_audience(assertion, expect.entity_id)
    conditions.check_authn_statement(assertion)
    session_ends = conditions.check_session_not_on_or_after(assertion, expect.now)
    conditions.check_not_replayed(assertion_id, lookups)

    identity.check_identity_markup(posted_assertion)
    who = identity.read_identity(assertion)
    findings.email = who.email
    return ValidatedLogin(
        identity=who,
        response_id=findings.response_id,
        assertion_id=assertion_id,
        request=request,
        replay_expires_at=confirmation.not_on_or_after + ALLOWED_CLOCK_SKEW,
        session_not_on_or_after=session_ends,
        session_index=_session_index(assertion),
    )


def _session_index(assertion: etree._Element) -> str | None:
    statement = assertion.find(q(SAML, "AuthnStatement"))
    return None if statement is None else statement.get("SessionIndex")
