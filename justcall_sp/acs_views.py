"""Serve the ACS (HTTP-POST binding) and the SP metadata of each account."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from justcall_sp import urls
from justcall_sp.current_user import facade, login_user
from justcall_sp.db import get_db
from justcall_sp.metadata import sp_metadata
from justcall_sp.slo.sessions import remember_sso_login
from justcall_sp.sso_login import AcsRequest, consume

bp = Blueprint("acs", __name__)


@bp.post("/sso/saml/<slug>/acs")
def acs(slug: str) -> tuple[str, int] | WerkzeugResponse:
    config = current_app.config
    result = consume(
        get_db(current_app),
        AcsRequest(
            slug=slug,
            posted=request.form.getlist("SAMLResponse"),
            in_query="SAMLResponse" in request.args,
            relay_state=request.form.get("RelayState"),
            acs_url=urls.acs_url(current_app, slug),
            entity_id=urls.entity_id(current_app, slug),
            now=config["CLOCK"](),
            max_response_bytes=config["MAX_RESPONSE_BYTES"],
        ),
    )
    if result is None:
        abort(404)
    if result.ok and result.user_id is not None:
        user = facade().get_user_by_id(result.user_id)
        assert user is not None
        login_user(user, expires_at=result.session_expires_at)
        if result.name_id is not None:
            remember_sso_login(user.id, result.name_id, result.name_id_format, result.session_index)
    if result.redirect_to is not None:
        return redirect(result.redirect_to, 303)
    assert result.reject is not None
    page = render_template(
        "sso_error.html",
        user=None,
        category=result.reject.category,
        detail=result.reject.user_detail,
        reference=result.reference,
    )
    return page, result.reject.http_status


@bp.get("/sso/saml/<slug>/metadata")
def metadata(slug: str) -> Response:
    if facade().get_account(slug) is None:
        abort(404)
    advanced = facade().advanced_settings(slug)
    signing = advanced.signing_certificate_pem if advanced.sign_authn_requests else None
    xml = sp_metadata(urls.entity_id(current_app, slug), urls.acs_url(current_app, slug), signing)
    return Response(xml, mimetype="application/samlmetadata+xml")
