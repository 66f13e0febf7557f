"""Serve the app's SAML SSO endpoint (HTTP-Redirect and HTTP-POST bindings) and its IdP metadata."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from mock_idp.authn_request import AuthnRequestError, parse_post, parse_redirect
from mock_idp.flow import continue_sso
from mock_idp.idp_session import current_org
from mock_idp.metadata import build_metadata
from mock_idp.model import LogEntry, PendingSso
from mock_idp.pages import bad_request_page, not_found_page
from mock_idp.request_signature import checked_request

bp = Blueprint("sso", __name__)

EXPIRED_STATE = "This sign-in request has expired or is not valid. Start again from the application."


@bp.route("/app/<app_name>/<external_key>/sso/saml", methods=["GET", "POST"])
def sso(app_name: str, external_key: str) -> ResponseReturnValue:
    """Accept an AuthnRequest (Redirect: query, POST: form), a stateToken, or start IdP-initiated SSO."""
    org = current_org()
    app = org.find_app_by_key(external_key)
    if app is None or app.name != app_name:
        return not_found_page()
    values = request.form if request.method == "POST" else request.args
    token = request.args.get("stateToken")
    if token:
        pending = org.peek_pending(token)
        if pending is None or pending.app_id != app.id:
            return bad_request_page(EXPIRED_STATE)
        return continue_sso(org, app, pending, token)
    relay_state = values.get("RelayState")
    if "SAMLRequest" in values:
        # A signature is checked only when the app has "Signed Requests" on (off by default, as in Okta).
        parse = parse_post if request.method == "POST" else parse_redirect
        binding = "post" if request.method == "POST" else "redirect"
        parsed = None
        try:
            parsed = parse(values["SAMLRequest"])
            authn_request = checked_request(app, parsed, binding, request.query_string)
        except AuthnRequestError as exc:
            # A refused signature still logs the request that was sent (the evidence of what was refused).
            org.record(
                LogEntry(
                    time=org.clock(),
                    flow="sp_initiated",
                    app_id=app.id,
                    user=None,
                    request_id=parsed.id if parsed else None,
                    request_xml=parsed.xml if parsed else None,
                    response_xml=None,
                    relay_state=relay_state,
                    outcome="bad_request",
                    detail=str(exc),
                )
            )
            return bad_request_page(str(exc))
        pending = PendingSso(app.id, "sp_initiated", authn_request, relay_state, org.clock())
    else:
        # Okta KB: the SSO URL without SAMLRequest starts IdP-initiated SSO and honours ?RelayState=.
        relay = relay_state if relay_state is not None else app.default_relay_state
        pending = PendingSso(app.id, "idp_initiated", None, relay, org.clock())
    return continue_sso(org, app, pending)


@bp.get("/app/<external_key>/sso/saml/metadata")
def metadata(external_key: str) -> ResponseReturnValue:
    """Return the IdP metadata for the Active certificate (or ``?kid=`` one), as ``text/xml``."""
    org = current_org()
    app = org.find_app_by_key(external_key)
    if app is None:
        return not_found_page()
    kid = request.args.get("kid")
    try:
        key = org.key(app.id, kid) if kid else org.active_key(app.id)
    except KeyError:
        return not_found_page()
    body = build_metadata(org.issuer(app), org.sso_url(app), key.credential, app.name_id_format, org.idp_slo_url(app))
    return Response(body, mimetype="text/xml")
