"""Fuzz the ACS over real HTTP with mutated genuine responses (byte-level and tree-level).

Oracle: the SP never answers 5xx, and never signs in anyone (or with any names) other than what the IdP
signed in the original response. Budget: ``FUZZ_EXAMPLES`` (examples per test; ``nox -s fuzz`` raises it).
A failing case is saved under ``reports/fuzz/`` with the command that replays it.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_idp.faults import FaultPlan
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment
from saml_harness.security import fuzz
from saml_harness.security.attacker import capture, encode, post_to_acs

UNSIGNED_RESPONSE = FaultPlan(signing={"response_signed": False})


@pytest.mark.requirement("PROF-4.1.4.3-1", "PROF-4.1.4.3-7")
def test_mutated_responses_never_break_the_sp_or_change_who_signs_in(deployment: Deployment) -> None:
    """Runs against any target: the oracle is the SP's status and its who-am-I, nothing internal."""
    if not deployment.target.claims.idp_initiated_allowed:
        pytest.skip(f"posts unsolicited responses; {deployment.target.name!r} claims idp_initiated_allowed = false")
    victim = UserAgent()
    credentials = deployment.credentials("assigned")
    last_failure: list[fuzz.Case] = []

    @settings(
        max_examples=fuzz.budget(),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutation=fuzz.mutations(), response_signed=st.booleans())
    def run(mutation: fuzz.Mutation, response_signed: bool) -> None:
        if not response_signed:
            deployment.okta.set_next_login_plan(credentials.username, UNSIGNED_RESPONSE)
        genuine = capture(victim, deployment.target, deployment.idp, credentials)
        mutant = fuzz.apply(mutation, genuine.xml)
        delivery = post_to_acs(deployment.target, {"SAMLResponse": encode(mutant), "RelayState": "/"})
        problems = fuzz.judge([delivery.status, delivery.me_status], delivery.me, fuzz.SignedClaims.of(genuine.xml))
        if problems:
            case = fuzz.Case(
                mutation.as_json(), response_signed, problems, genuine.saml_response, encode(mutant), [delivery.status]
            )
            last_failure[:] = [case]
            raise AssertionError(f"{problems} for mutation {mutation}")

    try:
        run()
    except AssertionError:
        if last_failure:
            path = fuzz.save(last_failure[0])
            raise AssertionError(f"fuzz case saved to {path}") from None
        raise
