"""Declare the SP's tables: accounts, domains, users, SSO configuration, pending requests, replay cache, activity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from justcall_sp.timeutil import as_utc

ROLES = ("Owner", "Admin", "Supervisor", "Agent")
"""JustCall roles, most powerful first."""

ADMIN_ROLES = ("Owner", "Admin")
"""Roles that may open Settings -> Security -> Single Sign-On."""

DEFAULT_ROLE_CHOICES = ("Agent", "Supervisor", "Admin")
"""Roles an admin may pick as the Default Role for new SSO users (never Owner)."""

PLANS = ("standard", "business", "enterprise")
"""Known plans; SSO is a Business feature (``enterprise`` includes it)."""

SSO_PLANS = ("business", "enterprise")


class UTCDateTime(TypeDecorator[datetime]):
    """Store instants as naive UTC (SQLite has no zones) and always hand back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    """Declarative base of every SP table."""


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(32), default="business")

    domains: Mapped[list[Domain]] = relationship(back_populates="account", cascade="all, delete-orphan")
    users: Mapped[list[User]] = relationship(back_populates="account", cascade="all, delete-orphan")
    sso: Mapped[SsoConfig | None] = relationship(back_populates="account", cascade="all, delete-orphan")

    @property
    def sso_plan(self) -> bool:
        """Whether the plan includes SSO (the help article: "SSO is available on the Business plan")."""
        return self.plan in SSO_PLANS


class Domain(Base):
    __tablename__ = "domains"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    """Lower-cased DNS name."""
    verified: Mapped[bool] = mapped_column(Boolean, default=False)

    account: Mapped[Account] = relationship(back_populates="domains")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    """As first given (display form)."""
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    """Lower-cased email: the unique constraint that makes concurrent JIT logins create one row."""
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_via_sso: Mapped[bool] = mapped_column(Boolean, default=False)

    account: Mapped[Account] = relationship(back_populates="users")


class SsoConfig(Base):
    __tablename__ = "sso_configs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    protocol: Mapped[str] = mapped_column(String(16), default="saml2")
    idp_sso_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    idp_issuer: Mapped[str | None] = mapped_column(Text, nullable=True)
    certificate: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """DER bytes of the pinned IdP signing certificate."""
    default_role: Mapped[str] = mapped_column(String(32), default="Agent")
    allow_idp_initiated: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    account: Mapped[Account] = relationship(back_populates="sso")

    @property
    def configured(self) -> bool:
        """Whether Step 4 was done: SSO URL, Issuer and certificate are all present."""
        return bool(self.idp_sso_url and self.idp_issuer and self.certificate)


class SsoAdvanced(Base):
    """Optional SSO settings beyond the article's Step 4: assertion encryption and group-to-role mapping."""

    __tablename__ = "sso_advanced"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    encrypt_assertions: Mapped[bool] = mapped_column(Boolean, default=False)
    encryption_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """PKCS#8 DER of JustCall's decryption key: generated at run time, kept only in this database."""
    encryption_certificate: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """DER of the certificate the admin downloads and uploads to Okta as its Encryption Certificate."""
    signing_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """PKCS#8 DER of JustCall's request-signing key: generated at run time, kept only in this database."""
    signing_certificate: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """DER of the certificate the admin uploads to Okta as its Signature Certificate (signed requests, SLO)."""
    sign_authn_requests: Mapped[bool] = mapped_column(Boolean, default=False)
    """"Sign AuthnRequests": Sign in with SSO and Test Connection sign the HTTP-Redirect AuthnRequest."""
    role_mappings: Mapped[str] = mapped_column(Text, default="[]")
    """JSON list of ``[group name, role]`` pairs (the ``groups`` attribute's values -> JustCall roles)."""
    roles_at_every_login: Mapped[bool] = mapped_column(Boolean, default=False)
    """Apply the mapping at every login (else only when JIT creates the user)."""
    single_logout: Mapped[bool] = mapped_column(Boolean, default=False)
    """"Single Logout": Sign out also ends the Okta session, and Okta's LogoutRequests end JustCall sessions."""
    idp_slo_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    """"Okta Single Logout URL" (Okta's SingleLogoutService Location for this app)."""


class AuthnRequestRecord(Base):
    __tablename__ = "authn_requests"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    relay_state: Mapped[str] = mapped_column(String(200), default="/")
    purpose: Mapped[str] = mapped_column(String(16), default="login")
    """``login`` or ``test`` (Test Connection)."""
    consumed: Mapped[bool] = mapped_column(Boolean, default=False)


class ReplayEntry(Base):
    __tablename__ = "replay_cache"

    assertion_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SsoActivity(Base):
    __tablename__ = "sso_activity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    account_slug: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    flow: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    response_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    assertion_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    in_response_to: Mapped[str | None] = mapped_column(String(256), nullable=True)


class LogoutMessageRecord(Base):
    """A Single Logout message ID: a LogoutRequest JustCall sent (awaiting Okta's LogoutResponse) or one it got.

    ``direction`` ``sent``: answered once by a LogoutResponse's InResponseTo. ``received``: Okta's LogoutRequest
    IDs already acted on (a replay is refused). Rows are dropped after ``expires_at``.
    """

    __tablename__ = "slo_messages"

    message_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    direction: Mapped[str] = mapped_column(String(16), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)


class SsoSessionEnd(Base):
    """How many times Okta logged a person out: a JustCall SSO session started under a lower count is over."""

    __tablename__ = "sso_session_ends"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
