"""Logout cases: the class of what each side knows of the person afterwards, and the catalogue's rules for them."""

from __future__ import annotations

from typing import Any

from saml_harness.agent.flows import Target
from saml_harness.agent.outcome import Outcome
from saml_harness.scenarios.catalogue import Scenario, lint, parse_scenario
from saml_harness.scenarios.judging import okta_logout_problems
from saml_harness.scenarios.verdicts import IMPERSONATION, MUST_VIOLATION, PASS, POLICY_DIFFERENCE, classify

USER = "alice@acme.example"
BUNDLED = Target("t", "http://sp", "http://sp/acs", "http://sp/md", "http://sp/login", bundled=True)


def logout_case(**fields: Any) -> Scenario:
    raw = {
        "id": "slo.x",
        "title": "a logout",
        "expect": "logout",
        "logout": "sp",
        "signed_in_after": {"sp": False, "okta": False},
        "advice": "fix it",
        "spec": "profiles 4.4",
    } | fields
    return parse_scenario(raw, "slo.toml")


def after(sp: str | None, okta: bool) -> Outcome:
    return Outcome(accepted=sp is not None, identity=sp, signed_in_after={"sp": sp, "okta": okta})


def cls(s: Scenario, outcome: Outcome) -> str:
    return classify(s, outcome, BUNDLED, {USER}).cls


def test_a_session_that_should_have_ended_and_did_not_is_a_must_violation() -> None:
    assert cls(logout_case(), after(USER, False)) == MUST_VIOLATION
    assert cls(logout_case(), after(None, False)) == PASS


def test_a_session_ended_by_a_message_the_sp_must_refuse_is_a_must_violation() -> None:
    kept = logout_case(logout="unsigned_request", signed_in_after={"sp": True, "okta": True})
    assert cls(kept, after(None, True)) == MUST_VIOLATION
    assert cls(kept, after(USER, True)) == PASS


def test_another_person_signed_in_after_a_logout_is_an_impersonation() -> None:
    kept = logout_case(logout="other_person_request", signed_in_after={"sp": True, "okta": True})
    assert cls(kept, after("owner@acme.example", True)) == IMPERSONATION


def test_the_bundled_sp_must_log_the_scenarios_reason() -> None:
    kept = logout_case(logout="replayed_request", signed_in_after={"sp": True, "okta": True}, reason="slo.replay")
    refused = after(USER, True)
    refused.reason = "signature.invalid"
    assert cls(kept, refused) == POLICY_DIFFERENCE
    refused.reason = "slo.replay"
    assert cls(kept, refused) == PASS


def test_okta_side_mismatch_is_a_problem_of_the_run() -> None:
    assert okta_logout_problems(logout_case(), after(None, True)) != []
    assert okta_logout_problems(logout_case(), after(None, False)) == []


def test_lint_requires_a_known_logout_and_both_sides() -> None:
    def problems(s: Scenario) -> list[str]:
        return lint([s], [], ["sp_single_logout"])

    assert problems(logout_case()) == []
    assert any("logout 'sideways'" in p for p in problems(logout_case(logout="sideways")))
    assert any("signed_in_after" in p for p in problems(logout_case(signed_in_after={"sp": False})))
    stray = parse_scenario({"id": "a.b", "title": "t", "expect": "accept", "logout": "sp"}, "x.toml")
    assert any("belong to expect = 'logout'" in p for p in problems(stray))
