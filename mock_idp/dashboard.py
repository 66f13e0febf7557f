"""Serve the end-user dashboard (one tile per assigned app) and the tiles' IdP-initiated SSO links."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from mock_idp.flow import continue_sso
from mock_idp.idp_session import current_org, current_sign_in, to_sign_in
from mock_idp.model import PendingSso
from mock_idp.pages import not_found_page

bp = Blueprint("dashboard", __name__)


@bp.get("/app/UserHome")
def user_home() -> ResponseReturnValue:
    """List the signed-in user's assigned apps as ``<a class="app-tile">`` tiles."""
    org = current_org()
    signed_in = current_sign_in(org)
    if signed_in is None:
        return to_sign_in(request.path)
    tiles = org.assigned_apps(signed_in.user.id)
    return render_template("dashboard.html", org=org, user=signed_in.user, tiles=tiles)


@bp.get("/home/<app_name>/<app_id>/<link_id>")
def app_tile(app_name: str, app_id: str, link_id: str) -> ResponseReturnValue:
    """Start IdP-initiated SSO from a tile; RelayState is the app's Default RelayState."""
    org = current_org()
    app = next((a for a in org.apps() if a.id == app_id), None)
    if app is None or app.name != app_name or app.link_id != link_id:
        return not_found_page()
    if current_sign_in(org) is None:
        return to_sign_in(request.path)
    pending = PendingSso(
        app_id=app.id, flow="idp_initiated", request=None, relay_state=app.default_relay_state, created=org.clock()
    )
    return continue_sso(org, app, pending)
