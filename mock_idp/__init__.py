"""Serve a mock Okta org over HTTP: sign-in page, dashboard tiles, SAML SSO endpoint and metadata.

``create_app(config)`` is the only entry point; ``app.extensions["mock_okta"]`` is the ``Org`` the
harness drives in-process.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from random import Random
from typing import Any

from flask import Flask

from mock_idp import assets, dashboard, landing, login, sso
from mock_idp.admin.blueprints import register_admin
from mock_idp.faults import OP_STAGES, OPS, FaultPlan, Op, OpContext
from mock_idp.keys import KeyPool, generate_rsa_key, make_credential
from mock_idp.org import Org, utc_now
from mock_idp.pages import register_error_handlers
from mock_idp.slo import views as slo_views

__all__ = ["OPS", "OP_STAGES", "FaultPlan", "KeyPool", "Op", "OpContext", "Org", "create_app", "make_credential"]

MAX_REQUEST_BYTES = 256 * 1024
"""Largest request body accepted (HTTP-POST AuthnRequests are far smaller); larger gets 413."""


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the mock Okta IdP app.

    Config: ``PUBLIC_URL`` (no trailing slash), ``ORG_NAME`` (default ``acme``), ``SECRET_KEY``; optional
    ``CLOCK`` (callable returning aware UTC), ``ORG_SEED`` (int, reproducible ids), ``ORG_ID_SUFFIX`` (the
    3-character tail of the org's ids, e.g. a stored identity's), ``KEY_SOURCE`` (e.g. ``KeyPool().source()``
    to reuse RSA keys in tests).
    """
    app = Flask(__name__)
    app.config.from_mapping(
        PUBLIC_URL="http://127.0.0.1",
        ORG_NAME="acme",
        # A per-process secret: sessions do not survive a restart, which a mock does not need.
        SECRET_KEY=secrets.token_hex(32),
        # Okta's session cookie is named sid (ARCHITECTURE.md: cookies ignore ports, so names differ).
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    if config:
        app.config.update(config)
    seed = app.config.get("ORG_SEED")
    app.extensions["mock_okta"] = Org(
        name=app.config["ORG_NAME"],
        public_url=app.config["PUBLIC_URL"],
        clock=app.config.get("CLOCK") or utc_now,
        rng=Random(seed) if seed is not None else None,
        key_source=app.config.get("KEY_SOURCE") or generate_rsa_key,
        id_suffix=app.config.get("ORG_ID_SUFFIX"),
    )
    app.register_blueprint(landing.bp)
    app.register_blueprint(assets.bp)
    app.register_blueprint(login.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(sso.bp)
    app.register_blueprint(slo_views.bp)
    register_admin(app)
    register_error_handlers(app)
    return app
