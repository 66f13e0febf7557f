"""Shape the case records for report.html's filter: the words to search, the facets to toggle, the artifacts to show.

The page's filter script only reads ``data-*`` attributes written from here, so a new outcome class in the
records (a verdict class, say) becomes a toggle without touching the script.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from saml_harness.report.records import anchor

FAILED = ("failed", "error", "xpassed")
"""Pytest outcomes that missed the expectation."""

NO_FLOW = "-"
"""The flow facet of a test that is not run per flow (unit tests, the security suite's property tests)."""

CLASS_LABELS = {
    "passed": "passed",
    "failed": "failed",
    "error": "error",
    "xpassed": "passed unexpectedly (xpassed)",
    "xfailed": "known deviation (xfailed)",
    "skipped": "skipped",
}


def outcome_class(case: dict[str, Any]) -> str:
    """Return the class a case is toggled by: its verdict class when the record has one, else the pytest outcome."""
    for key in ("verdict_class", "verdict"):
        value = case.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict) and isinstance(value.get("class"), str):
            return str(value["class"])
    return str(case.get("outcome", ""))


def search_text(*parts: Any) -> str:
    """Return the lower-cased words the text filter matches (id, title, spec clause, reasons, node id)."""
    return " ".join(str(p) for p in parts if p).lower()


def case_text(case: dict[str, Any]) -> str:
    expected, actual = case.get("expected") or {}, case.get("actual") or {}
    return search_text(
        case.get("scenario"),
        case.get("title"),
        case.get("spec"),
        case.get("nodeid"),
        case.get("troubleshooting"),
        expected.get("reason"),
        expected.get("sp_error"),
        expected.get("idp_error"),
        actual.get("reason"),
        actual.get("summary"),
        " ".join(case.get("problems") or []),
        case.get("skip_reason"),
    )


def cell_token(flow: str | None, cls: str) -> str:
    """Return one ``flow/class`` facet; an element shows when any of its facets has both toggles on."""
    return f"{flow or NO_FLOW}/{cls}".replace(" ", "_")


def facets(cases: list[dict[str, Any]]) -> dict[str, list[tuple[str, str, int]]]:
    """Return the toggles to offer, generated from the data: ``{group: [(value, label, count)]}``."""
    groups: dict[str, dict[str, int]] = {"class": {}, "flow": {}, "suite": {}}
    for case in cases:
        for group, value in (
            ("class", outcome_class(case)),
            ("flow", case.get("flow") or NO_FLOW),
            ("suite", case.get("suite", "")),
        ):
            groups[group][value] = groups[group].get(value, 0) + 1
    return {
        group: [(value.replace(" ", "_"), CLASS_LABELS.get(value, value), n) for value, n in sorted(counts.items())]
        for group, counts in groups.items()
    }


def matrix_rows(matrix: dict[str, Any], cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the matrix rows with what the filter needs: search words, suite, and one facet per flow cell."""
    by_node = {case["nodeid"]: case for case in cases}
    rows = []
    for scenario, row in sorted(matrix.items()):
        flow_cases = [by_node.get(cell["nodeid"], {}) for cell in row["flows"].values()]
        first = next((c for c in flow_cases if c), {})
        classes = {flow: outcome_class(by_node.get(cell["nodeid"], cell)) for flow, cell in row["flows"].items()}
        rows.append(
            {
                "id": scenario,
                "row": row,
                "classes": classes,
                "anchors": {flow: anchor(cell["nodeid"]) for flow, cell in row["flows"].items()},
                "text": search_text(scenario, row.get("title"), first.get("spec"), row.get("troubleshooting"))
                + " "
                + " ".join(case_text(c) for c in flow_cases if c),
                "cells": " ".join(cell_token(flow, cls) for flow, cls in classes.items()),
            }
        )
    return rows


def wrongly_accepted(case: dict[str, Any]) -> bool:
    """Whether the SP signed someone in although the scenario expected a refusal (the worst miss there is)."""
    expected = (case.get("expected") or {}).get("expect")
    return bool((case.get("actual") or {}).get("accepted")) and expected in ("reject", "idp_error")


def artifacts(nodeid: str, report_dir: Path) -> dict[str, list[str]]:
    """Return the Playwright screenshots, traces and other files kept for a test (paths relative to the report)."""
    found: dict[str, list[str]] = {"screenshots": [], "traces": [], "other": []}
    browser_dir = report_dir / "browser"
    if not browser_dir.is_dir():
        return found
    name = nodeid.split("::")[-1]
    slug = "".join(c if c.isalnum() else "-" for c in name).strip("-").lower()
    for folder in sorted(browser_dir.iterdir()):
        if not (folder.is_dir() and slug[:40] in folder.name.lower()):
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            relative = Path(os.path.relpath(path, report_dir)).as_posix()
            kind = "screenshots" if path.suffix == ".png" else "traces" if path.suffix == ".zip" else "other"
            found[kind].append(relative)
    return found
