"""Render the IdP's error pages (Okta's titles and texts) and register the app's error handlers."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from werkzeug.exceptions import HTTPException

from mock_idp.authn_request import AuthnRequestError

# Okta KB "App Sign-on Error 403 User attempted unauthorized access to app".
NOT_ASSIGNED_TITLE = "403 App Not Assigned"
NOT_ASSIGNED_TEXT = (
    "Sorry, you cannot access {label} because you are not assigned this app in Okta. "
    "If you're wondering why this is happening, please contact your administrator."
)
BAD_REQUEST_TITLE = "400 Bad Request"
NOT_FOUND_TITLE = "404 Page Not Found"


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    """Return an Okta-style error page with ``<title>{title}</title>`` under the org's header."""
    org = current_app.extensions.get("mock_okta")
    return render_template("error.html", title=title, message=message, status=status, org=org), status


def not_assigned_page(label: str) -> tuple[str, int]:
    """Return the "403 App Not Assigned" page for app ``label``."""
    return error_page(403, NOT_ASSIGNED_TITLE, NOT_ASSIGNED_TEXT.format(label=label))


def bad_request_page(message: str) -> tuple[str, int]:
    """Return the "400 Bad Request" page with a clear reason."""
    return error_page(400, BAD_REQUEST_TITLE, message)


def not_found_page() -> tuple[str, int]:
    """Return the 404 page."""
    return error_page(404, NOT_FOUND_TITLE, "The page you are looking for can't be found.")


def register_error_handlers(app: Flask) -> None:
    """Turn every error into a plain page: bad input is a 4xx with a message, never a stack trace."""

    @app.errorhandler(AuthnRequestError)
    def _bad_saml_request(exc: AuthnRequestError) -> tuple[str, int]:
        return bad_request_page(str(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[str, int]:
        if exc.code == 404:
            return not_found_page()
        status = exc.code or 500
        return error_page(status, f"{status} {exc.name}", exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[str, int]:
        app.logger.exception("unexpected error in the mock IdP")
        return error_page(500, "500 Internal Server Error", "Something went wrong in the mock Okta org.")
