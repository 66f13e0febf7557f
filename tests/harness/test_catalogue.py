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
