"""Decide a password sign-in: passwords work until the account enables SSO, then only for the owner."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from justcall_sp.acs.account_rules import email_domain
from justcall_sp.db import Database
from justcall_sp.models import Account, Domain, User

SSO_REQUIRED_MESSAGE = "Your company signs in to JustCall with single sign-on. Use Sign in with SSO."
INVALID_MESSAGE = "Invalid email or password."


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash checked when the user does not exist, so the answer takes as long as for a real account."""
    return generate_password_hash("not-a-real-password", method)


@dataclass(frozen=True)
class PasswordLogin:
    user_id: int | None = None
    error: str | None = None
    status: int = 200


def _sso_enforced(account: Account | None) -> bool:
    return account is not None and account.sso is not None and account.sso.enabled


def password_login(db: Database, email: str, password: str, hash_method: str = "scrypt") -> PasswordLogin:
    """Check the password; refuse non-owners of SSO accounts ("Enabling SSO will ... force all ... to use SSO").

    The account owner keeps a documented break-glass password login, so a broken IdP cannot lock the account
    out. The SSO refusal is decided by the email's domain too, so it does not reveal whether a user exists.
    """
    email = email.strip()
    if not email or not password:
        return PasswordLogin(error="Enter your email and password.", status=400)
    with db.session() as session:
        user = session.scalar(select(User).where(User.email_key == email.lower()))
        stored = user.password_hash if user is not None and user.password_hash else _dummy_hash(hash_method)
        password_ok = check_password_hash(stored, password) and user is not None and user.password_hash is not None
        if user is not None and password_ok and user.is_owner:
            return PasswordLogin(user_id=user.id)
        account = user.account if user is not None else _account_by_domain(session, email)
        if _sso_enforced(account):
            return PasswordLogin(error=SSO_REQUIRED_MESSAGE, status=403)
        if user is None or not password_ok:
            return PasswordLogin(error=INVALID_MESSAGE, status=401)
        return PasswordLogin(user_id=user.id)


def _account_by_domain(session: Session, email: str) -> Account | None:
    if "@" not in email:
        return None
    row = session.scalar(select(Domain).where(Domain.domain == email_domain(email)))
    return None if row is None else row.account
