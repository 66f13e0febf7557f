"""Pytest hooks shared by every suite: ``--target``, the ``bundled_only`` marker, and the reports."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from saml_harness.deploy.targets import TargetSpec, load_target
from saml_harness.report.records import PROPERTY, anchor

TARGET_KEY = pytest.StashKey[TargetSpec | None]()
"""Where the loaded ``--target`` spec lives on the pytest config (None: the bundled JustCall SP)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    _report_options(parser)
    parser.addoption(
        "--target",
        default=None,
        metavar="FILE.toml",
        help="Run the suites against the external SP described in FILE.toml instead of the bundled JustCall SP.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bundled_only: needs the bundled JustCall SP (its database or reason codes)")
    path = config.getoption("--target")
    config.stash[TARGET_KEY] = load_target(Path(path), fetch=False) if path else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    spec = config.stash[TARGET_KEY]
    if spec is None:
        return
    skip = pytest.mark.skip(reason=f"needs the bundled JustCall SP; the target is {spec.name!r}")
    for item in items:
        if item.get_closest_marker("bundled_only"):
            item.add_marker(skip)


# ---------------------------------------------------------------------------------------------- reports


REPORT_CASES = pytest.StashKey[dict[str, dict[str, Any]]]()
STARTED = pytest.StashKey[str]()


def _report_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("saml-harness reports")
    group.addoption(
        "--report-dir", default=None, metavar="DIR", help="Write results, matrix.json and report.html here."
    )
    group.addoption("--report-name", default=None, help="Name of this run in the report (default: the suite folder).")


@pytest.fixture
def record_case(request: pytest.FixtureRequest) -> Callable[[dict[str, Any]], None]:
    """Scope: function. Attach a case record (``saml_harness.report.records.case_record``) to this test's report."""

    def record(case: dict[str, Any]) -> None:
        request.node.user_properties.append((PROPERTY, json.dumps(case, default=str)))

    return record


def _suite_of(nodeid: str) -> str:
    parts = nodeid.split("::")[0].split("/")
    if parts[0] == "suites" and len(parts) > 2:
        return parts[1]
    return parts[0] if len(parts) > 1 else "tests"


VERDICTS = pytest.StashKey[dict[str, tuple[str, str, str]]]()
"""nodeid -> (class, reason, pytest outcome) of every classified case, for the terminal summary."""


