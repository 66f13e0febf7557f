"""Give the harness and the views one facade over accounts, users, SSO configuration and the activity log.

Every method opens and closes its own session; return values are plain dataclasses, never ORM rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask
from sqlalchemy import Executable, bindparam, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from justcall_sp import activity_log, urls
from justcall_sp.certificates import CertificateInfo, NotACertificate, describe, load_certificate, to_der
from justcall_sp.db import Database, DatabaseSnapshot, get_db
from justcall_sp.models import DEFAULT_ROLE_CHOICES, PLANS, ROLES, SsoAdvanced
from justcall_sp.models import Account as AccountRow
from justcall_sp.models import Domain as DomainRow
from justcall_sp.models import SsoConfig as SsoConfigRow
from justcall_sp.models import User as UserRow
from justcall_sp.slo.settings import slo_url_errors
from justcall_sp.slo.store import SloSettings
from justcall_sp.sso_advanced import (
    AdvancedView,
    advanced_row,
    dump_mappings,
    mapping_errors,
    new_encryption_key,
    new_signing_key,
    view_of,
)
from justcall_sp.timeutil import Clock

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62})$")
DOMAIN_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)


class UnknownAccount(LookupError):
    """No account has this slug."""


@dataclass(frozen=True)
class Account:
    slug: str
    name: str
    plan: str

    @property
    def has_sso_plan(self) -> bool:
        return self.plan in ("business", "enterprise")


@dataclass(frozen=True)
class Domain:
    account: str
    domain: str
    verified: bool


@dataclass(frozen=True)
class User:
    id: int
    email: str
    first_name: str
    last_name: str
    role: str
    account: str
    """Account slug."""
    is_owner: bool
    has_password: bool
    created_via_sso: bool

    @property
    def is_admin(self) -> bool:
        return self.is_owner or self.role in ("Owner", "Admin")


@dataclass(frozen=True)
class SsoSettings:
    """One account's SSO configuration as the settings page shows it."""

    enabled: bool
    protocol: str
    idp_sso_url: str | None
    idp_issuer: str | None
    certificate: CertificateInfo | None
    default_role: str
    allow_idp_initiated: bool
    updated_at: datetime | None

    @property
    def configured(self) -> bool:
        return bool(self.idp_sso_url and self.idp_issuer and self.certificate)


