"""Aggregate the runs' results files into the scenario x flow matrix and the per-suite summary."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

RESULTS_GLOB = "results-*.json"
CLASS_ORDER = ("impersonation", "must_violation", "false_reject", "policy_difference", "acceptable", "pass")
"""Verdict classes worst first (``scenarios.verdicts.CLASSES``; repeated so reports build without the harness)."""
PASSING = ("passed", "xfailed")
"""Outcomes that meet the expectation (a strict xfail is a known, recorded deviation)."""


def load_runs(report_dir: Path) -> list[dict[str, Any]]:
    """Load every ``results-*.json`` in ``report_dir`` (one per suite run), oldest first."""
    runs = []
    for path in sorted(report_dir.glob(RESULTS_GLOB)):
        try:
            runs.append(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: not a results file ({exc})") from exc
    return sorted(runs, key=lambda run: str(run["run"].get("finished", "")))


def all_cases(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return every case once: when two runs ran the same test, the later run's result stands."""
    latest: dict[str, dict[str, Any]] = {}
    for run in runs:
        for case in run["cases"]:
            latest[case["nodeid"]] = case | {"run": run["run"]["name"]}
    return list(latest.values())


def summary(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return pass / fail counts per suite and flow."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for case in all_cases(runs):
        counts[(case["suite"], case.get("flow") or "-")][case["outcome"]] += 1
    rows = []
    for (suite, flow), counter in sorted(counts.items()):
        failed = counter["failed"] + counter["error"] + counter["xpassed"]
        rows.append(
            {
                "suite": suite,
                "flow": flow,
                "passed": counter["passed"],
                "failed": failed,
                "xfailed": counter["xfailed"],
                "skipped": counter["skipped"],
                "total": sum(counter.values()),
                "ok": failed == 0,
            }
        )
    return rows


def matrix(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return ``{scenario: {title, expected, flows: {flow: verdict...}}}`` from the scenario cases."""
    table: dict[str, Any] = {}
    for case in all_cases(runs):
        scenario = case.get("scenario")
        if not scenario:
            continue
        row = table.setdefault(
            scenario,
            {
                "title": case.get("title", ""),
                "expected": case.get("expected", {}),
                "troubleshooting": case.get("troubleshooting") or None,
                "suite": case["suite"],
                "flows": {},
            },
        )
        found = case.get("verdict") or {}
        row["flows"][case.get("flow") or "-"] = {
            "verdict": verdict(case["outcome"]),
            "class": found.get("class"),
            "class_reason": found.get("reason"),
            "outcome": case["outcome"],
            "actual": case.get("actual", {}).get("summary"),
            "reason": case.get("actual", {}).get("reason"),
            "sp_status": case.get("actual", {}).get("sp_status"),
            "sp_said": case.get("actual", {}).get("sp_said"),
            "nodeid": case["nodeid"],
        }
    return table


def class_rank(case: dict[str, Any]) -> int:
    """Sort key putting impersonations first, then the other classes worst first, unclassified cases last."""
    cls = (case.get("verdict") or {}).get("class")
    return CLASS_ORDER.index(cls) if cls in CLASS_ORDER else len(CLASS_ORDER)


def class_counts(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Count the classified cases per class (worst first), and how many of each fail the run or are known."""
    counts: dict[str, Counter[str]] = {cls: Counter() for cls in CLASS_ORDER}
    for case in all_cases(runs):
        found = case.get("verdict")
        if not found or found.get("class") not in counts:
            continue
        bucket = counts[found["class"]]
        bucket["cases"] += 1
        if case["outcome"] == "xfailed":
            bucket["known"] += 1
        elif case["outcome"] in ("failed", "error"):
            bucket["failing"] += 1
    return {cls: {"cases": c["cases"], "failing": c["failing"], "known": c["known"]} for cls, c in counts.items()}


def verdict(outcome: str) -> str:
    """Map a pytest outcome to the matrix's words: pass, FAIL, known deviation, skipped."""
    return {
        "passed": "pass",
        "xfailed": "known deviation",
        "skipped": "skipped",
        "failed": "FAIL",
        "error": "FAIL",
        "xpassed": "FAIL",
    }.get(outcome, outcome)


def failed(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the failing cases, impersonations first."""
    return sorted((c for c in all_cases(runs) if c["outcome"] in ("failed", "error", "xpassed")), key=class_rank)


def write_json_reports(report_dir: Path, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Write ``matrix.json`` and return it (with the summary) for the HTML writer: class counts first."""
    data = {
        "classes": class_counts(runs),
        "summary": summary(runs),
        "matrix": matrix(runs),
        "failed": [c["nodeid"] for c in failed(runs)],
        "impersonations": [c["nodeid"] for c in all_cases(runs) if class_rank(c) == 0],
    }
    (report_dir / "matrix.json").write_text(json.dumps(data, indent=2))
    return data
