"""Every branch of the verdict classes: a failure against any SP must say how bad it is."""

from __future__ import annotations

from typing import Any

import pytest

from saml_harness.agent.flows import Claims, Target
from saml_harness.agent.outcome import Outcome
from saml_harness.scenarios.catalogue import Scenario, parse_scenario
from saml_harness.scenarios.claims import for_target
from saml_harness.scenarios.verdicts import (
    ACCEPTABLE,
    FALSE_REJECT,
    IMPERSONATION,
    MUST_VIOLATION,
    PASS,
    POLICY_DIFFERENCE,
    classify,
    failing_classes,
    signed_identities,
    what_the_sp_did,
)

USER = "alice@acme.example"
VICTIM = "owner@acme.example"
VALUES = {"email": USER, "local_part": "alice"}


def target(profile: str = "justcall", bundled: bool = False, **claims: Any) -> Target:
    return Target(
        name="t",
        sp_url="http://sp",
        acs_url="http://sp/acs",
        entity_id="http://sp/md",
        sso_start_url="http://sp/login",
        bundled=bundled,
        profile=profile,
        claims=Claims(**claims),
    )


def scenario(**fields: Any) -> Scenario:
    raw = {"id": "x.y", "title": "a case", "expect": "reject", "level": "MUST", "spec": "core 2.5"} | fields
    return parse_scenario(raw, "test.toml")


def accepted(identity: str | None = USER) -> Outcome:
    return Outcome(accepted=True, identity=identity)


def refused(sp_error: str | None = "Invalid SAML response", reason: str | None = None) -> Outcome:
    return Outcome(accepted=False, sp_error=sp_error, reason=reason, final_status=403)


def judge(s: Scenario, outcome: Outcome, t: Target | None = None) -> str:
    t = t or target("saml2-sp")
    adjusted = for_target(s, t)
    return classify(adjusted, outcome, t, signed_identities(adjusted, VALUES)).cls


def test_a_required_refusal_passes_and_a_required_acceptance_passes() -> None:
    assert judge(scenario(), refused()) == PASS
    assert judge(scenario(expect="accept"), accepted()) == PASS


def test_accepting_what_a_must_forbids_is_a_must_violation_naming_the_clause() -> None:
    s = scenario()
    verdict = classify(s, accepted(), target("saml2-sp"), signed_identities(s, VALUES))
    assert verdict.cls == MUST_VIOLATION
    assert "core 2.5" in verdict.reason


def test_refusing_a_valid_response_is_a_false_reject() -> None:
    assert judge(scenario(expect="accept"), refused()) == FALSE_REJECT


def test_a_session_for_someone_the_signed_content_does_not_name_is_an_impersonation() -> None:
    s = scenario()
    verdict = classify(s, accepted(VICTIM), target("saml2-sp"), signed_identities(s, VALUES))
    assert verdict.cls == IMPERSONATION
    assert VICTIM in verdict.reason and "attacker" not in verdict.reason
    # Even where acceptance is right, the wrong person signed in is an impersonation, not a pass.
    assert judge(scenario(expect="accept"), accepted(VICTIM)) == IMPERSONATION


def test_any_session_from_forged_content_is_an_impersonation_even_for_the_users_own_name() -> None:
    assert judge(scenario(impersonation_if="any_session"), accepted(USER)) == IMPERSONATION
    assert judge(scenario(impersonation_if="any_session"), refused()) == PASS


def test_identity_comparison_ignores_letter_case() -> None:
    assert judge(scenario(expect="accept"), accepted(USER.upper())) == PASS


def test_signed_identities_come_from_the_pre_sign_ops_and_the_user() -> None:
    s = scenario(pre_sign=[{"op": "set_nameid", "value": "someone.else@acme.example"}])
    assert signed_identities(s, VALUES) == {"someone.else@acme.example", USER}
    both = scenario(
        pre_sign=[
            {"op": "set_nameid", "value": "{local_part}@globex.example"},
            {"op": "set_attribute_value", "name": "email", "value": "{local_part}@globex.example"},
        ]
    )
    assert signed_identities(both, VALUES) == {"alice@globex.example"}
    assert signed_identities(scenario(signed_identities=["{email}", "x@y.example"]), VALUES) == {USER, "x@y.example"}


def test_an_other_acceptable_outcome_is_acceptable_and_the_expected_one_passes() -> None:
    s = scenario(expect="accept", acceptable=["accept", "reject"], level="POLICY", policy="p")
    assert judge(s, refused()) == ACCEPTABLE
    assert judge(s, accepted()) == PASS


@pytest.mark.parametrize("level", ["POLICY", "SHOULD"])
def test_a_deviation_from_a_policy_or_should_rule_is_a_policy_difference(level: str) -> None:
    assert judge(scenario(level=level, policy="JustCall's rule"), accepted()) == POLICY_DIFFERENCE
    assert judge(scenario(level=level, expect="accept", policy="r"), refused()) == POLICY_DIFFERENCE


def test_a_policy_difference_fails_only_where_the_profile_claims_justcalls_policy() -> None:
    assert POLICY_DIFFERENCE in failing_classes("justcall")
    assert POLICY_DIFFERENCE not in failing_classes("saml2-sp")
    # A misspelt profile keeps JustCall's policy: a typo must not loosen a release gate.
    assert POLICY_DIFFERENCE in failing_classes("saml2sp")
    for profile in ("justcall", "saml2-sp"):
        assert {IMPERSONATION, MUST_VIOLATION, FALSE_REJECT} <= set(failing_classes(profile))
        assert not {PASS, ACCEPTABLE} & set(failing_classes(profile))


