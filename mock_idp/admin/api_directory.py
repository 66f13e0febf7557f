"""Serve the directory over the API: ``/users`` (list, get, appLinks) and ``/groups`` (list, get, members)."""

from __future__ import annotations

from flask import Response, request

from mock_idp.admin.api_assignments import find_group, find_user
from mock_idp.admin.api_base import (
    GROUP_APPS_PAGE,
    GROUP_MEMBERS_PAGE,
    GROUPS_PAGE,
    USERS_PAGE,
    api_bp,
    json_response,
    paginate,
)
from mock_idp.admin.api_json import app_json, app_link_json, group_json, user_json
from mock_idp.idp_session import current_org
from mock_idp.model import User


def _user_matches(user: User, q: str) -> bool:
    return any(v.lower().startswith(q) for v in (user.login, user.email, user.first_name, user.last_name))


@api_bp.get("/users")
def list_users() -> Response:
    """List users (``q`` matches login, email, first or last name by prefix; ``limit``/``after``)."""
    org = current_org()
    q = request.args.get("q", "").strip().lower()
    users = [u for u in org.users() if _user_matches(u, q)]
    return paginate(users, lambda u: u.id, lambda u: user_json(org, u, all_links=False), USERS_PAGE)


@api_bp.get("/users/<user_id>")
def get_user(user_id: str) -> Response:
    """Return one user by id or login."""
    return json_response(user_json(current_org(), find_user(user_id)))


@api_bp.get("/users/<user_id>/appLinks")
def user_app_links(user_id: str) -> Response:
    """Return the user's dashboard tiles (assigned, ACTIVE apps)."""
    org = current_org()
    user = find_user(user_id)
    return json_response([app_link_json(org, app, user, i) for i, app in enumerate(org.assigned_apps(user.id))])


@api_bp.get("/groups")
def list_groups() -> Response:
    """List groups (``q`` matches the name by prefix)."""
    org = current_org()
    q = request.args.get("q", "").strip().lower()
    groups = [g for g in org.groups() if g.name.lower().startswith(q)]
    return paginate(groups, lambda g: g.id, lambda g: group_json(org, g), GROUPS_PAGE)


@api_bp.get("/groups/<group_id>")
def get_group(group_id: str) -> Response:
    """Return one group."""
    return json_response(group_json(current_org(), find_group(group_id)))


@api_bp.get("/groups/<group_id>/users")
def group_users(group_id: str) -> Response:
    """List the group's members."""
    org = current_org()
    group = find_group(group_id)
    members = [u for u in org.users() if u.id in org.group_members(group.id)]
    return paginate(members, lambda u: u.id, lambda u: user_json(org, u, all_links=False), GROUP_MEMBERS_PAGE)


@api_bp.get("/groups/<group_id>/apps")
def group_apps(group_id: str) -> Response:
    """List the apps assigned to the group (the group's ``_links.apps``)."""
    org = current_org()
    group = find_group(group_id)
    apps = [a for a in org.apps() if group.id in org.assigned_group_ids(a.id)]
    return paginate(apps, lambda a: a.id, lambda a: app_json(org, a), GROUP_APPS_PAGE)