@dataclass
class SaveResult:
    """Outcome of ``configure_sso``: errors mean nothing was saved; warnings were saved anyway."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_USER_WITH_SLUG = select(
    UserRow.id,
    UserRow.email,
    UserRow.first_name,
    UserRow.last_name,
    UserRow.role,
    UserRow.is_owner,
    UserRow.password_hash,
    UserRow.created_via_sso,
    AccountRow.slug,
).join(AccountRow, UserRow.account_id == AccountRow.id)
# Core statements built once: these run on every signed-in request (current_user, the landing page) and in
# every judged case, where loading ORM objects would cost more than the query.
_USER_BY_ID = _USER_WITH_SLUG.where(UserRow.id == bindparam("user_id"))
_USER_BY_EMAIL = _USER_WITH_SLUG.where(UserRow.email_key == bindparam("email_key"))
_ACCOUNT = select(AccountRow.slug, AccountRow.name, AccountRow.plan).where(AccountRow.slug == bindparam("slug"))
_PINNED_CERTIFICATE = (
    select(AccountRow.id, SsoConfigRow.certificate)
    .outerjoin(SsoConfigRow, SsoConfigRow.account_id == AccountRow.id)
    .where(AccountRow.slug == bindparam("slug"))
)


def user_view(row: Any, slug: str) -> User:
    """Describe a user from an ORM row or a Core row with the same column names."""
    return User(
        id=row.id,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        role=row.role,
        account=slug,
        is_owner=row.is_owner,
        has_password=row.password_hash is not None,
        created_via_sso=row.created_via_sso,
    )


def sso_settings_view(row: SsoConfigRow | None) -> SsoSettings:
    if row is None:
        return SsoSettings(False, "saml2", None, None, None, "Agent", True, None)
    info = None
    if row.certificate is not None:
        try:
            info = describe(load_certificate(row.certificate))
        except NotACertificate:
            info = None
    return SsoSettings(
        enabled=row.enabled,
        protocol=row.protocol,
        idp_sso_url=row.idp_sso_url,
        idp_issuer=row.idp_issuer,
        certificate=info,
        default_role=row.default_role,
        allow_idp_initiated=row.allow_idp_initiated,
        updated_at=row.updated_at,
    )


MAX_URL_CHARS = 2048
"""Longest SSO URL accepted: far above any Okta URL, small enough to never reach a database or header limit."""
MAX_ISSUER_CHARS = 1024
"""SAML core 8.3.6: an entity identifier is a URI of not more than 1024 characters."""


def has_control_characters(value: str) -> bool:
    """Whether ``value`` holds C0/C1 control characters (NUL, CR, LF, DEL...): never part of a URL or entity ID."""
    return any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value)


def http_url_error(label: str, value: str) -> str | None:
    """Return an error message unless ``value`` is an absolute http(s) URL with a host, of sane length."""
    if len(value) > MAX_URL_CHARS:
        return f"{label} must be at most {MAX_URL_CHARS} characters."
    if has_control_characters(value):
        return f"{label} must not contain control characters."
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        return f"{label} must be an absolute http:// or https:// URL."
    return None


def issuer_error(value: str) -> str | None:
    """Return an error message unless ``value`` can be an IdP entity ID (SAML core 8.3.6)."""
    if not value:
        return "Issuer / Entity ID is required."
    if len(value) > MAX_ISSUER_CHARS:
        return f"Issuer / Entity ID must be at most {MAX_ISSUER_CHARS} characters (SAML entity IDs are)."
    if has_control_characters(value):
        return "Issuer / Entity ID must not contain control characters."
    if any(c.isspace() for c in value):
        return "Issuer / Entity ID must not contain spaces."
    return None


class JustCall:
    """The SP's in-process API (``app.extensions["justcall"]``); thread-safe, one session per call."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    @property
    def db(self) -> Database:
        return get_db(self._app)

    def now(self) -> datetime:
        clock: Clock = self._app.config["CLOCK"]
        return clock()

    # -- accounts, domains, users ---------------------------------------------------------------

    def create_account(self, slug: str, name: str, plan: str = "business") -> Account:
        """Create an account; SSO is available only on the Business plan."""
        if not _SLUG.match(slug):
            raise ValueError(f"account slug {slug!r} must be lower-case letters, digits and dashes")
        if plan not in PLANS:
            raise ValueError(f"plan {plan!r} is not one of {PLANS}")
        with self.db.session() as session:
            if session.scalar(select(AccountRow).where(AccountRow.slug == slug)) is not None:
                raise ValueError(f"account {slug!r} already exists")
            session.add(AccountRow(slug=slug, name=name, plan=plan))
        return Account(slug, name, plan)

    def set_plan(self, slug: str, plan: str) -> None:
        if plan not in PLANS:
            raise ValueError(f"plan {plan!r} is not one of {PLANS}")
        with self.db.session() as session:
            _account(session, slug).plan = plan

    def get_account(self, slug: str) -> Account | None:
        with self.db.read() as conn:
            row = conn.execute(_ACCOUNT, {"slug": slug}).first()
        return None if row is None else Account(row.slug, row.name, row.plan)

    def add_domain(self, slug: str, domain: str, verified: bool = True) -> Domain:
        """Register an email domain for the account (unique across accounts), verified or not."""
        name = domain.strip().lower()
        if not DOMAIN_NAME.match(name):
            raise ValueError(f"{domain!r} is not a domain name")
        with self.db.session() as session:
            account = _account(session, slug)
            existing = session.scalar(select(DomainRow).where(DomainRow.domain == name))
            if existing is not None and existing.account_id != account.id:
                raise ValueError(f"domain {name!r} belongs to another account")
            if existing is None:
                session.add(DomainRow(account_id=account.id, domain=name, verified=verified))
            else:
                existing.verified = verified
        return Domain(slug, name, verified)

    def domains(self, slug: str) -> list[Domain]:
        with self.db.read_session() as session:
            account = _account(session, slug)
            return [Domain(slug, d.domain, d.verified) for d in sorted(account.domains, key=lambda d: d.domain)]

    def add_user(
        self,
        slug: str,
        email: str,
        first_name: str,
        last_name: str,
        role: str,
        password: str | None = None,
        is_owner: bool = False,
    ) -> User:
        """Create a user (email unique, case-insensitive); ``password=None`` means SSO-only."""
        if role not in ROLES:
            raise ValueError(f"role {role!r} is not one of {ROLES}")
        if "@" not in email:
            raise ValueError(f"{email!r} is not an email address")
        method = self._app.config["PASSWORD_HASH_METHOD"]
        password_hash = generate_password_hash(password, method) if password is not None else None
        with self.db.session() as session:
            account = _account(session, slug)
            if session.scalar(select(UserRow).where(UserRow.email_key == email.lower())) is not None:
                raise ValueError(f"a user with email {email!r} already exists")
            row = UserRow(
                account_id=account.id,
                email=email,
                email_key=email.lower(),
                first_name=first_name,
                last_name=last_name,
                role=role,
                password_hash=password_hash,
                is_owner=is_owner,
                created_via_sso=False,
            )
            session.add(row)
            session.flush()
            return user_view(row, slug)

    def get_user(self, email: str) -> User | None:
        """Return the user with this email (case-insensitive), or None."""
        return self._one_user(_USER_BY_EMAIL, {"email_key": email.lower()})

    def get_user_by_id(self, user_id: int) -> User | None:
        # Runs on every signed-in request (current_user): one read-only query with the account's slug joined.
        return self._one_user(_USER_BY_ID, {"user_id": user_id})

    def _one_user(self, statement: Executable, params: dict[str, Any]) -> User | None:
        # Core, not ORM: this runs on every signed-in request, and the ORM's row loading cost more than the query.
        with self.db.read() as conn:
            found = conn.execute(statement, params).first()
        return None if found is None else user_view(found, found.slug)

    def users(self, slug: str) -> list[User]:
        with self.db.read_session() as session:
            account = _account(session, slug)
            return [user_view(u, slug) for u in sorted(account.users, key=lambda u: u.email_key)]

    # -- SSO configuration ----------------------------------------------------------------------

    def enable_sso(self, slug: str, enabled: bool = True) -> None:
        """Switch SSO on or off (Step 1: "Click Enable SSO and select SAML 2.0"); no plan or domain checks here."""
        with self.db.session() as session:
            account = _account(session, slug)
            config = _config_for(session, account)
            config.enabled = enabled
            config.protocol = "saml2"
            config.updated_at = self.now()

    def configure_sso(
        self,
        slug: str,
        *,
        idp_sso_url: str,
        idp_issuer: str,
        certificate: bytes,
        default_role: str = "Agent",
        allow_idp_initiated: bool = True,
    ) -> SaveResult:
        """Save Step 4's values; on any error nothing changes, an expired certificate is saved with a warning."""
        result = SaveResult()
        idp_sso_url, idp_issuer = idp_sso_url.strip(), idp_issuer.strip()
        if error := http_url_error("SSO URL", idp_sso_url):
            result.errors.append(error)
        # Bad input writes nothing: every field is checked before the single write below.
        if error := issuer_error(idp_issuer):
            result.errors.append(error)
        if default_role not in DEFAULT_ROLE_CHOICES:
            result.errors.append(f"Default Role must be one of {', '.join(DEFAULT_ROLE_CHOICES)}.")
        der: bytes | None = None
        try:
            parsed = load_certificate(certificate)
            der = to_der(parsed)
            status = describe(parsed).status_at(self.now())
            if status == "expired":
                result.warnings.append(
                    f"The certificate expired on {parsed.not_valid_after_utc:%Y-%m-%d %H:%M} UTC. "
                    "Sign-ins will fail with a Certificate error until you upload Okta's active certificate."
                )
            elif status == "not_yet_valid":
                result.warnings.append(
                    f"The certificate is not valid before {parsed.not_valid_before_utc:%Y-%m-%d %H:%M} UTC."
                )
        except NotACertificate as exc:
            result.errors.append(f"Certificate: {exc}")
        if result.errors or der is None:
            return result
        with self.db.session() as session:
            config = _config_for(session, _account(session, slug))
            config.protocol = "saml2"
            config.idp_sso_url = idp_sso_url
            config.idp_issuer = idp_issuer
            config.certificate = der
            config.default_role = default_role
            config.allow_idp_initiated = allow_idp_initiated
            config.updated_at = self.now()
        return result

    def set_allow_idp_initiated(self, slug: str, allowed: bool) -> None:
        with self.db.session() as session:
            config = _config_for(session, _account(session, slug))
            config.allow_idp_initiated = allowed
            config.updated_at = self.now()

    def sso_settings(self, slug: str) -> SsoSettings:
        with self.db.read_session() as session:
            return sso_settings_view(_account(session, slug).sso)

    def pinned_certificate(self, slug: str) -> bytes | None:
        """Return the DER bytes of the account's pinned IdP certificate, if one was saved."""
        with self.db.read() as conn:
            found = conn.execute(_PINNED_CERTIFICATE, {"slug": slug}).first()
        if found is None:
            raise UnknownAccount(f"no JustCall account {slug!r}")
        certificate: bytes | None = found[1]
        return certificate

    # -- optional SSO settings: Encrypt assertions, group-to-role mapping ---------------------------

    def advanced_settings(self, slug: str) -> AdvancedView:
        """Return the account's Encrypt assertions and group mapping settings."""
        with self.db.read_session() as session:
            account = _account(session, slug)
            row = session.scalar(select(SsoAdvanced).where(SsoAdvanced.account_id == account.id))
            return view_of(row)

    def encryption_certificate(self, slug: str) -> bytes:
        """Return JustCall's encryption certificate (PEM) for Okta, generating the key pair on first use."""
        with self.db.session() as session:
            row = advanced_row(session, _account(session, slug).id)
            if row.encryption_certificate is None:
                new_encryption_key(row, slug, self.now())
            certificate = row.encryption_certificate
        assert certificate is not None
        return load_certificate(certificate).public_bytes(Encoding.PEM)

    def decryption_key(self, slug: str) -> rsa.RSAPrivateKey | None:
        """Return the account's decryption key, in process only (never served): the harness proves with it what
        an encrypted scenario sent (padding, plaintext). None before Encrypt assertions made one."""
        with self.db.read_session() as session:
            row = session.scalar(select(SsoAdvanced).where(SsoAdvanced.account_id == _account(session, slug).id))
        if row is None or row.encryption_key is None:
            return None
        key = serialization.load_der_private_key(row.encryption_key, password=None)
        return key if isinstance(key, rsa.RSAPrivateKey) else None

    def set_encrypt_assertions(self, slug: str, enabled: bool) -> None:
        """Require (or stop requiring) encrypted assertions; the key pair is made if there is none yet."""
        with self.db.session() as session:
            row = advanced_row(session, _account(session, slug).id)
            if enabled and row.encryption_key is None:
                new_encryption_key(row, slug, self.now())
            row.encrypt_assertions = enabled

    def rotate_encryption_certificate(self, slug: str) -> bytes:
        """Replace the key pair (the old certificate in Okta stops working at once); return the new PEM."""
        with self.db.session() as session:
            new_encryption_key(advanced_row(session, _account(session, slug).id), slug, self.now())
        return self.encryption_certificate(slug)

    def signing_certificate(self, slug: str) -> bytes:
        """Return JustCall's signing certificate (PEM) for Okta's Signature Certificate, made on first use."""
        with self.db.session() as session:
            row = advanced_row(session, _account(session, slug).id)
            if row.signing_certificate is None:
                new_signing_key(row, slug, self.now())
            certificate = row.signing_certificate
        assert certificate is not None
        return load_certificate(certificate).public_bytes(Encoding.PEM)

    def rotate_signing_certificate(self, slug: str) -> bytes:
        """Replace the signing key pair (Okta's copy of the old certificate stops verifying); return the new PEM."""
        with self.db.session() as session:
            new_signing_key(advanced_row(session, _account(session, slug).id), slug, self.now())
        return self.signing_certificate(slug)

    def set_sign_authn_requests(self, slug: str, enabled: bool) -> None:
        """Sign (or stop signing) AuthnRequests; the signing key pair is made if there is none yet."""
        with self.db.session() as session:
            row = advanced_row(session, _account(session, slug).id)
            if enabled and row.signing_key is None:
                new_signing_key(row, slug, self.now())
            row.sign_authn_requests = enabled

    def single_logout_settings(self, slug: str) -> SloSettings:
        """Return the account's Single Logout switch and Okta Single Logout URL."""
        with self.db.read_session() as session:
            row = session.scalar(select(SsoAdvanced).where(SsoAdvanced.account_id == _account(session, slug).id))
            return SloSettings(bool(row.single_logout), row.idp_slo_url) if row is not None else SloSettings()

    def set_single_logout(self, slug: str, enabled: bool, idp_slo_url: str) -> list[str]:
        """Turn Single Logout on or off with Okta's SLO URL; return the errors (nothing saved when there are any).

        JustCall signs its logout messages, so turning it on makes the signing key pair if there is none yet.
        """
        idp_slo_url = idp_slo_url.strip()
        errors = slo_url_errors(idp_slo_url, required=enabled)
        if errors:
            return errors
        with self.db.session() as session:
            row = advanced_row(session, _account(session, slug).id)
            if enabled and row.signing_key is None:
                new_signing_key(row, slug, self.now())
            row.single_logout = enabled
            row.idp_slo_url = idp_slo_url or None
        return []

    def set_group_roles(self, slug: str, mappings: list[tuple[str, str]], every_login: bool) -> list[str]:
        """Save the group-to-role mapping; return the errors (nothing is saved when there are any)."""
        mappings = [(group.strip(), role) for group, role in mappings]
        errors = mapping_errors(mappings)
        if errors:
            return errors
        with self.db.session() as session:
            row = advanced_row(session, _account(session, slug).id)
            row.role_mappings = dump_mappings(mappings)
            row.roles_at_every_login = every_login
        return []

    def slo_urls(self, slug: str) -> tuple[str, str]:
        """Return ``(slo_url, sp_issuer)`` to paste into Okta's Enable Single Logout."""
        return urls.slo_url(self._app, slug), urls.entity_id(self._app, slug)

    def sso_urls(self, slug: str) -> tuple[str, str]:
        """Return ``(acs_url, entity_id)`` to paste into Okta (Step 1: "Copy the ACS URL and Entity ID")."""
        return urls.acs_url(self._app, slug), urls.entity_id(self._app, slug)

    # -- activity log and housekeeping ----------------------------------------------------------

    def activity(
        self,
        slug: str | None = None,
        reference: str | None = None,
        *,
        flow: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Return activity-log entries (newest first) as the JSON API shows them."""
        with self.db.read_session() as session:
            return activity_log.query(session, slug=slug, reference=reference, flow=flow, limit=limit)

    def reset(self) -> None:
        """Delete every row (accounts, users, requests, replay cache, activity) and keep the schema."""
        self.db.delete_all_rows()

    def snapshot(self) -> DatabaseSnapshot:
        """Return a copy of every row, for ``restore`` (the harness takes one after wiring the demo)."""
        return self.db.snapshot()

    def restore(self, snapshot: DatabaseSnapshot) -> None:
        """Return to ``snapshot`` in one transaction: what ``reset`` plus re-seeding does, far cheaper."""
        self.db.restore(snapshot)

    def close(self) -> None:
        """Close the database's connections, once the app serves no more requests (a pooled connection left
        open is a ResourceWarning at exit, and on PostgreSQL a server backend kept busy)."""
        self.db.dispose()


def _account(session: Session, slug: str) -> AccountRow:
    row = session.scalar(select(AccountRow).where(AccountRow.slug == slug))
    if row is None:
        raise UnknownAccount(f"no JustCall account {slug!r}")
    return row


def _config_for(session: Session, account: AccountRow) -> SsoConfigRow:
    if account.sso is None:
        account.sso = SsoConfigRow(enabled=False, protocol="saml2", default_role="Agent", allow_idp_initiated=True)
        session.flush()
    return account.sso
