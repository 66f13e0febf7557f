"""Hold the Admin Console blueprint and its gate: signed in (the org's sign-in page), an admin role, CSRF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec

from flask import Blueprint, abort, g, request
from flask.typing import ResponseReturnValue

from mock_idp.admin.csrf import FIELD, csrf_token, csrf_valid
from mock_idp.admin.records import ROLE_LABELS, can_edit_apps, can_view_console
from mock_idp.idp_session import current_org, current_sign_in, to_sign_in
from mock_idp.model import SamlApp, User
from mock_idp.pages import error_page

# Real Okta serves the console on https://{org}-admin.okta.com (Okta's admin domain); this mock serves it under
# /admin on the org's own host, so one sign-in (the ``sid`` session) covers both.
bp = Blueprint("admin", __name__, url_prefix="/admin")

FORBIDDEN_TITLE = "403 Forbidden"
NOT_AN_ADMIN = (
    "You do not have permission to access the Okta Admin Console. "
    "If you think you should, contact your Super Administrator."
)
NO_PERMISSION = "You do not have permission to perform the requested action"
CSRF_FAILED = "This form has expired or was not sent from the Admin Console. Reload the page and try again."

P = ParamSpec("P")


@dataclass(frozen=True)
class Admin:
    """The signed-in admin and their role type."""

    user: User
    role: str

    @property
    def can_edit(self) -> bool:
        """Whether this admin may create and edit apps (Super Admin, Application Admin)."""
        return can_edit_apps(self.role)

    @property
    def role_label(self) -> str:
        """The role as the console names it."""
        return ROLE_LABELS.get(self.role, self.role)


def current_admin() -> Admin:
    """Return the admin the gate let in (only valid inside a ``console_view``)."""
    admin: Admin = g.admin
    return admin


def forbidden(message: str) -> tuple[str, int]:
    """Return the console's 403 page."""
    return error_page(403, FORBIDDEN_TITLE, message)


def console_view(
    *, edit: bool = False, max_body: int | None = None
) -> Callable[[Callable[P, ResponseReturnValue]], Callable[P, ResponseReturnValue]]:
    """Guard a console view: sign-in, admin role (``edit``: Super/Application Admin), CSRF on every POST.

    ``max_body`` raises the request size limit for this view (App logo uploads) before the form is read.
    """

    def decorate(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
        @wraps(view)
        def gated(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            org = current_org()
            signed_in = current_sign_in(org)
            if signed_in is None:
                return to_sign_in(request.full_path.rstrip("?") if request.method == "GET" else "/admin/")
            role = org.admin_role(signed_in.user.id)
            if role is None or not can_view_console(role):
                return forbidden(NOT_AN_ADMIN)
            if max_body is not None:
                request.max_content_length = max_body
            if request.method == "POST" and not csrf_valid(request.form.get(FIELD)):
                return forbidden(CSRF_FAILED)
            if (edit or request.method == "POST") and not can_edit_apps(role):
                return forbidden(NO_PERMISSION)
            g.admin = Admin(user=signed_in.user, role=role)
            return view(*args, **kwargs)

        return gated

    return decorate


def load_app(app_name: str, app_id: str) -> SamlApp:
    """Return the app the URL names, or answer 404 (unknown id, or the name does not match)."""
    org = current_org()
    app = next((a for a in org.apps() if a.id == app_id), None)
    if app is None or app.name != app_name:
        abort(404)
    return app


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "admin": g.get("admin"), "org": current_org()}
