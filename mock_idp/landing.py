"""Answer the org's ``/`` with a landing page: where to sign in, the dashboard, the Admin Console, the metadata.

People who open the org's bare URL (printed by ``saml-harness serve``) otherwise get a 404. The page reads only
the org's public API; the demo people and their passwords come from ``DEMO_PEOPLE``, which serve sets.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, url_for

from mock_idp.idp_session import current_org
from mock_idp.login import scenario_picker
from mock_idp.org import Org

bp = Blueprint("landing", __name__)


def people(org: Org) -> list[dict[str, Any]]:
    """Return who to sign in as, with their status and assigned apps as the org holds them now.

    Passwords come from serve's ``DEMO_PEOPLE`` (``login``, ``password``, optional ``role``); without it, the
    org's users are listed without passwords.
    """
    configured = current_app.config.get("DEMO_PEOPLE") or [{"login": u.login} for u in org.users()]
    rows = []
    for person in configured:
        user = org.find_user(person["login"])
        apps = [app.label for app in org.assigned_apps(user.id)] if user else []
        state = [person["role"]] if person.get("role") else []
        state.append(f"assigned: {', '.join(apps)}" if apps else "not assigned to any app")
        if user is not None and user.status != "ACTIVE":
            state.append(user.status)
        rows.append({"login": person["login"], "password": person.get("password"), "note": "; ".join(state)})
    return rows


@bp.get("/")
def landing() -> str:
    """List the org's entry points and its people."""
    org = current_org()
    links = [
        ("Sign in", url_for("login.sign_in_form"), "Okta's sign-in page"),
        ("Dashboard", url_for("dashboard.user_home"), "the end-user dashboard: one tile per assigned app"),
        ("Admin Console", "/admin/", "Applications, Sign On settings, Assignments (Super Admin)"),
    ]
    apps = [(app.label, org.metadata_url(app), org.sso_url(app)) for app in org.apps()]
    return render_template(
        "landing.html", org=org, links=links, apps=apps, people=people(org), picker=scenario_picker(), was_reset=False
    )
