"""Let time pass for the IdP and the SP under test: the SP session ends at SessionNotOnOrAfter, and a response
stays refused as a replay for as long as it could otherwise be accepted.

Time moves on the deployment's clocks (the bundled SP's ``CLOCK``; an external SP's ``[claims]
clock_control_url``); a target whose clock cannot move skips these cases with the reason.
"""

from __future__ import annotations

import pytest

from mock_idp.faults import FaultPlan, Op
from saml_harness.agent.flows import FLOWS, run_flow, who_is_signed_in
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment
from saml_harness.scenarios.runner import replay


@pytest.fixture
def movable(deployment: Deployment) -> Deployment:
    """Scope: function. The deployment, or a skip when time cannot pass for the SP under test."""
    if not deployment.sp_clock_movable:
        pytest.skip(f"{deployment.target.name!r} names no [claims] clock_control_url: its clock cannot be moved")
    return deployment


def sign_in_with_session_end(deployment: Deployment, ua: UserAgent, flow: str, session_seconds: int | None) -> str:
    """Sign the assigned person in; Okta's AuthnStatement says the session ends ``session_seconds`` from now."""
    person = deployment.credentials("assigned")
    if session_seconds is not None:
        ends = Op(
            "set_time", {"target": "authn_statement", "attr": "SessionNotOnOrAfter", "offset_seconds": session_seconds}
        )
        deployment.okta.set_next_login_plan(person.username, FaultPlan(pre_sign=(ends,)))
    outcome = run_flow(flow, ua, deployment.target, deployment.idp, person)
    assert outcome.accepted, outcome.explain()
    return person.username


# Profiles 4.1.4.3: the security context SHOULD be discarded once SessionNotOnOrAfter is reached (the skew allowed).
@pytest.mark.parametrize("flow", FLOWS)
def test_the_session_ends_when_okta_says(flow: str, movable: Deployment, user_agent: UserAgent) -> None:
    skew = movable.target.claims.clock_skew_s
    email = sign_in_with_session_end(movable, user_agent, flow, session_seconds=300)
    movable.let_time_pass(300 + skew - 30)
    assert who_is_signed_in(user_agent, movable.target) == email, "the session ended before SessionNotOnOrAfter"
    movable.let_time_pass(60)
    assert who_is_signed_in(user_agent, movable.target) is None, "the session outlived SessionNotOnOrAfter"


@pytest.mark.parametrize("flow", FLOWS)
def test_a_session_without_an_end_from_okta_lasts(flow: str, movable: Deployment, user_agent: UserAgent) -> None:
    email = sign_in_with_session_end(movable, user_agent, flow, session_seconds=None)
    movable.let_time_pass(30 * 60)
    assert who_is_signed_in(user_agent, movable.target) == email


# Profiles 4.1.4.5: used assertion IDs are kept "for the length of time for which the assertion would be considered
# valid based on the SubjectConfirmationData NotOnOrAfter" (Okta: 5 minutes), plus the skew the SP allows.
@pytest.mark.parametrize("flow", FLOWS)
def test_a_replay_late_in_the_bearer_window_is_refused(flow: str, movable: Deployment, user_agent: UserAgent) -> None:
    person = movable.credentials("assigned")
    first = run_flow(flow, user_agent, movable.target, movable.idp, person)
    assert first.accepted, first.explain()
    movable.let_time_pass(300 + movable.target.claims.clock_skew_s - 30)
    again = replay(movable, first)
    assert not again.accepted, (
        f"a replay {300 + movable.target.claims.clock_skew_s - 30} s later signed in {again.identity}"
    )
