"""Serve the console's Dashboard, Applications list, "Create App Integration" and app logos."""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from mock_idp.admin.console import bp, console_view, current_admin
from mock_idp.admin.drafts import DraftStore
from mock_idp.idp_session import current_org

ONLY_SAML = "Select SAML 2.0: only SAML 2.0 integrations can be created in this mock org."


def drafts() -> DraftStore:
    """Return the app's wizard drafts."""
    store: DraftStore = current_app.extensions["mock_okta_admin_drafts"]
    return store


@bp.get("/")
@console_view()
def home() -> ResponseReturnValue:
    """Send /admin to the Dashboard."""
    return redirect(url_for("admin.dashboard"))


@bp.get("/dashboard")
@console_view()
def dashboard() -> ResponseReturnValue:
    """Show the Dashboard (counts only)."""
    org = current_org()
    return render_template(
        "admin/dashboard.html",
        nav="dashboard",
        app_count=len(org.apps()),
        people_count=len(org.users()),
        group_count=len(org.groups()),
    )


@bp.get("/apps/active")
@console_view()
def applications() -> ResponseReturnValue:
    """List the app integrations (Applications -> Applications)."""
    org = current_org()
    rows = []
    for app in sorted(org.apps(), key=lambda a: a.label.lower()):
        extras = org.app_extras(app.id)
        rows.append((app, extras.status, extras.logo is not None))
    return render_template("admin/applications.html", nav="applications", rows=rows)


@bp.route("/apps/create", methods=["GET", "POST"])
@console_view(edit=True)
def create_app() -> ResponseReturnValue:
    """Ask for the sign-in method ("Create App Integration"), then start the SAML wizard."""
    if request.method == "GET":
        return render_template("admin/create.html", nav="applications", error=None)
    if request.form.get("sign_in_method") != "SAML_2_0":
        return render_template("admin/create.html", nav="applications", error=ONLY_SAML), 400
    draft = drafts().start(current_admin().user.id)
    return redirect(url_for("admin.wizard_general", draft_id=draft.id))


@bp.get("/app/<app_id>/logo")
@console_view()
def app_logo(app_id: str) -> ResponseReturnValue:
    """Serve an app's uploaded logo."""
    try:
        logo = current_org().app_extras(app_id).logo
    except KeyError:
        abort(404)
    if logo is None:
        abort(404)
    return Response(logo.data, mimetype=logo.mimetype, headers={"X-Content-Type-Options": "nosniff"})
