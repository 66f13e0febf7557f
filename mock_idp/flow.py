"""Finish an SSO request once it is known which app and which request: sign-in, assignment, response."""

from __future__ import annotations

from dataclasses import replace

from flask import render_template, url_for
from flask.typing import ResponseReturnValue

from mock_idp import pipeline
from mock_idp.idp_session import current_sign_in, note_app_session, to_sign_in
from mock_idp.model import LogEntry, PendingSso, SamlApp
from mock_idp.org import Org
from mock_idp.pages import not_assigned_page


def sso_path(app: SamlApp) -> str:
    """Return the app's SSO endpoint path (where a pending request continues after sign-in)."""
    return url_for("sso.sso", app_name=app.name, external_key=app.external_key)


def continue_sso(org: Org, app: SamlApp, pending: PendingSso, token: str | None = None) -> ResponseReturnValue:
    """Answer ``pending`` for the signed-in user, or park it under a stateToken and ask for sign-in."""
    signed_in = current_sign_in(org)
    request = pending.request
    # ForceAuthn="true" with "Honor Force Authentication" = Yes: an older session does not count.
    forced = request is not None and request.force_authn and app.honor_force_authn
    if signed_in is None or (forced and signed_in.auth_time < pending.created):
        token = token or org.stash_pending(pending)
        return to_sign_in(f"{sso_path(app)}?stateToken={token}")
    if token:
        org.drop_pending(token)
    user = signed_in.user
    request_id = request.id if request is not None else None
    entry = LogEntry(
        time=org.clock(),
        flow=pending.flow,
        app_id=app.id,
        user=user.email,
        request_id=request_id,
        request_xml=request.xml if request is not None else None,
        response_xml=None,
        relay_state=pending.relay_state,
    )
    if not org.is_assigned(app.id, user.id):
        org.record(replace(entry, outcome="not_assigned", detail="User attempted unauthorized access to app"))
        return not_assigned_page(app.label)
    plan = org.take_plan(user.email)
    login = pipeline.Login(
        app=app,
        user=user,
        auth_time=signed_in.auth_time,
        request_id=request_id,
        group_names=tuple(org.get_group(g).name for g in org.group_ids_of(user.id)),
        group_statements=org.app_extras(app.id).group_attribute_statements,
    )
    credential = org.signing_credential(app.id, plan.signing.get("key"))
    issued = pipeline.issue(login, plan, credential, now=org.clock(), ids=org.ids)
    org.record(replace(entry, response_xml=issued.xml))
    note_app_session(app.id, app.username_for(user), issued.session_index)
    # The response always goes to the Single sign-on URL: Okta ignores an AssertionConsumerServiceURL it
    # does not know (Okta's "Other Requestable SSO URLs" setting).
    return render_template(
        "post.html", org=org, acs=app.sso_url, saml_response=issued.b64, relay_state=pending.relay_state or ""
    )
