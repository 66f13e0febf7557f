"""Protect console forms with a per-session token (the IdP session cookie is SameSite=Lax, not enough alone)."""

from __future__ import annotations

import hmac
import secrets

from flask import session

FIELD = "csrf_token"
_KEY = "admin_csrf"


def csrf_token() -> str:
    """Return this session's token, making one on first use (a new sign-in clears the session, so a new token)."""
    token = session.get(_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session[_KEY] = token
    return token


def csrf_valid(submitted: str | None) -> bool:
    """Return whether ``submitted`` is this session's token (constant-time comparison)."""
    expected = session.get(_KEY)
    return isinstance(expected, str) and isinstance(submitted, str) and hmac.compare_digest(expected, submitted)
