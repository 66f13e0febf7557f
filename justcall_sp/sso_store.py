"""Read and write what SSO sign-in needs (Sign in with SSO, the ACS) with SQLAlchemy Core on the caller's connection.

These are the SP's hot path, so they skip the ORM's unit of work (identity map, lazy loads, flush), which
cost far more per login than the statements themselves (README "Performance"). Every function here runs one
statement built once at import (two for storing a request: purge, insert) through ``Connection.execute``, so
the transactions in ``sso_start`` and ``sso_login`` read as the list of what they write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from justcall_sp.acs.account_rules import AccountFacts
from justcall_sp.acs.subject import PendingRequest
from justcall_sp.models import SSO_PLANS, Account, AuthnRequestRecord, Base, Domain, ReplayEntry, SsoConfig, User

ACCOUNTS = Base.metadata.tables[Account.__tablename__]
DOMAINS = Base.metadata.tables[Domain.__tablename__]
SSO_CONFIGS = Base.metadata.tables[SsoConfig.__tablename__]
REQUESTS = Base.metadata.tables[AuthnRequestRecord.__tablename__]
REPLAY = Base.metadata.tables[ReplayEntry.__tablename__]
USERS = Base.metadata.tables[User.__tablename__]


@dataclass(frozen=True)
class SsoSettings:
    """The account's Step 4 settings, as stored."""

    enabled: bool
    idp_sso_url: str | None
    idp_issuer: str | None
    certificate: bytes | None
    """DER bytes of the pinned IdP signing certificate."""
    default_role: str
    allow_idp_initiated: bool
    configured: bool
    """Whether Step 4 was done: SSO URL, Issuer and certificate are all present."""


@dataclass(frozen=True)
class AccountRecord:
    """One account with what the ACS needs: its SSO settings (if any) and its domains."""

    id: int
    slug: str
    plan: str
    plan_has_sso: bool
    sso: SsoSettings | None
    verified_domains: frozenset[str]
    unverified_domains: frozenset[str]

    @property
    def facts(self) -> AccountFacts:
        return AccountFacts(
            slug=self.slug,
            sso_enabled=bool(self.sso and self.sso.enabled),
            plan_has_sso=self.plan_has_sso,
            verified_domains=self.verified_domains,
            unverified_domains=self.unverified_domains,
        )


@dataclass(frozen=True)
class UserRecord:
    id: int
    account_id: int
    email: str
    role: str


# Built once: SQLAlchemy then finds each statement's compiled form in its cache without rebuilding the tree.
_ACCOUNT_WITH_SSO = (
    select(
        ACCOUNTS.c.id,
        ACCOUNTS.c.plan,
        SSO_CONFIGS.c.id.label("sso_id"),
        SSO_CONFIGS.c.enabled,
        SSO_CONFIGS.c.idp_sso_url,
        SSO_CONFIGS.c.idp_issuer,
        SSO_CONFIGS.c.certificate,
        SSO_CONFIGS.c.default_role,
        SSO_CONFIGS.c.allow_idp_initiated,
        DOMAINS.c.domain,
        DOMAINS.c.verified,
    )
    .select_from(
        ACCOUNTS.outerjoin(SSO_CONFIGS, SSO_CONFIGS.c.account_id == ACCOUNTS.c.id).outerjoin(
            DOMAINS, DOMAINS.c.account_id == ACCOUNTS.c.id
        )
    )
    .where(ACCOUNTS.c.slug == bindparam("slug"))
)
"""One row per domain of the account (one row with NULL domain if it has none): one statement, not two."""
_DOMAIN = (
    select(DOMAINS.c.verified, ACCOUNTS.c.slug)
    .join(ACCOUNTS, ACCOUNTS.c.id == DOMAINS.c.account_id)
    .where(DOMAINS.c.domain == bindparam("domain"))
)
_PURGE_STALE_REQUESTS = delete(REQUESTS).where(REQUESTS.c.expires_at < bindparam("before"))
_STORE_REQUEST = insert(REQUESTS).values({name: bindparam(name) for name in (c.name for c in REQUESTS.columns)})
_REQUEST = (
    select(REQUESTS.c.purpose, REQUESTS.c.expires_at, REQUESTS.c.consumed, REQUESTS.c.relay_state, ACCOUNTS.c.slug)
    .select_from(REQUESTS.outerjoin(ACCOUNTS, ACCOUNTS.c.id == REQUESTS.c.account_id))
    .where(REQUESTS.c.id == bindparam("request_id"))
)
_REPLAY_EXPIRY = select(REPLAY.c.expires_at).where(REPLAY.c.assertion_id == bindparam("assertion_id"))
_PURGE_REPLAY = delete(REPLAY).where(REPLAY.c.expires_at <= bindparam("now"))
_REMEMBER = insert(REPLAY).values(assertion_id=bindparam("assertion_id"), expires_at=bindparam("expires_at"))
_CONSUME = (
    update(REQUESTS)
    .where(REQUESTS.c.id == bindparam("request_id"), REQUESTS.c.consumed.is_(False))
    .values(consumed=True)
)
_USER = select(USERS.c.id, USERS.c.account_id, USERS.c.email, USERS.c.role).where(
    USERS.c.email_key == bindparam("email_key")
)
_CREATE_USER = insert(USERS).values(
    {name: bindparam(name) for name in (c.name for c in USERS.columns if c.name != "id")}
)


