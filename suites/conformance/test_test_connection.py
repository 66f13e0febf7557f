"""Test Connection (help article, Step 4) answers the admin's question "would this work?": the response to it must
never sign anyone in, whoever's browser posts it."""

from __future__ import annotations

import pytest
from lxml import etree

from mock_idp.faults import FaultPlan, Op
from saml_harness.agent.flows import FLOWS, run_flow, who_is_signed_in
from saml_harness.agent.trace import saml_from_query
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment
from saml_harness.security.sp_probe import open_settings

pytestmark = pytest.mark.bundled_only


def start_test_connection(deployment: Deployment) -> str:
    """The JustCall owner clicks Test Connection; return the ID of the AuthnRequest JustCall sent."""
    started = open_settings(deployment).post({"action": "test"})
    messages = saml_from_query(started.headers.get("Location", ""))
    assert started.status_code in (302, 303) and messages and messages[0].xml is not None, started.text[:300]
    request_id = etree.fromstring(messages[0].xml).get("ID")
    assert request_id
    return request_id


@pytest.mark.parametrize("flow", FLOWS)
def test_a_response_to_test_connection_signs_nobody_in(
    flow: str, deployment: Deployment, user_agent: UserAgent
) -> None:
    request_id = start_test_connection(deployment)
    person = deployment.credentials("assigned")
    answer = Op("set_in_response_to", {"value": request_id})
    deployment.okta.set_next_login_plan(person.username, FaultPlan(pre_sign=(answer,)))
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, person)
    assert not outcome.accepted, f"Test Connection's response signed in {outcome.identity}"
    assert who_is_signed_in(user_agent, deployment.target) is None
    assert deployment.justcall.get_user(person.username) is None, "Test Connection created a user"
    [entry] = deployment.justcall.activity(deployment.demo.account.slug, flow="test", limit=1)
    assert entry["outcome"] == "success" and "would sign in" in str(entry["detail"]), entry


def test_test_connection_fails_for_a_user_of_another_account(deployment: Deployment, user_agent: UserAgent) -> None:
    """The admin's test says no when the person already belongs to another JustCall account (no sign-in either)."""
    from saml_harness.scenarios.setup_ops import sp_user_belongs_to_another_account

    person = deployment.credentials("assigned")
    sp_user_belongs_to_another_account(deployment, person.username)
    request_id = start_test_connection(deployment)
    answer = Op("set_in_response_to", {"value": request_id})
    deployment.okta.set_next_login_plan(person.username, FaultPlan(pre_sign=(answer,)))
    outcome = run_flow("sp_initiated", user_agent, deployment.target, deployment.idp, person)
    assert not outcome.accepted
    [entry] = deployment.justcall.activity(deployment.demo.account.slug, flow="test", limit=1)
    assert (entry["outcome"], entry["reason"]) == ("failure", "account.domain_mismatch"), entry
