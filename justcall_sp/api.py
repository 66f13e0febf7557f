"""Serve the JSON API: who is signed in, and the SSO activity log for admins and the harness."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from justcall_sp.current_user import current_user, facade
from justcall_sp.security import bearer_token_matches

bp = Blueprint("api", __name__, url_prefix="/api")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _error(message: str, status: int) -> ResponseReturnValue:
    return jsonify({"error": message}), status


@bp.get("/me")
def me() -> ResponseReturnValue:
    user = current_user()
    if user is None:
        return _error("not signed in", 401)
    return jsonify(
        {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role,
            "account": user.account,
        }
    )


@bp.get("/sso/activity")
def activity() -> ResponseReturnValue:
    """Entries newest first; the API token sees every account (``?account=`` narrows), an admin their own."""
    scope: dict[str, Any]
    if bearer_token_matches(current_app.config.get("API_TOKEN"), request.headers.get("Authorization")):
        scope = {"slug": request.args.get("account") or None}
    else:
        user = current_user()
        if user is None:
            return _error("not signed in", 401)
        if not user.is_admin:
            return _error("admins only", 403)
        scope = {"slug": user.account}
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        return _error(f"limit must be an integer from 1 to {MAX_LIMIT}", 400)
    entries = facade().activity(reference=request.args.get("reference") or None, limit=int(raw_limit), **scope)
    return jsonify(entries)
