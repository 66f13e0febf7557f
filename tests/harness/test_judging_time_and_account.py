"""The bundled SP must sign a person in to their own user (same stored email), and a time case's response must
have been made after the time passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from saml_harness.agent.outcome import Outcome
from saml_harness.scenarios.catalogue import parse_scenario
from saml_harness.scenarios.judging import same_account, same_role, time_passed_problems
from saml_harness.scenarios.verdicts import PASS, POLICY_DIFFERENCE, Verdict

ACCEPT = parse_scenario({"id": "a", "title": "t", "expect": "accept", "level": "POLICY", "policy": "p"}, "x.toml")
PASSED = Verdict(PASS, "the SP accepted, as required")
USER = "dana.lee@acme.example"


def test_a_second_account_for_an_upper_cased_email_is_a_policy_difference_on_the_bundled_sp() -> None:
    verdict = same_account(ACCEPT, Outcome(accepted=True, identity=USER.upper()), PASSED, True, USER)
    assert verdict.cls == POLICY_DIFFERENCE and USER.upper() in verdict.reason


def test_the_users_own_account_passes_and_external_sps_may_echo_the_case_sent() -> None:
    assert same_account(ACCEPT, Outcome(accepted=True, identity=USER), PASSED, True, USER) is PASSED
    assert same_account(ACCEPT, Outcome(accepted=True, identity=USER.upper()), PASSED, False, USER) is PASSED


def _response(issued: datetime) -> bytes:
    instant = issued.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" IssueInstant="{instant}"/>'.encode()


def test_a_response_made_after_the_time_passed_is_evidence() -> None:
    waits = parse_scenario({"id": "w", "title": "t", "expect": "accept", "time_at_idp_sign_in": 660}, "x.toml")
    assert time_passed_problems(waits, _response(datetime.now(UTC) + timedelta(seconds=660))) == []
    late = time_passed_problems(waits, _response(datetime.now(UTC)))
    assert late and "not after 660 s passed" in late[0]


def test_a_case_naming_a_role_passes_only_with_that_role() -> None:
    admin = parse_scenario({"id": "g", "title": "t", "expect": "accept", "role": "Admin"}, "x.toml")
    assert same_role(admin, Outcome(accepted=True, identity=USER, role="Admin"), PASSED) is PASSED
    wrong = same_role(admin, Outcome(accepted=True, identity=USER, role="Agent"), PASSED)
    assert wrong.cls == POLICY_DIFFERENCE and "role Agent, not Admin" in wrong.reason
    unsaid = same_role(admin, Outcome(accepted=True, identity=USER), PASSED)
    assert unsaid.cls == POLICY_DIFFERENCE and "no role" in unsaid.reason
    assert same_role(ACCEPT, Outcome(accepted=True, identity=USER, role="Agent"), PASSED) is PASSED
