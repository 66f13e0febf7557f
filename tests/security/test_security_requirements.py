"""The requirement table is complete and traced, and the report says requirement -> scenarios -> verdict."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from saml_harness.scenarios.catalogue import lint, load_catalogue
from saml_harness.scenarios.requirements import Requirement, Run, build_report, lint_requirements, load_requirements

ROOT = Path(__file__).resolve().parents[2]

REQUIREMENTS = load_requirements()
CATALOGUE = load_catalogue()
MARKED = {
    match
    for path in (ROOT / "suites" / "security").glob("test_*.py")
    for call in re.findall(r"requirement\(([^)]*)\)", path.read_text(encoding="utf-8"))
    for match in re.findall(r'"([A-Z0-9.\-]+)"', call)
}


def test_requirements_pass_lint() -> None:
    assert lint_requirements(REQUIREMENTS, CATALOGUE) == []


def test_catalogue_requirement_ids_exist() -> None:
    from mock_idp.faults import OPS, SIGNING_OVERRIDES
    from saml_harness.scenarios.setup_ops import SETUP_OPS

    ids = [r.id for r in REQUIREMENTS]
    assert lint(CATALOGUE, OPS, SETUP_OPS, SIGNING_OVERRIDES, ids) == []


def test_every_requirement_is_traced() -> None:
    report = build_report(REQUIREMENTS, CATALOGUE, [Run(f"m::{rid}", "passed", requirements=(rid,)) for rid in MARKED])
    assert report["summary"]["gaps"] == []


def test_markers_name_known_requirements() -> None:
    assert {r.id for r in REQUIREMENTS} >= MARKED


def requirement(rid: str, **changes: object) -> Requirement:
    return Requirement(id=rid, item=1, clause="c", level="MUST", text="t", **changes)  # type: ignore[arg-type]


def test_verdicts() -> None:
    scenario = next(s for s in CATALOGUE if s.suite == "security")
    requirements = [
        requirement("A", scenarios=(scenario.id,)),
        requirement("B", tests=("tests/x.py",)),
        requirement("C"),
        requirement("D", scenarios=(scenario.id,)),
    ]
    runs = [
        Run("suites/security/test_attacks.py::t[a]", "passed", scenario.id, "sp_initiated"),
        Run("suites/security/test_attacks.py::t[b]", "failed", scenario.id, "idp_initiated"),
        Run("tests/x.py::test_y", "passed"),
    ]
    report = build_report(requirements, [scenario], runs, datetime(2026, 1, 1, tzinfo=UTC))
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert verdicts == {"A": "fail", "B": "pass", "C": "gap", "D": "fail"}
    assert report["summary"]["gaps"] == ["C"]
    a = report["requirements"][0]
    assert [run["flow"] for run in a["scenarios"][0]["runs"]] == ["sp_initiated", "idp_initiated"]


def test_not_run_and_deviation() -> None:
    scenario = next(s for s in CATALOGUE if s.suite == "security")
    requirements = [requirement("A", scenarios=(scenario.id,)), requirement("B", tests=("tests/never.py",))]
    report = build_report(requirements, [scenario], [])
    assert [r["verdict"] for r in report["requirements"]] == ["not run", "not run"]
    assert report["requirements"][1]["not_run"] == ["tests/never.py"]
    runs = [Run("s::t", "xfailed", scenario.id, "sp_initiated")]
    assert build_report(requirements[:1], [scenario], runs)["requirements"][0]["verdict"] == "deviation"


def test_report_is_self_explanatory() -> None:
    report = build_report(REQUIREMENTS, CATALOGUE, [])
    assert {"about", "verdicts", "summary", "requirements", "source"} <= set(report)
    first = report["requirements"][0]
    assert {"id", "item", "clause", "level", "text", "verdict", "scenarios", "tests", "not_run"} <= set(first)


def test_requirement_file_lives_with_the_fixtures() -> None:
    assert Path("fixtures/requirements.toml").exists()
