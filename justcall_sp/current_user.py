"""Keep track of who is signed in (a signed Flask cookie) and guard views that need a user or an admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response as WerkzeugResponse

from justcall_sp.service import JustCall, User
from justcall_sp.slo.sessions import ended_by_okta
from justcall_sp.timeutil import as_utc

SESSION_EXPIRES_KEY = "sso_session_expires"
"""Session key holding when an SSO session must end (ISO 8601, UTC), when the IdP set one."""

P = ParamSpec("P")
R = TypeVar("R")


def facade() -> JustCall:
    """Return the app's ``JustCall`` facade."""
    justcall: JustCall = current_app.extensions["justcall"]
    return justcall


def current_user() -> User | None:
    """Return the signed-in user, or None (also when the user was deleted since the cookie was issued)."""
    if "current_user" in g:
        cached: User | None = g.current_user
        return cached
    user: User | None = None
    user_id, email = session.get("user_id"), session.get("email")
    if _session_expired():
        session.clear()
    elif isinstance(user_id, int) and isinstance(email, str):
        found = facade().get_user_by_id(user_id)
        if found is not None and found.email.lower() == email.lower():
            user = found
        # Profiles 4.4.4.1: Okta's LogoutRequest ended this person's SSO sessions.
        if user is not None and ended_by_okta(user.id):
            session.clear()
            user = None
    g.current_user = user
    return user


def login_user(user: User, expires_at: datetime | None = None) -> None:
    """Start a fresh session for ``user`` (a new session also gets a new CSRF token: no fixation).

    ``expires_at`` ends the session at that instant (the IdP's SessionNotOnOrAfter, profiles 4.1.4.3).
    """
    session.clear()
    session["user_id"] = user.id
    session["email"] = user.email
    if expires_at is not None:
        session[SESSION_EXPIRES_KEY] = as_utc(expires_at).isoformat()
    g.current_user = user


def _session_expired() -> bool:
    """Whether the session carries an end (SessionNotOnOrAfter) that has passed; a malformed end counts as passed."""
    raw = session.get(SESSION_EXPIRES_KEY)
    if raw is None:
        return False
    try:
        ends = datetime.fromisoformat(str(raw))
    except ValueError:
        return True
    now: datetime = current_app.config["CLOCK"]()
    return bool(now >= ends)


def logout_user() -> None:
    session.clear()
    g.current_user = None


def _login_redirect() -> WerkzeugResponse:
    target = request.path + (f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
    return redirect(url_for("auth.login", next=target))


def login_required(view: Callable[P, R]) -> Callable[P, R | WerkzeugResponse]:
    """Send anonymous visitors to ``/login?next=<this page>``."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | WerkzeugResponse:
        if current_user() is None:
            return _login_redirect()
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[P, R]) -> Callable[P, R | WerkzeugResponse]:
    """Like ``login_required``, and answer 403 to users who are not Owner or Admin."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | WerkzeugResponse:
        user = current_user()
        if user is None:
            return _login_redirect()
        if not user.is_admin:
            raise Forbidden("Only JustCall admins can open Single Sign-On settings.")
        return view(*args, **kwargs)

    return wrapped
