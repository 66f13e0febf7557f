"""Serve Okta's sign-in page and sign-out: the only place an IdP session starts or ends."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers.response import Response

from mock_idp.idp_session import current_org, safe_from_uri, start_session

bp = Blueprint("login", __name__)

# Okta's message for any failed sign-in; it never says whether the user exists.
UNABLE_TO_SIGN_IN = "Unable to sign in"


def scenario_picker() -> Any:
    """Return the QA scenario picker the harness installed in serve mode (``SCENARIO_PICKER``), or None.

    It has ``choices() -> list[(id, title)]`` and ``arm(email, scenario_id)``; the IdP knows no scenarios itself.
    """
    return current_app.config.get("SCENARIO_PICKER")


@bp.get("/login/login.htm")
def sign_in_form() -> str:
    """Show the sign-in form (fields username, password, hidden fromURI)."""
    return render_template(
        "login.html", org=current_org(), from_uri=request.args.get("fromURI", ""), error=None, picker=scenario_picker()
    )


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
    if picker is not None and chosen:
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
def sign_out() -> Response:
    """End the IdP session."""
    session.clear()
    return redirect(url_for("login.sign_in_form"))
