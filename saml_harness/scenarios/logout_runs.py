"""Run a logout case: sign in, log out as the scenario says, and ask both sides who is signed in.

The LogoutRequests the harness delivers itself are made with the mock Okta's own message builder, so the only
thing wrong with them is what the scenario names (no signature, a key the SP does not trust, another person).
"""

from __future__ import annotations

from saml_harness.agent import logout as agent
from saml_harness.agent.flows import judge, run_flow
from saml_harness.agent.outcome import Outcome
from saml_harness.agent.user_agent import FlowError, UserAgent
from saml_harness.deploy.wiring import Deployment
from saml_harness.scenarios.catalogue import Scenario

OTHER_PERSON = ("existing", "second")
"""Whom ``other_person_request`` names: the first of these who is not the scenario's user (already a JustCall user)."""


def run_logout(deployment: Deployment, scenario: Scenario, flow: str, ua: UserAgent) -> Outcome:
    """Sign the scenario's user in, log out as ``scenario.logout`` says, and return the Outcome after it."""
    target, idp = deployment.target, deployment.idp
    credentials = deployment.credentials(scenario.user)
    signed_in = run_flow(flow, ua, target, idp, credentials)
    if not signed_in.accepted:
        return signed_in
    kind = scenario.logout
    if kind == "sp":
        page = agent.sign_out_at_sp(ua, deployment.sp_url)
    elif kind == "okta":
        page = agent.sign_out_at_okta(ua, idp)
    elif kind == "replayed_request":
        agent.sign_out_at_okta(ua, idp)
        captured = _okta_logout_request(ua, _sp_slo_url(deployment))
        again = run_flow(flow, ua, target, idp, credentials)
        if not again.accepted:
            raise FlowError(f"sign-in after Okta's logout failed: {again.explain()}")
        page = agent.deliver(ua, _sp_slo_url(deployment), "SAMLRequest", captured)
    else:
        other = _other_person(deployment, scenario.user)
        message = forged_logout_request(deployment, kind, credentials.username, other)
        page = agent.deliver(ua, _sp_slo_url(deployment), "SAMLRequest", message)
    outcome = judge(ua, target, page, note=f"after logout ({kind})")
    outcome.signed_in_after = {"sp": outcome.identity, "okta": agent.okta_signed_in(ua, idp)}
    return outcome


def _sp_slo_url(deployment: Deployment) -> str:
    return deployment.bundled_sp.slo_urls(deployment.demo.account.slug)[0]


def _other_person(deployment: Deployment, user_role: str) -> str:
    role = next(r for r in OTHER_PERSON if r != user_role)
    return deployment.demo.person(role).email


def _okta_logout_request(ua: UserAgent, sp_slo_url: str) -> str:
    """Return the SAMLRequest Okta's Sign out posted to the SP (what an attacker could have captured)."""
    for hop in reversed(ua.trace.hops):
        if hop.method == "POST" and hop.url == sp_slo_url and "SAMLRequest" in hop.form:
            return hop.form["SAMLRequest"]
    raise FlowError(f"Okta's Sign out sent no LogoutRequest to {sp_slo_url}:\n{ua.trace.render()}")


def forged_logout_request(deployment: Deployment, kind: str, email: str, other_email: str) -> str:
    """Return an Okta-shaped LogoutRequest (POST form value) for ``email``'s session, wrong as ``kind`` says."""
    from mock_idp.signing import sign_message
    from mock_idp.slo import logout, messages

    org, app = deployment.okta, deployment.okta_app
    if kind == "other_person_request":
        return logout.request_for(org, app, other_email, "").saml_request
    root = messages.logout_request(app.issuer, app.slo_url, email, None, org.clock(), app.name_id_format)
    if kind == "other_key_request":
        sign_message(root, org.special_credential("other"), app.signature_algorithm)
    elif kind != "unsigned_request":
        raise ValueError(f"unknown logout {kind!r}")
    return messages.post_value(root)
