"""Serve password sign-in, Sign in with SSO (start of SP-initiated SSO) and sign-out."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from justcall_sp.current_user import current_user, facade, login_user
from justcall_sp.db import get_db
from justcall_sp.password_login import password_login
from justcall_sp.slo import views as slo_views
from justcall_sp.sso_start import begin_login
from justcall_sp.urls import safe_local_path

bp = Blueprint("auth", __name__)

PageResult = str | tuple[str, int] | WerkzeugResponse


@bp.route("/login", methods=["GET", "POST"])
def login() -> PageResult:
    next_path = safe_local_path(request.values.get("next"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(next_path)
        return render_template("login.html", user=None, error=None, email="", next_path=next_path)
    email = request.form.get("email", "")
    decision = password_login(
        get_db(current_app), email, request.form.get("password", ""), current_app.config["PASSWORD_HASH_METHOD"]
    )
    if decision.user_id is None:
        page = render_template("login.html", user=None, error=decision.error, email=email, next_path=next_path)
        return page, decision.status
    user = facade().get_user_by_id(decision.user_id)
    assert user is not None
    login_user(user)
    return redirect(next_path, 303)


@bp.route("/login/sso", methods=["GET", "POST"])
def login_sso() -> PageResult:
    next_path = safe_local_path(request.values.get("next"))
    email = request.values.get("email", "")
    if request.method == "GET" and not email:
        return render_template("login_sso.html", user=current_user(), error=None, email="", next_path=next_path)
    config = current_app.config
    start = begin_login(get_db(current_app), current_app, email, next_path, config["CLOCK"](), config["ID_FACTORY"])
    if start.reference is not None:
        page = render_template(
            "sso_error.html",
            user=current_user(),
            category=start.error,
            detail=start.user_detail,
            reference=start.reference,
        )
        return page, start.status
    if start.redirect_url is None:
        page = render_template(
            "login_sso.html", user=current_user(), error=start.error, email=email, next_path=next_path
        )
        return page, start.status
    return redirect(start.redirect_url, 302)


@bp.post("/logout")
def logout() -> WerkzeugResponse:
    """Sign out (and, with Single Logout on, out of Okta too: ``slo.views.sign_out``)."""
    return slo_views.sign_out()
