"""Consume one ACS POST in one transaction: validate, apply account rules, record the assertion, JIT, log.

Either everything the login needs is written together (replay entry, consumed request, new user, activity
row) or, on any refusal, only the activity row is. Validation only reads, so a refusal there is logged in the
same transaction; a refusal found while writing (a concurrent duplicate, a request answered meanwhile) rolls
the whole transaction back and logs in a new one. No SAVEPOINT on the way of a successful login: it needs
none, and each costs a round trip to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from cryptography import x509
from sqlalchemy import Connection

from justcall_sp import activity_log, role_mapping, sso_store
from justcall_sp.acs.account_rules import check_account_rules
from justcall_sp.acs.encryption import Decryption
from justcall_sp.acs.pipeline import Expectations, Findings, ValidatedLogin, decode_input, validate_response
from justcall_sp.acs.policy import ALLOWED_CLOCK_SKEW
from justcall_sp.acs.reasons import Reject
from justcall_sp.certificates import NotACertificate, load_certificate
from justcall_sp.db import Database
from justcall_sp.sso_advanced import AdvancedSettings, load_advanced, set_user_role
from justcall_sp.sso_store import AccountRecord, ConnectionLookups, UserRecord
from justcall_sp.urls import relay_state_target

SETTINGS_PATH = "/settings/security/sso"
"""Where Test Connection results are shown (and where a test response redirects to)."""


@dataclass(frozen=True)
class AcsRequest:
    """The posted form and what the app knows about where it was posted."""

    slug: str
    posted: list[str]
    in_query: bool
    """Whether the URL's query string also carried a SAMLResponse (refused: POST binding only)."""
    relay_state: str | None
    acs_url: str
    entity_id: str
    now: datetime
    max_response_bytes: int


@dataclass(frozen=True)
class AcsResult:
    """What the view does next: sign someone in and redirect, redirect to settings, or show the error page."""

    reference: str
    flow: str
    ok: bool
    redirect_to: str | None = None
    user_id: int | None = None
    """Set only for a successful login (never for Test Connection)."""
    reject: Reject | None = None
    session_expires_at: datetime | None = None
    """End of the SP session the IdP asked for (SessionNotOnOrAfter plus skew), if any."""
    name_id: str | None = None
    name_id_format: str | None = None
    session_index: str | None = None
    """The login's NameID and SessionIndex, kept in the session for Single Logout (SAMLCore 3.7.1)."""


class _RolledBack(Exception):
    """A refusal found while writing: the transaction is rolled back and the refusal logged in a new one."""

    def __init__(self, reject: Reject, flow: str, findings: Findings) -> None:
        super().__init__(reject.reason)
        self.reject, self.flow, self.findings = reject, flow, findings


def consume(db: Database, req: AcsRequest) -> AcsResult | None:
    """Process one ACS POST; return None when the account does not exist (the view answers 404)."""
    try:
        return _consume_in_one_transaction(db, req)
    except _RolledBack as rolled_back:
        with db.transaction() as conn:
            reference = _log(conn, req, rolled_back.flow, rolled_back.findings, rolled_back.reject, "")
        return _result(req, reference, rolled_back.flow, rolled_back.reject, None, None)


def _consume_in_one_transaction(db: Database, req: AcsRequest) -> AcsResult | None:
    with db.transaction() as conn:
        account = sso_store.load_account(conn, req.slug)
        if account is None:
            return None
        sso_store.purge_expired_assertions(conn, req.now)
        lookups = ConnectionLookups(conn, req.now)
        findings = Findings()
        advanced = load_advanced(conn, account.id)
        try:
            login = _validate(account, req, lookups, findings, advanced)
        except Reject as refused:
            flow = _classify(findings.in_response_to, req.slug, lookups)
            return _result(req, _log(conn, req, flow, findings, refused, ""), flow, refused, None, None)
        flow = _classify(findings.in_response_to, req.slug, lookups)
        try:
            user_id, summary = _apply(conn, account, login, advanced)
        except Reject as refused:
            raise _RolledBack(refused, flow, findings) from refused
        reference = _log(conn, req, flow, findings, None, summary)
    result = _result(req, reference, flow, None, user_id, _session_end(login))
    if user_id is None:
        return result
    who = login.identity
    return replace(result, name_id=who.name_id, name_id_format=who.name_id_format, session_index=login.session_index)


def _log(
    conn: Connection, req: AcsRequest, flow: str, findings: Findings, reject: Reject | None, summary: str
) -> str:  # pragma: no mutate block (the activity row: log text, never a verdict)
    return activity_log.record(
        conn,
        activity_log.ActivityEntry(
            at=req.now,
            account_slug=req.slug,
            flow=flow,
            outcome="failure" if reject else "success",
            category=reject.category if reject else None,
            reason=reject.reason if reject else None,
            detail=reject.detail if reject else summary,
            email=findings.email,
            response_id=findings.response_id,
            assertion_id=findings.assertion_id,
            in_response_to=findings.in_response_to,
        ),
    )


def _result(
    req: AcsRequest,
    reference: str,
    flow: str,
    reject: Reject | None,
    user_id: int | None,
    session_expires_at: datetime | None,
) -> AcsResult:
    if flow == "test":
        return AcsResult(reference, flow, ok=reject is None, redirect_to=SETTINGS_PATH, reject=reject)
    if reject is not None:
        return AcsResult(reference, flow, ok=False, reject=reject)
    return AcsResult(
        reference,
        flow,
        ok=True,
        redirect_to=relay_state_target(req.relay_state),
        user_id=user_id,
        session_expires_at=session_expires_at,
    )


