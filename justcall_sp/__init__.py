"""The bundled JustCall service provider: the SAML SP the help article describes, as a Flask app.

``create_app(config)`` returns the app; ``app.extensions["justcall"]`` is the ``JustCall`` facade.
This package never imports ``mock_idp`` (a bug shared with the IdP would cancel out); it imports only
constants from ``saml_xmlns``.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask

from justcall_sp import db, errors, security
from justcall_sp.service import JustCall
from justcall_sp.timeutil import utc_now

__all__ = ["DEFAULTS", "create_app"]

MAX_RESPONSE_BYTES_DEFAULT = 256 * 1024


def new_request_id() -> str:
    """Return an AuthnRequest ID: ``_`` + 32 hex digits (an xs:ID must not start with a digit)."""
    return f"_{uuid.uuid4().hex}"


DEFAULTS: Mapping[str, Any] = {
    "PUBLIC_URL": None,
    "DATABASE_URL": None,
    "API_TOKEN": None,
    "CLOCK": utc_now,
    "ID_FACTORY": new_request_id,
    "SESSION_COOKIE_NAME": "justcall_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_RESPONSE_BYTES": MAX_RESPONSE_BYTES_DEFAULT,
    "PASSWORD_HASH_METHOD": "scrypt",
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the JustCall SP app: config layers, database (schema created), blueprints, error pages."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    if config:
        app.config.update(config)
    # The whole request may carry a SAMLResponse up to MAX_RESPONSE_BYTES plus RelayState and encoding
    # overhead; anything bigger is cut off by Werkzeug (413) before a form is parsed. Below that, the ACS
    # itself refuses oversized responses with input.too_large and a log entry.
    limit = int(app.config["MAX_RESPONSE_BYTES"]) * 4 + 64 * 1024
    for key in ("MAX_CONTENT_LENGTH", "MAX_FORM_MEMORY_SIZE"):
        if not config or key not in config:
            app.config[key] = limit

    db.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    app.extensions["justcall"] = JustCall(app)

    from justcall_sp import acs_views, api, auth_views, pages_views, settings_views
    from justcall_sp.slo import views as slo_views

    for blueprint in (auth_views.bp, pages_views.bp, acs_views.bp, settings_views.bp, api.bp, slo_views.bp):
        app.register_blueprint(blueprint)
    return app
