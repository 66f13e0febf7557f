"""The scenario catalogue is well formed: unique ids, known ops, complete expectations, real article rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_idp.faults import OPS, SIGNING_OVERRIDES
from saml_harness.scenarios.catalogue import (
    TROUBLESHOOTING_ROWS,
    lint,
    load_catalogue,
    load_expectations,
    parse_scenario,
)
from saml_harness.scenarios.evidence import EVIDENCE
from saml_harness.scenarios.setup_ops import SETUP_OPS

CATALOGUE = load_catalogue()


def test_catalogue_passes_lint() -> None:
    assert lint(CATALOGUE, OPS, SETUP_OPS, SIGNING_OVERRIDES) == []


def test_catalogue_has_at_least_sixty_scenarios() -> None:
    assert len(CATALOGUE) >= 60


def test_every_troubleshooting_row_is_reproduced_by_a_scenario_showing_it() -> None:
    for row in TROUBLESHOOTING_ROWS:
        showing = [s for s in CATALOGUE if s.troubleshooting == row]
        assert showing, f"no scenario reproduces the article row {row!r}"
    # What the user sees must be the row itself for the SP-side rows.
    for row in ("Invalid SAML response", "Attributes missing", "Certificate error"):
        assert any(s.sp_error == row for s in CATALOGUE if s.troubleshooting == row)


def test_every_op_used_has_an_evidence_check() -> None:
    used = {op.name for s in CATALOGUE for op in (*s.pre_sign, *s.post_sign)}
    assert used - set(EVIDENCE) == set()


def test_expectation_files_name_existing_scenarios() -> None:
    ids = {s.id for s in CATALOGUE}
    for path in Path("fixtures/expectations").glob("*.toml"):
        assert set(load_expectations(path.stem)) <= ids, path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pre_sign": [{"op": "no_such_op"}]}, "unknown IdP mutation op"),
        ({"setup": [{"op": "no_such_setup"}]}, "unknown setup op"),
        ({"expect": "maybe"}, "expect 'maybe'"),
        ({"troubleshooting": "Something else"}, "not a row of the help article"),
        ({"sp_error": ""}, "needs sp_error"),
        ({"advice": ""}, "needs advice"),
        ({"flows": ["sideways"]}, "flows"),
        ({"signing": {"colour": "red"}}, "unknown signing override"),
        ({"level": "POLICY"}, "must document the policy"),
        ({"acceptable": ["accept", "maybe"]}, "acceptable 'maybe'"),
        ({"acceptable": ["accept"]}, "must include expect 'reject'"),
        ({"acceptable": ["reject", "reject"]}, "lists an outcome twice"),
        ({"impersonation_if": "sometimes"}, "impersonation_if 'sometimes'"),
        ({"expect": "accept", "sp_error": "", "reason": "", "impersonation_if": "any_session"}, "contradicts"),
        ({"judge": "vibes"}, "judge 'vibes'"),
        ({"claims": ["favourite_colour"]}, "claims 'favourite_colour'"),
        ({"claims": ["clock_skew_s"]}, "needs idp_clock_offset"),
        ({"claims": ["required_attributes"]}, "must remove, rename or empty an attribute"),
        ({"signed_identities": [""]}, "signed_identities"),
    ],
)
def test_lint_catches(change: dict[str, object], message: str) -> None:
    good = {
        "id": "x.y",
        "title": "t",
        "expect": "reject",
        "sp_error": "Invalid SAML response",
        "reason": "r",
        "advice": "a",
    }
    scenario = parse_scenario(good | change, "test.toml")
    problems = lint([scenario], OPS, SETUP_OPS, SIGNING_OVERRIDES)
    assert any(message in p for p in problems), problems


def test_lint_catches_duplicate_ids() -> None:
    scenario = parse_scenario({"id": "a", "title": "t", "expect": "accept"}, "x.toml")
    assert any("duplicate id" in p for p in lint([scenario, scenario], OPS, SETUP_OPS))


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown keys"):
        parse_scenario({"id": "a", "title": "t", "expect": "accept", "expct": "x"}, "x.toml")


def test_scenarios_without_the_verdict_fields_load_with_derived_defaults() -> None:
    plain = parse_scenario({"id": "a.b", "title": "t", "expect": "accept"}, "x.toml")
    assert plain.acceptable_outcomes == ("accept",)
    assert plain.impersonation_rule == "other_identity"
    assert plain.judge_mode == "outcome"
    assert plain.signed_identity_templates == ("{email}",)
    assert plain.claims == ()
    assert plain.as_json()["acceptable"] == ["accept"]


def test_the_verdict_fields_must_be_lists_where_lists_are_meant() -> None:
    with pytest.raises(ValueError, match="acceptable must be a list"):
        parse_scenario({"id": "a.b", "title": "t", "expect": "accept", "acceptable": "accept"}, "x.toml")


def test_markup_attacks_are_judged_by_identity_and_forgeries_by_any_session() -> None:
    by_id = {s.id: s for s in CATALOGUE}
    markup = [s for s in CATALOGUE if s.id.startswith("security.markup.")]
    assert markup and all(s.judge_mode == "identity" for s in markup)
    assert by_id["security.markup.comment_in_nameid_and_email.both_signed"].signed_identity_templates == (
        "owner@acme.example.evil.example",
    )
    for forged in ("signature.none", "security.strip.all_then_forge.both_signed", "security.resign.cloned.both_signed"):
        assert by_id[forged].impersonation_rule == "any_session"


def test_an_expectation_must_name_its_class(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text('[xfail."a.b"]\nreason = "loose"\n')
    with pytest.raises(ValueError, match="class None must be one of"):
        load_expectations("t", tmp_path)
    (tmp_path / "t.toml").write_text('[xfail."a.b"]\nclass = "acceptable"\nreason = "loose"\n')
    with pytest.raises(ValueError, match="class 'acceptable'"):
        load_expectations("t", tmp_path)
    (tmp_path / "t.toml").write_text('[xfail."a.b"]\nclass = "must_violation"\nreason = "loose"\nspec = "core"\n')
    deviation = load_expectations("t", tmp_path)["a.b"]
    assert (deviation.cls, deviation.spec) == ("must_violation", "core")
    assert load_expectations(str(tmp_path / "t.toml"))["a.b"].cls == "must_violation"


@pytest.mark.parametrize("library", ["python3_saml", "pysaml2", "node_saml"])
def test_the_stranger_expectations_list_only_failing_classes_with_the_clause(library: str) -> None:
    path = Path(__file__).resolve().parents[1] / "strangers" / library / "expectations.toml"
    deviations = load_expectations(str(path))
    assert deviations
    for deviation in deviations.values():
        assert deviation.cls in ("must_violation", "false_reject", "impersonation"), deviation
        assert deviation.spec and "saml-" in deviation.spec, deviation
