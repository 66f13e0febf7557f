"""The longest email JustCall takes (320 characters, RFC 5321's path limit) signs in; one more is refused (the
scenario ``identity.email_longer_than_320``). The person is who the signed email says, so this is not a scenario:
the signed-in identity is the long address, not the demo person's."""

from __future__ import annotations

import pytest

from mock_idp.faults import FaultPlan, Op
from saml_harness.agent.flows import FLOWS, run_flow, who_is_signed_in
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment

LONGEST = "a" * (320 - len("@acme.example")) + "@acme.example"


@pytest.mark.parametrize("flow", FLOWS)
def test_an_email_of_320_characters_signs_in(flow: str, deployment: Deployment, user_agent: UserAgent) -> None:
    assert len(LONGEST) == 320 and LONGEST.endswith(f"@{deployment.demo.domain}")
    person = deployment.credentials("assigned")
    ops = (
        Op("set_attribute_value", {"name": "email", "value": LONGEST}),
        Op("set_nameid", {"value": LONGEST}),
    )
    deployment.okta.set_next_login_plan(person.username, FaultPlan(pre_sign=ops))
    outcome = run_flow(flow, user_agent, deployment.target, deployment.idp, person)
    assert outcome.accepted, outcome.explain()
    assert who_is_signed_in(user_agent, deployment.target) == LONGEST
