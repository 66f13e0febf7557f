"""Serve the org's stock images: the default app logo and the group logos the Admin API links to.

Why: real Okta links every app and group to logos on its CDN; the mock's links must answer from the org itself
(loopback only, nothing fetched from outside).
"""

from __future__ import annotations

import base64

from flask import Blueprint, Response

bp = Blueprint("assets", __name__)

# A 1x1 transparent PNG: the mock's stand-in for every stock logo.
STOCK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
DEFAULT_APP_LOGO = "/assets/img/logos/default.png"
GROUP_LOGOS = {"medium": "/assets/img/logos/groups/okta-medium.png", "large": "/assets/img/logos/groups/okta-large.png"}


@bp.get(DEFAULT_APP_LOGO)
@bp.get(GROUP_LOGOS["medium"])
@bp.get(GROUP_LOGOS["large"])
def stock_logo() -> Response:
    """Serve a stock logo (the same small PNG for each)."""
    return Response(STOCK_PNG, mimetype="image/png", headers={"Cache-Control": "public, max-age=86400"})
