"""Serve Okta's sign-in page and sign-out: the only place an IdP session starts or ends."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers.response import Response

from mock_idp.idp_session import current_org, safe_from_uri, start_session
from mock_idp.pages import not_found_page
from mock_idp.slo import views as slo_views

bp = Blueprint("login", __name__)

# Okta's message for any failed sign-in; it never says whether the user exists.
UNABLE_TO_SIGN_IN = "Unable to sign in"
NO_SCENARIO = "none"
"""The chooser's default choice (a radio needs a value: an empty one submits "on" in some user agents)."""


def scenario_picker() -> Any:
    """Return the QA scenario picker the harness installed in serve mode (``SCENARIO_PICKER``), or None.

    It has ``groups() -> [(group, [choice])]`` (a choice: id, title, expected, troubleshooting, setup, search),
    ``arm(email, scenario_id)``, ``reset()`` and ``changed_by`` (armed scenarios that changed the deployment);
    the IdP knows no scenarios itself.
    """
    return current_app.config.get("SCENARIO_PICKER")


@bp.get("/login/login.htm")
def sign_in_form() -> str:
    """Show the sign-in form (fields username, password, hidden fromURI)."""
    return render_template(
        "login.html",
        org=current_org(),
        from_uri=request.args.get("fromURI", ""),
        error=None,
        picker=scenario_picker(),
        was_reset=request.args.get("reset") == "1",
    )


@bp.post("/login/qa-reset")
def reset_demo() -> Response | tuple[str, int]:
    """Restore the demo deployment after a scenario changed it for everyone (serve mode only)."""
    picker = scenario_picker()
    if picker is None:
        return not_found_page()
    picker.reset()
    return redirect(url_for("login.sign_in_form", reset="1"))


@bp.post("/login/login.htm")
def sign_in() -> Response | tuple[str, int]:
    """Check the password, start the ``sid`` session and continue to ``fromURI`` (local paths only)."""
    org = current_org()
    username = request.form.get("username", "")
    from_uri = request.form.get("fromURI", "")
    user = org.authenticate(username, request.form.get("password", ""))
    picker = scenario_picker()
    if user is None:
        page = render_template(
            "login.html", org=org, from_uri=from_uri, error=UNABLE_TO_SIGN_IN, username=username, picker=picker
        )
        return page, 401
    chosen = request.form.get("scenario", "")
    if picker is not None and chosen not in ("", NO_SCENARIO):
        try:
            picker.arm(user.login, chosen)
        except KeyError:
            page = render_template(
                "login.html",
                org=org,
                from_uri=from_uri,
                error=f"Unknown scenario {chosen!r}",
                username=username,
                picker=picker,
            )
            return page, 400
    start_session(org, user)
    return redirect(safe_from_uri(from_uri))


@bp.post("/login/signout")
def sign_out() -> ResponseReturnValue:
    """End the IdP session, and with it the sessions of the apps with Single Logout on (``slo.views``)."""
    return slo_views.sign_out()
