"""Read and write the IdP session (Okta's ``sid`` cookie): who signed in, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, redirect, session, url_for
from werkzeug.wrappers.response import Response

from mock_idp.model import User
from mock_idp.org import Org

DASHBOARD_PATH = "/app/UserHome"


@dataclass(frozen=True)
class SignedIn:
    """The signed-in user and their sign-in time (the AuthnInstant of every response in this session)."""

    user: User
    auth_time: datetime


def current_org() -> Org:
    """Return the org served by this app."""
    org: Org = current_app.extensions["mock_okta"]
    return org


def start_session(org: Org, user: User) -> datetime:
    """Sign ``user`` in now and return the sign-in time (the user's ``lastLogin`` in the Admin API)."""
    auth_time = org.clock()
    org.record_sign_in(user.id, auth_time)
    session.clear()
    session.update(uid=user.id, auth=auth_time.isoformat(), epoch=org.session_epoch)
    return auth_time


def current_sign_in(org: Org) -> SignedIn | None:
    """Return the session's user if the session is valid and the user still ACTIVE, else ``None``."""
    uid, auth, epoch = session.get("uid"), session.get("auth"), session.get("epoch")
    if not isinstance(uid, str) or not isinstance(auth, str) or epoch != org.session_epoch:
        return None
    try:
        user = org.get_user(uid)
        auth_time = datetime.fromisoformat(auth)
    except (KeyError, ValueError):
        return None
    # Deactivating a user ends their Okta sessions.
    if user.status != "ACTIVE":
        return None
    return SignedIn(user=user, auth_time=auth_time)


def safe_from_uri(value: str | None) -> str:
    """Accept only a local path for ``fromURI`` (no open redirect); default to the dashboard."""
    if (
        value
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and all(ord(c) >= 0x20 for c in value)
    ):
        return value
    return DASHBOARD_PATH


def to_sign_in(from_uri: str) -> Response:
    """Redirect to the sign-in page, coming back to ``from_uri`` afterwards."""
    return redirect(url_for("login.sign_in_form", fromURI=from_uri))


SLO_APPS_KEY = "slo_apps"
"""Session key: ``[app id, NameID, SessionIndex]`` of each app that got a response in this Okta session."""
SLO_QUEUE_KEY = "slo_queue"
"""Session key, after Sign out: the apps still to be sent a LogoutRequest, and the one awaited (``slo_pending``)."""


def note_app_session(app_id: str, name_id: str, session_index: str) -> None:
    """Remember that this session signed in to ``app_id`` (Okta-initiated Single Logout tells these apps)."""
    kept = [entry for entry in session.get(SLO_APPS_KEY, []) if isinstance(entry, list) and entry[:1] != [app_id]]
    session[SLO_APPS_KEY] = [*kept, [app_id, name_id, session_index]]


def app_sessions() -> list[tuple[str, str, str]]:
    """Return ``(app id, NameID, SessionIndex)`` for each app used in this session, oldest first."""
    entries = session.get(SLO_APPS_KEY, [])
    return [
        (str(e[0]), str(e[1]), str(e[2]))
        for e in entries
        if isinstance(entries, list) and isinstance(e, list) and len(e) == 3
    ]


def end_session() -> None:
    """End the Okta session: the dashboard and every SSO request ask for the password again."""
    session.clear()
