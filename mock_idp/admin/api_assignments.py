"""Serve app assignments over the API: ``/apps/{id}/users`` and ``/apps/{id}/groups`` (assign, list, unassign)."""

from __future__ import annotations

from flask import Response

from mock_idp.admin.api_apps import find_app
from mock_idp.admin.api_base import APP_GROUPS_PAGE, APP_USERS_PAGE, api_bp, json_response, paginate, read_json
from mock_idp.admin.api_errors import not_found, validation_failed
from mock_idp.admin.api_json import app_group_json, app_user_json
from mock_idp.idp_session import current_org
from mock_idp.model import Group, SamlApp, User


def find_user(user_id: str) -> User:
    """Return the user by id or login, or raise Okta's 404 (``User``)."""
    org = current_org()
    try:
        return org.get_user(user_id)
    except KeyError:
        found = org.find_user(user_id)
        if found is None:
            raise not_found(user_id, "User") from None
        return found


def find_group(group_id: str) -> Group:
    """Return the group or raise Okta's 404 (``UserGroup``)."""
    try:
        return current_org().get_group(group_id)
    except KeyError:
        raise not_found(group_id, "UserGroup") from None


@api_bp.get("/apps/<app_id>/users")
def list_app_users(app_id: str) -> Response:
    """List everyone assigned, directly (scope USER) or through a group (scope GROUP)."""
    app = find_app(app_id)
    org = current_org()
    users = [u for u in org.users() if org.is_assigned(app.id, u.id)]
    return paginate(users, lambda u: u.id, lambda u: app_user_json(org, app, u), APP_USERS_PAGE)


@api_bp.post("/apps/<app_id>/users")
def assign_user(app_id: str) -> Response:
    """Assign a user directly: body ``{"id": "00u…", "scope": "USER", "credentials": {...}}``."""
    app = find_app(app_id)
    body = read_json()
    user_id = body.get("id")
    if not isinstance(user_id, str) or not user_id:
        raise validation_failed({"id": "The field cannot be left blank" if user_id is None else "must be a string"})
    scope = body.get("scope", "USER")
    if scope != "USER":
        raise validation_failed({"scope": "must be USER"})
    credentials = body.get("credentials", {})
    if not isinstance(credentials, dict) or not isinstance(credentials.get("userName", ""), str):
        raise validation_failed({"credentials": "must be an object with a string userName"})
    user = find_user(user_id)
    current_org().assign_user(app.id, user.id)
    return json_response(app_user_json(current_org(), app, user))


def _assigned_user(app_id: str, user_id: str, *, direct: bool) -> tuple[SamlApp, User]:
    app = find_app(app_id)
    user = find_user(user_id)
    org = current_org()
    assigned = user.id in org.assigned_user_ids(app.id) if direct else org.is_assigned(app.id, user.id)
    if not assigned:
        raise not_found(user_id, "AppUser")
    return app, user


@api_bp.get("/apps/<app_id>/users/<user_id>")
def get_app_user(app_id: str, user_id: str) -> Response:
    """Return an assigned user (404 when the user is not assigned)."""
    app, user = _assigned_user(app_id, user_id, direct=False)
    return json_response(app_user_json(current_org(), app, user))


@api_bp.post("/apps/<app_id>/users/<user_id>")
def update_app_user(app_id: str, user_id: str) -> Response:
    """Update a directly assigned user (the user name always follows the app's Application username here)."""
    read_json(required=False)
    app, user = _assigned_user(app_id, user_id, direct=True)
    return json_response(app_user_json(current_org(), app, user))


@api_bp.delete("/apps/<app_id>/users/<user_id>")
def unassign_user(app_id: str, user_id: str) -> Response:
    """Remove a direct assignment: the user's next SSO is refused unless a group still assigns them."""
    _, user = _assigned_user(app_id, user_id, direct=True)
    current_org().unassign_user(app_id, user.id)
    return Response(status=204)


@api_bp.get("/apps/<app_id>/groups")
def list_app_groups(app_id: str) -> Response:
    """List the groups assigned to the app."""
    app = find_app(app_id)
    org = current_org()
    ids = sorted(org.assigned_group_ids(app.id), key=lambda g: (org.group_assignment_priority(app.id, g), g))
    groups = [org.get_group(g) for g in ids]
    return paginate(groups, lambda g: g.id, lambda g: app_group_json(org, app, g), APP_GROUPS_PAGE)


@api_bp.get("/apps/<app_id>/groups/<group_id>")
def get_app_group(app_id: str, group_id: str) -> Response:
    """Return one group assignment (404 when the group is not assigned)."""
    app = find_app(app_id)
    group = find_group(group_id)
    if group.id not in current_org().assigned_group_ids(app.id):
        raise not_found(group_id, "ApplicationGroupAssignment")
    return json_response(app_group_json(current_org(), app, group))


@api_bp.put("/apps/<app_id>/groups/<group_id>")
def assign_group(app_id: str, group_id: str) -> Response:
    """Assign a group (optional body ``{"priority": 0, "profile": {}}``; without a priority, the next one)."""
    app = find_app(app_id)
    body = read_json(required=False)
    priority = body.get("priority")
    if priority is not None and (
        not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 100
    ):
        raise validation_failed({"priority": "must be an integer from 0 to 100"})
    if not isinstance(body.get("profile", {}), dict):
        raise validation_failed({"profile": "must be an object"})
    group = find_group(group_id)
    current_org().assign_group(app.id, group.id, priority)
    return json_response(app_group_json(current_org(), app, group))


@api_bp.delete("/apps/<app_id>/groups/<group_id>")
def unassign_group(app_id: str, group_id: str) -> Response:
    """Remove a group assignment."""
    app = find_app(app_id)
    group = find_group(group_id)
    if group.id not in current_org().assigned_group_ids(app.id):
        raise not_found(group_id, "ApplicationGroupAssignment")
    current_org().unassign_group(app.id, group.id)
    return Response(status=204)
