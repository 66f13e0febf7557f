"""Serve Okta's sign-in page and sign-out: the only place an IdP session starts or ends."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers.response import Response

from mock_idp.idp_session import current_org, safe_from_uri, start_session

bp = Blueprint("login", __name__)

# Okta's message for any failed sign-in; it never says whether the user exists.
UNABLE_TO_SIGN_IN = "Unable to sign in"


@bp.get("/login/login.htm")
def sign_in_form() -> str:
    """Show the sign-in form (fields username, password, hidden fromURI)."""
    return render_template("login.html", org=current_org(), from_uri=request.args.get("fromURI", ""), error=None)


@bp.post("/login/login.htm")
def sign_in() -> Response | tuple[str, int]:
    """Check the password, start the ``sid`` session and continue to ``fromURI`` (local paths only)."""
    org = current_org()
    username = request.form.get("username", "")
    from_uri = request.form.get("fromURI", "")
    user = org.authenticate(username, request.form.get("password", ""))
    if user is None:
        page = render_template("login.html", org=org, from_uri=from_uri, error=UNABLE_TO_SIGN_IN, username=username)
        return page, 401
    start_session(org, user)
    return redirect(safe_from_uri(from_uri))


@bp.post("/login/signout")
def sign_out() -> Response:
    """End the IdP session."""
    session.clear()
    return redirect(url_for("login.sign_in_form"))
