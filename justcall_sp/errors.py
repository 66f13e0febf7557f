"""Answer HTTP errors with plain pages (JSON under /api/), never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from justcall_sp.current_user import current_user

HANDLED = (400, 401, 403, 404, 405, 413, 500)

_FRIENDLY = {
    400: "The request could not be understood.",
    401: "Please sign in.",
    403: "You do not have access to this page.",
    404: "This page does not exist.",
    405: "This address does not accept that kind of request.",
    413: "The request is too large.",
    500: "Something went wrong on our side. Please try again.",
}


def _safe_user() -> object:
    try:
        return current_user()
    except Exception:  # the error page must render even when the database is what failed
        return None


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    """Render the error page; a view's own description is shown for 4xx, never details of a 500."""
    code = error.code or 500
    message = _FRIENDLY.get(code, "")
    if code < 500 and error.description and error.description != type(error).description:
        message = error.description
    allow = {k: v for k, v in error.get_headers() if k == "Allow"}
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), code, allow
    page = render_template("error.html", user=_safe_user(), code=code, name=error.name, message=message)
    return page, code, allow


def init_app(app: Flask) -> None:
    for code in HANDLED:
        app.register_error_handler(code, handle_http_error)
