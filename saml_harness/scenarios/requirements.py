"""Trace the SP processing requirements (``fixtures/requirements.toml``) to scenarios and tests, with verdicts.

``load_requirements`` and ``lint_requirements`` read and check the table; ``build_report`` turns traces and
test outcomes into the ``reports/requirements.json`` document (pure); ``RequirementsPlugin`` collects the
outcomes during a pytest run and writes that document at the end. An untraced requirement is a gap: it is
listed as such, never dropped.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from saml_harness.data import REQUIREMENTS_FILE
from saml_harness.scenarios.catalogue import Scenario, load_catalogue

DEFAULT_OUTPUT = "reports/requirements.json"
OUTPUT_ENV = "REQUIREMENTS_JSON"
"""Environment variable naming where the plugin writes its JSON (default ``reports/requirements.json``)."""
MARKER = "requirement"
CHECKLIST_ITEMS = range(1, 33)
"""The SP processing checklist (fixtures/requirements.toml) numbers its items 1-32; each needs a requirement."""

LEVELS = ("MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY")
VERDICTS = {
    "pass": "every test tracing it ran and passed (known deviations aside)",
    "fail": "at least one test tracing it failed or errored",
    "deviation": "its tests ran; some are known deviations of this target (strict xfail) and none failed",
    "not run": "traced, but none of its tests ran in this session (run the suite that holds them)",
    "gap": "no scenario or test traces it: coverage is missing",
}
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


@dataclass(frozen=True)
class Requirement:
    """One checklist rule with its stable id and the traces declared next to it."""

    id: str
    item: int
    clause: str
    level: str
    text: str
    scenarios: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    note: str = ""


def load_requirements(path: Path = REQUIREMENTS_FILE) -> list[Requirement]:
    """Load the ``[[requirement]]`` tables in file order."""
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    found = []
    for raw in document.get("requirement", []):
        data = dict(raw)
        data["scenarios"] = tuple(data.get("scenarios", ()))
        data["tests"] = tuple(data.get("tests", ()))
        found.append(Requirement(**data))
    return found


def lint_requirements(requirements: list[Requirement], scenarios: Iterable[Scenario]) -> list[str]:
    """Return one message per problem: duplicate ids, unknown levels or scenarios, uncovered checklist items."""
    problems: list[str] = []
    known = {s.id for s in scenarios}
    seen: set[str] = set()
    for r in requirements:
        if r.id in seen:
            problems.append(f"{r.id}: duplicate requirement id")
        seen.add(r.id)
        if r.level not in LEVELS:
            problems.append(f"{r.id}: level {r.level!r} is not one of {LEVELS}")
        if not r.text or not r.clause:
            problems.append(f"{r.id}: needs clause and text")
        problems += [f"{r.id}: unknown scenario {s!r}" for s in r.scenarios if s not in known]
    items = {r.item for r in requirements}
    problems += [f"checklist item {i} has no requirement" for i in CHECKLIST_ITEMS if i not in items]
    return problems


@dataclass
class Run:
    """One executed test: its node id, the scenario and flow it ran (if any), and its outcome."""

    nodeid: str
    outcome: str
    scenario: str | None = None
    flow: str | None = None
    requirements: tuple[str, ...] = ()


def static_traces(requirements: list[Requirement], scenarios: Iterable[Scenario]) -> dict[str, list[dict[str, str]]]:
    """Return, per requirement id, the scenarios that trace it and where that trace is declared."""
    traces: dict[str, list[dict[str, str]]] = {r.id: [] for r in requirements}
    for scenario in scenarios:
        for rid in scenario.requirements:
            traces.setdefault(rid, []).append(
                {"scenario": scenario.id, "suite": scenario.suite, "declared_in": f"{scenario.source} (requirements)"}
            )
    for r in requirements:
        for sid in r.scenarios:
            traces[r.id].append(
                {"scenario": sid, "suite": _suite_of(sid, scenarios), "declared_in": "requirements.toml"}
            )
    return traces


def _suite_of(scenario_id: str, scenarios: Iterable[Scenario]) -> str:
    return next((s.suite for s in scenarios if s.id == scenario_id), "unknown")


def _matches(nodeid: str, prefixes: Iterable[str]) -> bool:
    """Whether ``nodeid`` is one of ``prefixes`` or inside one (a file, a folder or a test id)."""
    return any(nodeid == p or nodeid.startswith((p + "::", p + "[", p.rstrip("/") + "/")) for p in prefixes)


def _verdict(outcomes: list[str], traced: bool) -> str:
    if not traced:
        return "gap"
    if not outcomes:
        return "not run"
    if any(o in ("failed", "error", "xpassed") for o in outcomes):
        return "fail"
    if any(o == "xfailed" for o in outcomes):
        return "deviation"
    if all(o == "skipped" for o in outcomes):
        return "not run"
    return "pass"


def build_report(
    requirements: list[Requirement], scenarios: list[Scenario], runs: list[Run], now: datetime | None = None
) -> dict[str, Any]:
    """Return the requirements.json document: requirement -> scenarios/tests -> verdict, with gaps listed."""
    traces = static_traces(requirements, scenarios)
    by_scenario: dict[str, list[Run]] = {}
    for run in runs:
        if run.scenario:
            by_scenario.setdefault(run.scenario, []).append(run)
    entries = []
    for r in requirements:
        scenario_entries = []
        outcomes: list[str] = []
        for trace in traces[r.id]:
            executed = by_scenario.get(trace["scenario"], [])
            outcomes += [run.outcome for run in executed]
            scenario_entries.append(
                trace
                | {
                    "runs": [{"test": run.nodeid, "flow": run.flow, "outcome": run.outcome} for run in executed],
                    "verdict": _verdict([run.outcome for run in executed], True),
                }
            )
        test_entries = []
        for run in runs:
            if run.scenario is None and (r.id in run.requirements or _matches(run.nodeid, r.tests)):
                outcomes.append(run.outcome)
                declared = "marker" if r.id in run.requirements else "requirements.toml"
                test_entries.append({"test": run.nodeid, "declared_in": declared, "outcome": run.outcome})
        declared_tests = [t for t in r.tests if not any(_matches(e["test"], [t]) for e in test_entries)]
        test_entries += [{"test": t, "declared_in": "requirements.toml", "outcome": "not run"} for t in declared_tests]
        traced = bool(scenario_entries or test_entries)
        entries.append(
            {
                "id": r.id,
                "item": r.item,
                "clause": r.clause,
                "level": r.level,
                "text": r.text,
                "note": r.note or None,
                "verdict": _verdict(outcomes, traced),
                "tests_run": len(outcomes),
                "not_run": [e["scenario"] for e in scenario_entries if not e["runs"]]
                + [e["test"] for e in test_entries if e["outcome"] == "not run"],
                "scenarios": scenario_entries,
                "tests": test_entries,
            }
        )
    counts = {v: sum(1 for e in entries if e["verdict"] == v) for v in VERDICTS}
    gaps = [e["id"] for e in entries if e["verdict"] == "gap"]
    return {
        "about": (
            "Traceability of the SAML SP processing checklist (items 1-32 of fixtures/requirements.toml) to the "
            "harness's scenarios and tests, with the verdict of this run. Each requirement lists the scenarios "
            "tracing it (each with the tests that ran it, per flow) and plain tests tracing it; 'declared_in' "
            "says where the trace is written. The verdict judges what ran in this session; 'not_run' lists the "
            "traces this session did not run. A requirement no scenario or test traces is a gap."
        ),
        "generated_at": (now or datetime.now(UTC)).isoformat(),
        "source": "fixtures/requirements.toml",
        "verdicts": VERDICTS,
        "summary": {
            "requirements": len(entries),
            "checklist_items": len({r.item for r in requirements}),
            "traced": len(entries) - len(gaps),
            "gaps": gaps,
            "by_verdict": counts,
            "tests_run": len(runs),
        },
        "requirements": entries,
    }


def outcome_of(report: pytest.TestReport) -> str | None:
    """Map a pytest report to one outcome per test (call phase; setup errors and skips count too)."""
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            return "xfailed" if report.skipped else "xpassed"
        return str(report.outcome)
    if report.when == "setup" and report.failed:
        return "error"
    if report.when == "setup" and report.skipped:
        return "xfailed" if hasattr(report, "wasxfail") else "skipped"
    if report.when == "teardown" and report.failed:
        return "error"
    return None


def item_traces(item: pytest.Item) -> dict[str, Any]:
    """Return what an item traces: requirement ids (marker and scenario field), scenario id, flow."""
    ids: list[str] = []
    for mark in item.iter_markers(MARKER):
        ids += [str(a) for a in mark.args]
    callspec = getattr(item, "callspec", None)
    params: Mapping[str, Any] = callspec.params if callspec is not None else {}
    scenario = params.get("scenario")
    if isinstance(scenario, Scenario):
        ids += list(scenario.requirements)
        return {"requirements": ids, "scenario": scenario.id, "flow": params.get("flow")}
    return {"requirements": ids, "scenario": None, "flow": None}


@dataclass(eq=False)
class RequirementsPlugin:
    """Collect test outcomes with their traces and write ``reports/requirements.json`` at session end."""

    output: Path
    requirements: list[Requirement] = field(default_factory=load_requirements)
    runs: dict[str, Run] = field(default_factory=dict)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Attach each item's traces to its reports."""
        # user_properties travel with reports, so the xdist controller sees traces it did not collect.
        for item in items:
            item.user_properties.append(("traces", json.dumps(item_traces(item))))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Record one test's outcome (a failure in any phase wins)."""
        outcome = outcome_of(report)
        if outcome is None:
            return
        traces = json.loads(str(dict(report.user_properties).get("traces") or "{}"))
        previous = self.runs.get(report.nodeid)
        if previous is not None and previous.outcome in ("failed", "error"):
            return
        self.runs[report.nodeid] = Run(
            nodeid=report.nodeid,
            outcome=outcome,
            scenario=traces.get("scenario"),
            flow=traces.get("flow"),
            requirements=tuple(traces.get("requirements", ())),
        )

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write the report once, from the controller."""
        if hasattr(session.config, "workerinput"):
            return  # an xdist worker: the controller writes the report
        report = build_report(self.requirements, load_catalogue(), list(self.runs.values()))
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def output_path(rootpath: Path) -> Path:
    """Return where to write the report: ``$REQUIREMENTS_JSON`` or ``reports/requirements.json`` under the root."""
    configured = os.environ.get(OUTPUT_ENV)
    return Path(configured) if configured else rootpath / DEFAULT_OUTPUT
