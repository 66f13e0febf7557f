"""Serve Okta's Single Logout endpoint per app and the dashboard's Sign out (thin views over ``logout``)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from mock_idp.idp_session import SLO_QUEUE_KEY, app_sessions, current_org, current_sign_in, end_session
from mock_idp.model import SamlApp
from mock_idp.org import Org
from mock_idp.pages import bad_request_page, not_found_page
from mock_idp.request_signature import RequestSignatureError
from mock_idp.slo import logout
from mock_idp.slo.messages import LogoutMessageError

bp = Blueprint("slo", __name__)

PENDING_KEY = "slo_pending"
"""Session key: the ID of the LogoutRequest Okta sent and awaits an answer to (Okta-initiated logout)."""


def _post_page(org: Org, action: str, field: str, value: str, relay_state: str | None) -> ResponseReturnValue:
    return render_template("slo_post.html", org=org, action=action, field=field, value=value, relay_state=relay_state)


@bp.route("/app/<app_name>/<external_key>/slo/saml", methods=["GET", "POST"])
def single_logout(app_name: str, external_key: str) -> ResponseReturnValue:
    """Take an app's LogoutRequest (SP-initiated) or its LogoutResponse (to Okta's own LogoutRequest)."""
    org = current_org()
    app = org.find_app_by_key(external_key)
    if app is None or app.name != app_name:
        return not_found_page()
    values = request.form if request.method == "POST" else request.args
    try:
        received = logout.receive(org, app, values, request.method == "GET", request.query_string.decode("latin-1"))
    except (LogoutMessageError, RequestSignatureError) as exc:
        # Okta KB "SLO Fails with Malformed Request": a logout message Okta cannot use gets its 400 page, and the
        # Okta session is left as it was.
        return bad_request_page(str(exc))
    if received.kind == "response":
        if session.get(PENDING_KEY) != received.in_response_to:
            return bad_request_page("This logout response does not answer a logout request Okta sent.")
        session.pop(PENDING_KEY, None)
        return continue_sign_out(org)
    answer = logout.answer_request(org, app, received, _signed_in_name_id(org, app))
    if answer.ends_session:
        end_session()
    return _post_page(org, app.slo_url, "SAMLResponse", answer.saml_response, values.get("RelayState"))


def _signed_in_name_id(org: Org, app: SamlApp) -> str | None:
    signed_in = current_sign_in(org)
    return None if signed_in is None else app.username_for(signed_in.user)


def sign_out() -> ResponseReturnValue:
    """End the Okta session, then send a LogoutRequest to each app with Single Logout on used in it, in turn."""
    org = current_org()
    queue = [list(entry) for entry in app_sessions() if _slo_on(org, entry[0])]
    end_session()
    session[SLO_QUEUE_KEY] = queue
    return continue_sign_out(org)


def _slo_on(org: Org, app_id: str) -> bool:
    app = next((a for a in org.apps() if a.id == app_id), None)
    return app is not None and app.slo_enabled and bool(app.slo_url)


def continue_sign_out(org: Org) -> ResponseReturnValue:
    """Send the next queued LogoutRequest (POST binding, auto-submitted), or show the sign-in page when done."""
    queue = session.get(SLO_QUEUE_KEY) or []
    while queue:
        app_id, name_id, session_index = (str(v) for v in queue.pop(0))
        session[SLO_QUEUE_KEY] = queue
        app = next((a for a in org.apps() if a.id == app_id), None)
        if app is None or not app.slo_enabled:
            continue
        sent = logout.request_for(org, app, name_id, session_index)
        session[PENDING_KEY] = sent.id
        return _post_page(org, app.slo_url, "SAMLRequest", sent.saml_request, None)
    session.pop(SLO_QUEUE_KEY, None)
    return redirect(url_for("login.sign_in_form"))