MARKUP = {
    "post_sign": [{"op": "inject_markup", "xpath": "saml2:Assertion/saml2:Subject/saml2:NameID", "at": 18}],
    "pre_sign": [
        {"op": "set_nameid", "value": "owner@acme.example.evil.example"},
        {"op": "set_attribute_value", "name": "email", "value": "owner@acme.example.evil.example"},
    ],
    "level": "POLICY",
    "policy": "JustCall refuses markup in identity fields",
}


def test_markup_attacks_are_judged_by_identity() -> None:
    s = scenario(**MARKUP)
    assert s.judge_mode == "identity"
    assert judge(s, refused()) == PASS
    assert judge(s, accepted("owner@acme.example.evil.example")) == PASS
    assert judge(s, accepted("owner@acme.example")) == IMPERSONATION
    # JustCall's own profile still wants its rule (refuse the markup).
    assert judge(s, accepted("owner@acme.example.evil.example"), target("justcall")) == POLICY_DIFFERENCE


def test_on_the_bundled_sp_a_refusal_must_show_the_articles_text_and_log_the_reason() -> None:
    s = scenario(sp_error="Invalid SAML response", reason="audience.mismatch")
    bundled = target(bundled=True)
    assert judge(s, refused(reason="audience.mismatch"), bundled) == PASS
    assert judge(s, refused(reason="signature.invalid"), bundled) == POLICY_DIFFERENCE
    assert judge(s, refused(sp_error="Oops", reason="audience.mismatch"), bundled) == POLICY_DIFFERENCE
    # An external target's texts are its own.
    assert judge(s, refused(sp_error="Oops", reason=None), target("saml2-sp")) == PASS


def test_an_idp_stop_where_the_sp_should_answer_is_not_a_pass() -> None:
    stopped = Outcome(accepted=False, idp_error="403 App Not Assigned")
    assert what_the_sp_did(stopped) == "idp_error"
    assert judge(scenario(expect="accept"), stopped) == FALSE_REJECT
    assert judge(scenario(expect="idp_error", idp_error="403 App Not Assigned"), stopped) == PASS
    assert judge(scenario(expect="idp_error", idp_error="403 App Not Assigned"), accepted()) == MUST_VIOLATION


ATTRIBUTE_MISSING = {
    "level": "POLICY",
    "policy": "JustCall needs firstName",
    "claims": ["required_attributes"],
    "pre_sign": [{"op": "remove_attribute", "name": "firstName"}],
    "sp_error": "Attributes missing",
    "reason": "attributes.missing",
}


def test_the_expectation_follows_the_targets_required_attributes() -> None:
    s = scenario(**ATTRIBUTE_MISSING)
    lenient = target("saml2-sp", required_attributes=("email",))
    adjusted = for_target(s, lenient)
    assert adjusted.expect == "accept" and not adjusted.reason
    assert "required_attributes" in adjusted.adjusted_by
    assert judge(s, accepted(), lenient) == PASS
    # An SP refusing what it claims not to need differs from its own claim: reported, not a false reject.
    assert judge(s, refused(), lenient) == POLICY_DIFFERENCE
    # With JustCall's claims nothing changes.
    assert for_target(s, target("saml2-sp")) is s


def test_every_attribute_gone_needs_only_one_required_attribute_to_refuse() -> None:
    gone = [{"op": "remove_element", "xpath": "x/saml2:AttributeStatement"}]
    s = scenario(**(ATTRIBUTE_MISSING | {"pre_sign": gone}))
    assert for_target(s, target("saml2-sp", required_attributes=("email",))).expect == "reject"
    assert for_target(s, target("saml2-sp", required_attributes=())).expect == "accept"


@pytest.mark.parametrize(
    ("claim", "value", "written", "expected"),
    [
        ("sha1_accepted", True, "reject", "accept"),
        ("signed_response_required", True, "accept", "reject"),
        ("signed_assertion_required", True, "accept", "reject"),
    ],
)
def test_signature_claims_decide_the_expectation(claim: str, value: bool, written: str, expected: str) -> None:
    fields = {"claims": [claim], "expect": written, "level": "POLICY", "policy": "p"}
    if written == "reject":
        fields |= {"sp_error": "Invalid SAML response", "reason": "signature.algorithm"}
    s = scenario(**fields)
    assert for_target(s, target("saml2-sp", **{claim: value})).expect == expected
    assert for_target(s, target("saml2-sp")).expect == written


def test_a_claim_without_an_outcome_rule_turns_deviations_into_policy_differences() -> None:
    s = scenario(claims=["nameid_format"], expect="accept", level="MUST")
    other = target("saml2-sp", nameid_format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
    assert judge(s, refused(), other) == POLICY_DIFFERENCE
    assert judge(s, refused(), target("saml2-sp")) == FALSE_REJECT


@pytest.mark.parametrize(
    ("written", "skew", "moved"), [(360, 90, 360), (420, 90, 420), (-360, 300, -570), (420, 0, 330)]
)
def test_time_window_cases_step_the_claimed_skew_with_a_margin(written: int, skew: int, moved: int) -> None:
    s = scenario(claims=["clock_skew_s"], idp_clock_offset=written)
    adjusted = for_target(s, target("saml2-sp", clock_skew_s=skew))
    assert adjusted.idp_clock_offset == moved
    # The case was moved onto the claim, so its level still decides: not a policy difference.
    assert adjusted.adjusted_by == ""
    assert judge(s, accepted(), target("saml2-sp", clock_skew_s=skew)) == MUST_VIOLATION
