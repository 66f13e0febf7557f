"""Serve JustCall's Single Logout endpoint and the Single Logout settings form (thin views over ``logout``)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from justcall_sp import urls
from justcall_sp.current_user import admin_required, current_user, facade, logout_user
from justcall_sp.db import get_db
from justcall_sp.slo import logout
from justcall_sp.slo.sessions import sso_login

bp = Blueprint("sso_logout", __name__)

PageResult = str | tuple[str, int] | WerkzeugResponse


def sign_out() -> WerkzeugResponse:
    """End the JustCall session; with Single Logout on, send Okta a signed LogoutRequest for the SSO login."""
    user, login = current_user(), sso_login()
    logout_user()
    if user is not None and login is not None:
        config = current_app.config
        okta = logout.start_logout(
            get_db(current_app),
            user.account,
            login,
            urls.entity_id(current_app, user.account),
            config["CLOCK"](),
            config["ID_FACTORY"],
        )
        if okta is not None:
            return redirect(okta, 303)
    return redirect(url_for("auth.login"), 303)


@bp.post("/sso/saml/<slug>/slo")
def single_logout(slug: str) -> PageResult:
    """Take Okta's LogoutRequest (end that person's sessions, answer) or its LogoutResponse (HTTP-POST binding)."""
    param = "SAMLRequest" if "SAMLRequest" in request.form else "SAMLResponse"
    config = current_app.config
    result = logout.receive(
        get_db(current_app),
        logout.SloRequest(
            slug=slug,
            param=param,
            posted=request.form.getlist(param),
            slo_url=urls.slo_url(current_app, slug),
            entity_id=urls.entity_id(current_app, slug),
            now=config["CLOCK"](),
            max_bytes=config["MAX_RESPONSE_BYTES"],
            new_id=config["ID_FACTORY"],
        ),
    )
    if result is None:
        abort(404)
    if result.ok and result.redirect_to is not None:
        user = current_user()
        if result.ended_user_id is not None and user is not None and user.id == result.ended_user_id:
            logout_user()
        return redirect(result.redirect_to, 303)
    assert result.reject is not None
    page = render_template(
        "sso_error.html",
        user=current_user(),
        category=result.reject.category,
        detail=result.reject.user_detail,
        reference=result.reference,
    )
    return page, result.reject.http_status


@bp.post("/settings/security/sso/single-logout")
@admin_required
def save_settings() -> PageResult:
    """Turn Single Logout on or off and save the Okta Single Logout URL."""
    from justcall_sp.settings_views import render_settings

    user = current_user()
    assert user is not None
    account = facade().get_account(user.account)
    assert account is not None
    enabled = request.form.get("single_logout") is not None
    errors = facade().set_single_logout(account.slug, enabled, request.form.get("idp_slo_url", ""))
    if errors:
        return render_settings(account, errors=errors), 400
    notice = SLO_ON if enabled else "Single Logout is off: Sign out ends only the JustCall session."
    return render_settings(account, notice=notice)


SLO_ON = (
    "Single Logout is on. In Okta enable Single Logout with JustCall's Single Logout URL and SP Issuer, and upload "
    "JustCall's signing certificate as the Signature Certificate."
)
