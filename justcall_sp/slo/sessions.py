"""What a JustCall session remembers of its SSO login for Single Logout (Flask session keys), and whether Okta
has ended it since.

At the ACS JustCall keeps the NameID and SessionIndex of the login: its LogoutRequest names exactly that session
(SAMLCore 3.7.1). Okta's LogoutRequest arrives without JustCall's session cookie being the named person's, so
its effect is recorded in the database (``store.end_sessions``) and every request checks it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, session

from justcall_sp.db import get_db
from justcall_sp.slo import store

NAME_ID_KEY = "sso_name_id"
NAME_ID_FORMAT_KEY = "sso_name_id_format"
SESSION_INDEX_KEY = "sso_session_index"
GENERATION_KEY = "sso_logout_generation"


@dataclass(frozen=True)
class SsoLogin:
    """The SSO login behind the current session."""

    name_id: str
    name_id_format: str | None
    session_index: str | None


def remember_sso_login(user_id: int, name_id: str, name_id_format: str | None, session_index: str | None) -> None:
    """Keep what Single Logout needs of this login in the (new) session."""
    session[NAME_ID_KEY] = name_id
    session[NAME_ID_FORMAT_KEY] = name_id_format
    session[SESSION_INDEX_KEY] = session_index
    with get_db(current_app).read() as conn:
        session[GENERATION_KEY] = store.logout_generation(conn, user_id)


def sso_login() -> SsoLogin | None:
    """Return the SSO login of the current session, or None for a password session."""
    name_id = session.get(NAME_ID_KEY)
    if not isinstance(name_id, str):
        return None
    name_id_format, index = session.get(NAME_ID_FORMAT_KEY), session.get(SESSION_INDEX_KEY)
    return SsoLogin(
        name_id, name_id_format if isinstance(name_id_format, str) else None, index if isinstance(index, str) else None
    )


def ended_by_okta(user_id: int) -> bool:
    """Whether Okta's LogoutRequest ended this SSO session (password sessions are never ended by Okta)."""
    started_under = session.get(GENERATION_KEY)
    if started_under is None:
        return False
    if not isinstance(started_under, int):
        return True
    with get_db(current_app).read() as conn:
        return store.logout_generation(conn, user_id) > started_under
