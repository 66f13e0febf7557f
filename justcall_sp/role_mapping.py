"""Map the ``groups`` attribute Okta sends (Group Attribute Statements) to a JustCall role (pure).

The most powerful mapped role wins when the person is in several mapped groups; group names compare exactly,
as Okta sends them. The Owner role is never given by a mapping (only Agent, Supervisor, Admin can be chosen).
"""

from __future__ import annotations

from collections.abc import Iterable

from justcall_sp.models import ROLES


def mapped_role(groups: Iterable[str], mappings: Iterable[tuple[str, str]]) -> str | None:
    """Return the most powerful role mapped from any of ``groups``, or None when no mapping matches."""
    member_of = set(groups)
    roles = {role for group, role in mappings if group in member_of and role in ROLES and role != "Owner"}
    return min(roles, key=ROLES.index) if roles else None


def role_at_login(
    groups: Iterable[str],
    mappings: Iterable[tuple[str, str]],
    default_role: str,
    *,
    current_role: str | None,
    every_login: bool,
) -> str | None:
    """Return the role to set at this login, or None to leave the user as they are.

    A new user (``current_role`` None) gets the mapped role, else the Default Role. An existing user changes
    only when the admin chose "at every login": then the mapping decides, and with no matching group the user
    falls back to the Default Role (removing someone from "JustCall Admins" in Okta takes Admin away).
    """
    role = mapped_role(groups, mappings)
    if current_role is None:
        return role or default_role
    if not every_login or current_role == "Owner":
        return None
    wanted = role or default_role
    return wanted if wanted != current_role else None
