"""Protect forms with a per-session CSRF token and compare API bearer tokens in constant time."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

CSRF_FIELD = "csrf_token"
CSRF_SESSION_KEY = "_csrf"

CSRF_EXEMPT_ENDPOINTS = frozenset({"acs.acs", "auth.login_sso", "sso_logout.single_logout"})
"""The ACS and the Single Logout endpoint take cross-site POSTs by design (their protection is the signed
message); starting SSO changes no state of the visitor at the SP (the IdP authenticates whoever is at the
browser), and the form is also reachable as a plain GET link."""

_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use (templates call it in every form)."""
    token = session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_SESSION_KEY] = token
    return token


def check_csrf() -> None:
    """Refuse (400) a state-changing request whose form lacks this session's token."""
    if request.method not in _UNSAFE_METHODS or request.endpoint in CSRF_EXEMPT_ENDPOINTS:
        return
    if request.endpoint is None:  # no such route or method: let the 404/405 page answer
        return
    expected = session.get(CSRF_SESSION_KEY)
    sent = request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected.encode(), sent.encode()):
        abort(400, description="This form has expired or was not sent from JustCall. Reload the page and try again.")


def bearer_token_matches(configured: str | None, authorization: str | None) -> bool:
    """Whether ``Authorization: Bearer <token>`` carries the configured API token (constant-time compare)."""
    if not configured or not authorization:
        return False
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return hmac.compare_digest(configured.encode(), token.strip().encode())


def init_app(app: Flask) -> None:
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