def _session_end(login: ValidatedLogin) -> datetime | None:
    # Profiles 4.1.4.3: the security context SHOULD be discarded at SessionNotOnOrAfter (the skew is allowed).
    ends = login.session_not_on_or_after
    return None if ends is None else ends + ALLOWED_CLOCK_SKEW


def _validate(
    account: AccountRecord,
    req: AcsRequest,
    lookups: ConnectionLookups,
    findings: Findings,
    advanced: AdvancedSettings,
) -> ValidatedLogin:
    xml, root = decode_input(req.posted, req.max_response_bytes, req.in_query)
    config = account.sso
    if config is None or not config.configured or config.certificate is None or config.idp_issuer is None:
        raise Reject("account.sso_disabled", f"SSO is not configured for account {account.slug!r}")
    certificate = _pinned_certificate(config.certificate)
    expect = Expectations(
        account_slug=account.slug,
        acs_url=req.acs_url,
        entity_id=req.entity_id,
        idp_issuer=config.idp_issuer,
        certificate=certificate,
        allow_idp_initiated=config.allow_idp_initiated,
        now=req.now,
        decryption=Decryption(advanced.decryption_key) if advanced.decryption_key is not None else None,
    )
    login = validate_response(xml, root, expect, lookups, findings)
    check_account_rules(account.facts, login.identity.email)
    return login


def _pinned_certificate(der: bytes) -> x509.Certificate:
    try:
        return load_certificate(der)
    except NotACertificate as exc:
        raise Reject("account.sso_disabled", "the stored IdP certificate cannot be read") from exc


def _apply(
    conn: Connection, account: AccountRecord, login: ValidatedLogin, advanced: AdvancedSettings
) -> tuple[int | None, str]:
    """Record the assertion, consume the request and sign in (JIT); for Test Connection only describe who."""
    _remember_assertion(conn, login)
    if login.request is not None:
        _consume_request(conn, login.request.request_id)
    config = account.sso
    assert config is not None
    if login.request is not None and login.request.purpose == "test":
        existing = sso_store.find_user(conn, login.identity.email)
        if existing is not None:
            _require_same_account(existing, account)
            return None, f"Test Connection: would sign in {existing.email} as {existing.role} (existing user)"
        return None, f"Test Connection: would sign in {login.identity.email} as {config.default_role} (new user)"
    groups, mappings = login.identity.groups, advanced.role_mappings
    new_user_role = role_mapping.role_at_login(
        groups, mappings, config.default_role, current_role=None, every_login=False
    )
    assert new_user_role is not None
    user, created = _find_or_create_user(conn, account, login, new_user_role)
    role, how = (
        user.role,
        ("new user, " + ("mapped from groups" if new_user_role != config.default_role else "Default Role")),
    )
    if not created:
        how = "existing user"
        changed = role_mapping.role_at_login(
            groups, mappings, config.default_role, current_role=user.role, every_login=advanced.roles_at_every_login
        )
        if changed is not None:
            set_user_role(conn, user.id, changed)
            role, how = changed, f"existing user, role {user.role} -> {changed} from groups"
    return user.id, f"signed in {user.email} as {role} ({how})"


# Profiles 4.1.4.5 (no replay): the primary key makes a concurrent duplicate fail here, inside the same
# transaction as the login, so exactly one of two identical POSTs succeeds.
def _remember_assertion(conn: Connection, login: ValidatedLogin) -> None:
    if not sso_store.remember_assertion(conn, login.assertion_id, login.replay_expires_at):
        raise Reject("replay.detected", f"assertion {login.assertion_id!r} was already used")


def _consume_request(conn: Connection, request_id: str) -> None:
    if not sso_store.consume_request(conn, request_id):
        raise Reject("in_response_to.unknown", f"request {request_id!r} was already answered")


def _require_same_account(user: UserRecord, account: AccountRecord) -> None:
    if user.account_id != account.id:
        raise Reject("account.domain_mismatch", f"user {user.email!r} belongs to another JustCall account")


def _find_or_create_user(
    conn: Connection, account: AccountRecord, login: ValidatedLogin, default_role: str
) -> tuple[UserRecord, bool]:
    """Return the user with this email (role kept) or create one with the Default Role (JIT provisioning).

    A first login inserts and then reads the row back, whoever inserted it: two first logins at once (the unique
    ``email_key`` lets one insert win) take the same path as one, so the lost race is not a branch of its own.
    """
    who = login.identity
    existing = sso_store.find_user(conn, who.email)
    if existing is not None:
        _require_same_account(existing, account)
        return existing, False
    inserted = sso_store.insert_sso_user(conn, account.id, who.email, who.first_name, who.last_name, default_role)
    user = sso_store.find_user(conn, who.email)
    if user is None:
        raise RuntimeError(f"user {who.email!r} neither inserted nor found")
    _require_same_account(user, account)
    return user, inserted


def _classify(in_response_to: str | None, slug: str, lookups: ConnectionLookups) -> str:
    """Name the flow for the log: a known Test Connection request, another request, or unsolicited."""
    if not in_response_to:
        return "idp_initiated"
    request = lookups.pending_request(in_response_to)
    if request is not None and request.account_slug == slug and request.purpose == "test":
        return "test"
    return "sp_initiated"