def load_account(conn: Connection, slug: str) -> AccountRecord | None:
    """Return the account with this slug, its SSO settings and domains, or None if there is none."""
    rows = conn.execute(_ACCOUNT_WITH_SSO, {"slug": slug}).all()
    if not rows:
        return None
    row = rows[0]
    sso = None
    if row.sso_id is not None:
        sso = SsoSettings(
            enabled=bool(row.enabled),
            idp_sso_url=row.idp_sso_url,
            idp_issuer=row.idp_issuer,
            certificate=row.certificate,
            default_role=row.default_role,
            allow_idp_initiated=bool(row.allow_idp_initiated),
            configured=bool(row.idp_sso_url and row.idp_issuer and row.certificate),
        )
    domains = [r for r in rows if r.domain is not None]
    return AccountRecord(
        id=row.id,
        slug=slug,
        plan=row.plan,
        plan_has_sso=row.plan in SSO_PLANS,
        sso=sso,
        verified_domains=frozenset(d.domain for d in domains if d.verified),
        unverified_domains=frozenset(d.domain for d in domains if not d.verified),
    )


@dataclass(frozen=True)
class DomainOwner:
    """Which account registered an email domain, and whether it proved it owns it."""

    account_slug: str
    verified: bool


def domain_owner(conn: Connection, domain: str) -> DomainOwner | None:
    """Return the account that registered this (lower-cased) domain, if any."""
    row = conn.execute(_DOMAIN, {"domain": domain}).first()
    return None if row is None else DomainOwner(row.slug, bool(row.verified))


@dataclass(frozen=True)
class NewRequest:
    """An AuthnRequest about to be sent, as stored until its answer arrives."""

    request_id: str
    account_id: int
    created_at: datetime
    expires_at: datetime
    relay_state: str
    purpose: str


def store_request(conn: Connection, request: NewRequest, purge_before: datetime) -> None:
    """Store the request (InResponseTo must match it later); drop requests that expired before ``purge_before``."""
    conn.execute(_PURGE_STALE_REQUESTS, {"before": purge_before})
    conn.execute(
        _STORE_REQUEST,
        {
            "id": request.request_id,
            "account_id": request.account_id,
            "created_at": request.created_at,
            "expires_at": request.expires_at,
            "relay_state": request.relay_state,
            "purpose": request.purpose,
            "consumed": False,
        },
    )


class ConnectionLookups:
    """``acs.subject.Lookups`` over the caller's connection; a request is read once however often it is asked."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self._requests: dict[str, PendingRequest | None] = {}

    def pending_request(self, request_id: str) -> PendingRequest | None:
        if request_id not in self._requests:
            self._requests[request_id] = self._read_request(request_id)
        return self._requests[request_id]

    def _read_request(self, request_id: str) -> PendingRequest | None:
        row = self.conn.execute(_REQUEST, {"request_id": request_id}).first()
        if row is None:
            return None
        return PendingRequest(
            request_id=request_id,
            account_slug=row.slug or "",
            purpose=row.purpose,
            expires_at=row.expires_at,
            consumed=bool(row.consumed),
            relay_state=row.relay_state,
        )

    def assertion_seen(self, assertion_id: str) -> bool:
        row = self.conn.execute(_REPLAY_EXPIRY, {"assertion_id": assertion_id}).first()
        return row is not None and row.expires_at > self.now


def purge_expired_assertions(conn: Connection, now: datetime) -> None:
    """Forget assertion IDs whose confirmation window has closed (they can no longer be accepted anyway)."""
    conn.execute(_PURGE_REPLAY, {"now": now})


def remember_assertion(conn: Connection, assertion_id: str, expires_at: datetime) -> bool:
    """Insert the assertion ID; False if it is already there (the primary key decides between racers).

    After False the transaction must be rolled back to its savepoint (PostgreSQL aborts it on the error).
    """
    try:
        conn.execute(_REMEMBER, {"assertion_id": assertion_id, "expires_at": expires_at})
    except IntegrityError:
        return False
    return True


def consume_request(conn: Connection, request_id: str) -> bool:
    """Mark the AuthnRequest answered; False if it was already (only one response may answer a request)."""
    return conn.execute(_CONSUME, {"request_id": request_id}).rowcount == 1


def find_user(conn: Connection, email: str) -> UserRecord | None:
    """Return the user with this email, compared case-insensitively (the unique ``email_key``)."""
    row = conn.execute(_USER, {"email_key": email.lower()}).first()
    return None if row is None else UserRecord(row.id, row.account_id, row.email, row.role)


def insert_sso_user(conn: Connection, account_id: int, email: str, first_name: str, last_name: str, role: str) -> bool:
    """Insert a user created by SSO (JIT); False if a concurrent login inserted the same email first."""
    try:
        with conn.begin_nested():
            conn.execute(
                _CREATE_USER,
                {
                    "account_id": account_id,
                    "email": email,
                    "email_key": email.lower(),
                    "first_name": first_name,
                    "last_name": last_name,
                    "role": role,
                    "password_hash": None,
                    "is_owner": False,
                    "created_via_sso": True,
                },
            )
    except IntegrityError:
        return False
    return True
