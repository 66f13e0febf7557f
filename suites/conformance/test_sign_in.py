"""Prove the help article's "User Login Flow" works both ways against the SP under test, over real HTTP."""

from __future__ import annotations

import pytest

from saml_harness.agent.flows import FLOWS, IDP_INITIATED, SP_INITIATED, Credentials, judge, run_flow
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment

pytestmark = pytest.mark.usefixtures("deployment")


def me(ua: UserAgent, deployment: Deployment) -> dict[str, str]:
    page = ua.get(f"{deployment.sp_url}/api/me")
    assert page.status == 200, page.text
    body = page.json()
    assert isinstance(body, dict)
    return body


@pytest.mark.parametrize("flow", FLOWS)
def test_assigned_user_signs_in(flow: str, deployment: Deployment, user_agent: UserAgent) -> None:
    person = deployment.demo.person("assigned")
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert outcome.accepted, outcome.explain()
    assert outcome.identity == person.email
    assert outcome.trace.last_response is not None, "no SAMLResponse crossed the wire"


@pytest.mark.parametrize("flow", FLOWS)
def test_group_member_signs_in_through_group_assignment(
    flow: str, deployment: Deployment, user_agent: UserAgent
) -> None:
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("group_member"))
    assert outcome.accepted, outcome.explain()
    assert outcome.identity == deployment.demo.person("group_member").email


@pytest.mark.bundled_only
@pytest.mark.parametrize("flow", FLOWS)
def test_first_login_creates_user_with_default_role(flow: str, deployment: Deployment, user_agent: UserAgent) -> None:
    person = deployment.demo.person("assigned")
    assert deployment.justcall.get_user(person.email) is None
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert outcome.accepted, outcome.explain()
    profile = me(user_agent, deployment)
    assert profile["role"] == deployment.demo.default_role
    assert (profile["first_name"], profile["last_name"]) == (person.first_name, person.last_name)
    assert profile["account"] == deployment.demo.account.slug


@pytest.mark.bundled_only
@pytest.mark.parametrize("flow", FLOWS)
def test_existing_user_keeps_their_role(flow: str, deployment: Deployment, user_agent: UserAgent) -> None:
    existing = deployment.demo.existing_user
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("existing"))
    assert outcome.accepted, outcome.explain()
    assert me(user_agent, deployment)["role"] == existing.role != deployment.demo.default_role


@pytest.mark.bundled_only
def test_sp_initiated_relay_state_deep_link_lands_on_page(deployment: Deployment, user_agent: UserAgent) -> None:
    outcome = run_flow(
        SP_INITIATED,
        user_agent,
        deployment.target,
        deployment.idp,
        deployment.credentials("assigned"),
        "/calls",
    )
    assert outcome.accepted, outcome.explain()
    assert outcome.final_url == f"{deployment.sp_url}/calls"
    request = outcome.trace.last_request
    assert request is not None and request.binding == "redirect"


@pytest.mark.bundled_only
def test_idp_initiated_default_relay_state_lands_on_page(deployment: Deployment, user_agent: UserAgent) -> None:
    deployment.okta.update_saml_app(deployment.app.id, default_relay_state="/contacts")
    outcome = run_flow(IDP_INITIATED, user_agent, deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert outcome.accepted, outcome.explain()
    assert outcome.final_url == f"{deployment.sp_url}/contacts"


@pytest.mark.bundled_only
@pytest.mark.parametrize("flow", FLOWS)
def test_two_users_in_a_row_on_one_device(flow: str, deployment: Deployment, user_agent: UserAgent) -> None:
    first = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert first.accepted, first.explain()
    user_agent.navigate("POST", f"{deployment.sp_url}/logout", {"csrf_token": csrf(user_agent, deployment)})
    user_agent.navigate("POST", f"{deployment.idp_url}/login/signout")
    second = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("second"))
    assert second.accepted, second.explain()
    assert (first.identity, second.identity) == (
        deployment.demo.person("assigned").email,
        deployment.demo.person("second").email,
    )


