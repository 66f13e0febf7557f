"""Serve the Assignments tab: Assign -> Assign to People / Assign to Groups -> Save and Go Back, and removal."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from mock_idp.admin.console import bp, console_view, load_app
from mock_idp.idp_session import current_org
from mock_idp.model import Group, SamlApp, User

MAX_ROWS = 200
"""Candidates listed per page (use Search to narrow)."""


def _matches(q: str, *texts: str) -> bool:
    return not q or any(text.lower().startswith(q) or q in text.lower() for text in texts)


@bp.get("/app/<app_name>/instance/<app_id>/assignments")
@console_view()
def app_assignments(app_name: str, app_id: str) -> ResponseReturnValue:
    """List who is assigned: people (directly or through a group) and groups."""
    app = load_app(app_name, app_id)
    org = current_org()
    direct = org.assigned_user_ids(app.id)
    group_ids = org.assigned_group_ids(app.id)
    groups = sorted((org.get_group(g) for g in group_ids), key=lambda g: g.name.lower())
    people = []
    for user in sorted(org.users(), key=lambda u: u.login.lower()):
        via = [g.name for g in groups if user.id in org.group_members(g.id)]
        if user.id in direct or via:
            people.append((user, user.id in direct, via))
    return render_template(
        "admin/app_assignments.html",
        nav="applications",
        app=app,
        tab="assignments",
        extras=org.app_extras(app.id),
        notice=None,
        people=people,
        groups=[(g, len(org.group_members(g.id))) for g in groups],
    )


def _list_page(app: SamlApp, kind: str, rows: list[tuple[str, str, str, bool]], q: str) -> str:
    return render_template(
        "admin/assign_list.html",
        nav="applications",
        app=app,
        kind=kind,
        kind_title="People" if kind == "people" else "Groups",
        rows=rows[:MAX_ROWS],
        q=q,
        notice=request.args.get("assigned") and f"Assigned {request.args['assigned']}.",
        confirm_endpoint="admin.confirm_person" if kind == "people" else "admin.confirm_group",
    )


@bp.get("/app/<app_name>/instance/<app_id>/assignments/people")
@console_view()
def assign_people(app_name: str, app_id: str) -> ResponseReturnValue:
    """ "Assign to People": every user with an Assign button (or Assigned), searchable."""
    app = load_app(app_name, app_id)
    org = current_org()
    q = request.args.get("q", "").strip().lower()
    direct = org.assigned_user_ids(app.id)
    rows = [
        (u.id, f"{u.first_name} {u.last_name}", u.login, u.id in direct)
        for u in sorted(org.users(), key=lambda u: u.login.lower())
        if u.status == "ACTIVE" and _matches(q, u.login, u.first_name, u.last_name)
    ]
    return _list_page(app, "people", rows, q)


@bp.get("/app/<app_name>/instance/<app_id>/assignments/groups")
@console_view()
def assign_groups(app_name: str, app_id: str) -> ResponseReturnValue:
    """ "Assign to Groups": every group with an Assign button (or Assigned), searchable."""
    app = load_app(app_name, app_id)
    org = current_org()
    q = request.args.get("q", "").strip().lower()
    assigned = org.assigned_group_ids(app.id)
    rows = [
        (g.id, g.name, f"{len(org.group_members(g.id))} members", g.id in assigned)
        for g in sorted(org.groups(), key=lambda g: g.name.lower())
        if _matches(q, g.name)
    ]
    return _list_page(app, "groups", rows, q)


def _user(user_id: str) -> User:
    try:
        return current_org().get_user(user_id)
    except KeyError:
        abort(404)


def _group(group_id: str) -> Group:
    try:
        return current_org().get_group(group_id)
    except KeyError:
        abort(404)


@bp.route("/app/<app_name>/instance/<app_id>/assignments/people/<target_id>", methods=["GET", "POST"])
@console_view(edit=True)
def confirm_person(app_name: str, app_id: str, target_id: str) -> ResponseReturnValue:
    """Confirm one person (User Name from the app's Application username); Save and Go Back assigns at once."""
    app = load_app(app_name, app_id)
    user = _user(target_id)
    back = url_for("admin.assign_people", app_name=app.name, app_id=app.id)
    if request.method == "POST":
        current_org().assign_user(app.id, user.id)
        return redirect(url_for("admin.assign_people", app_name=app.name, app_id=app.id, assigned=user.login))
    return render_template(
        "admin/assign_confirm.html",
        nav="applications",
        app=app,
        kind_title="People",
        title=f"{user.first_name} {user.last_name}",
        detail=user.login,
        username=app.username_for(user),
        back_url=back,
    )


@bp.route("/app/<app_name>/instance/<app_id>/assignments/groups/<target_id>", methods=["GET", "POST"])
@console_view(edit=True)
def confirm_group(app_name: str, app_id: str, target_id: str) -> ResponseReturnValue:
    """Confirm one group; Save and Go Back assigns the app to every member at once."""
    app = load_app(app_name, app_id)
    group = _group(target_id)
    back = url_for("admin.assign_groups", app_name=app.name, app_id=app.id)
    if request.method == "POST":
        current_org().assign_group(app.id, group.id)
        return redirect(url_for("admin.assign_groups", app_name=app.name, app_id=app.id, assigned=group.name))
    return render_template(
        "admin/assign_confirm.html",
        nav="applications",
        app=app,
        kind_title="Groups",
        title=group.name,
        detail=f"{len(current_org().group_members(group.id))} members",
        username=None,
        back_url=back,
    )


@bp.post("/app/<app_name>/instance/<app_id>/assignments/people/<user_id>/remove")
@console_view(edit=True)
def unassign_user(app_name: str, app_id: str, user_id: str) -> ResponseReturnValue:
    """Remove a direct assignment: the person's next SSO is refused (unless a group still assigns them)."""
    app = load_app(app_name, app_id)
    current_org().unassign_user(app.id, _user(user_id).id)
    return redirect(url_for("admin.app_assignments", app_name=app.name, app_id=app.id))


@bp.post("/app/<app_name>/instance/<app_id>/assignments/groups/<group_id>/remove")
@console_view(edit=True)
def unassign_group(app_name: str, app_id: str, group_id: str) -> ResponseReturnValue:
    """Remove a group assignment."""
    app = load_app(app_name, app_id)
    current_org().unassign_group(app.id, _group(group_id).id)
    return redirect(url_for("admin.app_assignments", app_name=app.name, app_id=app.id))