def _remember_verdict(config: pytest.Config, report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == PROPERTY and report.when == "call":
            found = json.loads(str(value)).get("verdict")
            if found:
                outcome = _outcome(report) or report.outcome
                config.stash.setdefault(VERDICTS, {})[report.nodeid] = (found["class"], found["reason"], outcome)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print the class counts, then every impersonation: the line CI readers look at first."""
    verdicts = config.stash.get(VERDICTS, {})
    if not verdicts:
        return
    from saml_harness.report.build import CLASS_ORDER

    counts = {cls: sum(1 for c, _r, _o in verdicts.values() if c == cls) for cls in CLASS_ORDER}
    terminalreporter.section("verdict classes")
    terminalreporter.write_line(", ".join(f"{cls} {n}" for cls, n in counts.items()))
    for nodeid, (cls, reason, outcome) in sorted(verdicts.items()):
        if cls == "impersonation":
            terminalreporter.write_line(f"IMPERSONATION ({outcome}) {nodeid}: {reason}", red=True, bold=True)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect the case record, then leave JUnit only a lean summary of it (before junitxml reads the report)."""
    config = _CONFIG.get("config")
    if config is None:
        return
    _remember_verdict(config, report)
    if config.getoption("--report-dir"):
        _collect(config, report)
    if not hasattr(config, "workerinput"):  # a worker must ship the record to the controller untouched
        link = f"{_report_link(config)}#{anchor(report.nodeid)}"
        report.user_properties = junit_properties(report.user_properties, link)


def junit_properties(properties: list[tuple[str, object]], link: str) -> list[tuple[str, object]]:
    """Replace each case record by what a CI page needs: expected, actual and the link to the case in report.html.

    The whole record (hops, decoded messages) stays in results-*.json; in junit.xml it made 162 cases 1.9 MB.
    """
    lean: list[tuple[str, object]] = []
    for name, value in properties:
        if name != PROPERTY:
            lean.append((name, value))
            continue
        case = json.loads(str(value))
        if case.get("scenario"):
            lean.append(("scenario", case["scenario"]))
        verdict = case.get("verdict")
        if isinstance(verdict, dict) and verdict.get("class"):
            lean.append(("verdict", f"{verdict['class']}: {verdict.get('reason', '')}".rstrip(": ")))
        expected = case.get("expected") or {}
        if expected:
            wanted = [expected.get("expect")] + [expected.get(k) for k in ("sp_error", "idp_error", "reason")]
            lean.append(("expected", ", ".join(str(w) for w in wanted if w)))
        if (case.get("actual") or {}).get("summary"):
            lean.append(("actual", case["actual"]["summary"]))
        for problem in case.get("problems") or []:
            lean.append(("problem", problem))
        lean.append(("report", link))
    return lean


def _report_link(config: pytest.Config) -> str:
    """Return where report.html is, relative to junit.xml when both are written (else as given)."""
    report_dir = config.getoption("--report-dir") or "reports"
    page = Path(report_dir) / "report.html"
    junit = config.getoption("xmlpath", None)
    if junit:
        return os.path.relpath(page.resolve(), Path(junit).resolve().parent).replace(os.sep, "/")
    return page.as_posix()


def _collect(config: pytest.Config, report: pytest.TestReport) -> None:
    cases = config.stash.setdefault(REPORT_CASES, {})
    entry = cases.setdefault(
        report.nodeid, {"nodeid": report.nodeid, "suite": _suite_of(report.nodeid), "duration": 0.0}
    )
    entry["duration"] += report.duration
    for name, value in report.user_properties:
        if name == PROPERTY:
            entry.update(json.loads(str(value)))
    keywords = report.keywords
    if entry.get("flow") is None:
        entry["flow"] = next((f for f in ("sp_initiated", "idp_initiated") if f in keywords), None)
    outcome = _outcome(report)
    if outcome is None:
        return
    if report.when == "call" or report.outcome != "passed" or "outcome" not in entry:
        if entry.get("outcome") in ("failed", "error") and outcome == "passed":
            return
        entry["outcome"] = outcome
    if report.failed:
        entry["longrepr"] = str(report.longrepr)[-20000:]
    if report.skipped and isinstance(report.longrepr, tuple):
        entry["skip_reason"] = str(report.longrepr[2])


def _outcome(report: pytest.TestReport) -> str | None:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.when != "call":
        if report.failed:
            return "error"
        if report.skipped:
            return "skipped"
        return None
    return str(report.outcome)


_CONFIG: dict[str, pytest.Config] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG["config"] = session.config
    session.config.stash[STARTED] = datetime.now(UTC).isoformat(timespec="seconds")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write this run's results and rebuild the reports, after other plugins wrote theirs (requirements.json)."""
    config = session.config
    report_dir = config.getoption("--report-dir")
    if not report_dir or hasattr(config, "workerinput"):
        return
    from saml_harness.report.html import render

    folder = Path(report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    cases = list(config.stash.get(REPORT_CASES, {}).values())
    name = config.getoption("--report-name") or _run_name(cases)
    spec = config.stash.get(TARGET_KEY, None)
    run = {
        "name": name,
        "target": spec.name if spec else "bundled",
        "started": config.stash.get(STARTED, ""),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "exitstatus": int(exitstatus),
    }
    (folder / f"results-{name}.json").write_text(json.dumps({"run": run, "cases": cases}, indent=1, default=str))
    render(folder)


def _run_name(cases: list[dict[str, Any]]) -> str:
    suites = sorted({c["suite"] for c in cases})
    return "-".join(suites) if suites else "empty"
