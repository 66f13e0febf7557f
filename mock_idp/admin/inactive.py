"""Refuse SSO to a deactivated app (its SSO URL and its dashboard link), before the SSO views run."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from mock_idp.idp_session import current_org
from mock_idp.model import SamlApp
from mock_idp.pages import error_page

# Okta's page for a deactivated app is not documented publicly; this title and text are the mock's own.
NOT_ACTIVE_TITLE = "403 App Not Active"
NOT_ACTIVE_TEXT = (
    "Sorry, you cannot access {label} because it is not active in Okta. Please contact your administrator."
)


def _requested_app() -> SamlApp | None:
    org = current_org()
    args = request.view_args or {}
    if request.endpoint == "sso.sso":
        return org.find_app_by_key(str(args.get("external_key", "")))
    if request.endpoint == "dashboard.app_tile":
        return next((a for a in org.apps() if a.id == args.get("app_id")), None)
    return None


def refuse_inactive_app() -> ResponseReturnValue | None:
    """Answer 403 "App Not Active" for SSO to an INACTIVE app; ``None`` lets the request through."""
    app = _requested_app()
    if app is None or current_org().app_status(app.id) == "ACTIVE":
        return None
    return error_page(403, NOT_ACTIVE_TITLE, NOT_ACTIVE_TEXT.format(label=app.label))
