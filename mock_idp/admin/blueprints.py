"""Register the Admin Console, the Admin API and the inactive-app check on the IdP's Flask app."""

from __future__ import annotations

from flask import Flask

from mock_idp.admin import (
    api_apps,
    api_assignments,
    api_directory,
    app_views,
    apps_views,
    assignment_views,
    wizard_views,
)
from mock_idp.admin.api_base import api_bp
from mock_idp.admin.console import bp as console_bp
from mock_idp.admin.drafts import DraftStore
from mock_idp.admin.inactive import refuse_inactive_app

# Importing the view modules attaches their routes to the two blueprints.
VIEW_MODULES = (apps_views, wizard_views, app_views, assignment_views, api_apps, api_assignments, api_directory)


def register_admin(app: Flask) -> None:
    """Add ``/admin/...`` (console), ``/api/v1/...`` (SSWS API) and the deactivated-app refusal."""
    app.extensions["mock_okta_admin_drafts"] = DraftStore()
    app.register_blueprint(console_bp)
    app.register_blueprint(api_bp)
    app.before_request(refuse_inactive_app)