def csrf(ua: UserAgent, deployment: Deployment) -> str:
    page = ua.get(f"{deployment.sp_url}/")
    form = page.form_with("csrf_token")
    assert form is not None, "the landing page has no sign-out form"
    return str(dict(form.form_values())["csrf_token"])


@pytest.mark.bundled_only
def test_logout_ends_the_sp_session(deployment: Deployment, user_agent: UserAgent) -> None:
    outcome = run_flow(SP_INITIATED, user_agent, deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert outcome.accepted, outcome.explain()
    user_agent.navigate("POST", f"{deployment.sp_url}/logout", {"csrf_token": csrf(user_agent, deployment)})
    assert user_agent.get(f"{deployment.sp_url}/api/me").status == 401


@pytest.mark.bundled_only
@pytest.mark.parametrize("flow", FLOWS)
def test_replayed_response_is_refused(flow: str, deployment: Deployment, user_agent: UserAgent) -> None:
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert outcome.accepted, outcome.explain()
    captured = outcome.trace.last_response
    assert captured is not None
    attacker = UserAgent()
    page = attacker.navigate("POST", deployment.target.acs_url, {"SAMLResponse": captured.raw, "RelayState": "/"})
    replay = judge(attacker, deployment.target, page)
    assert not replay.accepted, replay.explain()
    assert replay.final_status == 403
    assert replay.sp_error == "Invalid SAML response"
    assert replay.reason == "replay.detected"


@pytest.mark.parametrize("flow", FLOWS)
def test_unassigned_user_sees_okta_403_and_no_response(
    flow: str, deployment: Deployment, user_agent: UserAgent
) -> None:
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("unassigned"))
    assert not outcome.accepted
    if flow == SP_INITIATED:
        assert outcome.idp_error == "403 App Not Assigned", outcome.explain()
        assert outcome.final_status == 403
    else:
        # Okta shows no tile for an app the user is not assigned; the direct link gives the 403 page.
        page = user_agent.get(deployment.okta.embed_link(deployment.app))
        assert page.status == 403 and page.title == "403 App Not Assigned"
    assert outcome.trace.messages("SAMLResponse") == []


@pytest.mark.bundled_only
@pytest.mark.parametrize("flow", FLOWS)
def test_user_unassigned_after_a_good_login_is_denied_at_once(
    flow: str, deployment: Deployment, user_agent: UserAgent
) -> None:
    person = deployment.demo.person("second")
    first = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("second"))
    assert first.accepted, first.explain()
    deployment.okta.unassign_user(deployment.app.id, deployment.user_ids[person.email])
    user_agent.navigate("POST", f"{deployment.sp_url}/logout", {"csrf_token": csrf(user_agent, deployment)})
    page = user_agent.get(deployment.okta.embed_link(deployment.app))
    assert page.status == 403 and page.title == "403 App Not Assigned"
    again = run_flow(SP_INITIATED, user_agent, deployment.target, deployment.idp, deployment.credentials("second"))
    assert not again.accepted and again.idp_error == "403 App Not Assigned", again.explain()


@pytest.mark.parametrize("flow", FLOWS)
def test_deactivated_user_cannot_sign_in(flow: str, deployment: Deployment, user_agent: UserAgent) -> None:
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, deployment.credentials("deactivated"))
    assert not outcome.accepted
    assert outcome.trace.messages("SAMLResponse") == []
    assert outcome.final_status == 401, outcome.explain()
    assert outcome.final_url.startswith(deployment.idp_url)


def test_wrong_okta_password_gets_no_response(deployment: Deployment, user_agent: UserAgent) -> None:
    person = deployment.demo.person("assigned")
    outcome = run_flow(SP_INITIATED, user_agent, deployment.target, deployment.idp, Credentials(person.email, "nope"))
    assert not outcome.accepted
    assert outcome.final_status == 401
    assert outcome.trace.messages("SAMLResponse") == []
