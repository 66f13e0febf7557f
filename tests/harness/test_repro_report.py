"""``repro`` shows the real fault and verdict; ``report`` rebuilds readable reports and fails on misses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from saml_harness.browser.setup import find_browser
from saml_harness.cli.main import main
from saml_harness.cli.repro import mark_changes
from saml_harness.report.html import failing_hop, sequence_svg


def run_json(args: list[str]) -> tuple[int, list[dict[str, Any]]]:
    result = CliRunner().invoke(main, ["repro", *args, "--json"])
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    return result.exit_code, lines


def test_repro_marks_the_changed_audience_and_meets_the_expectation() -> None:
    code, [case] = run_json(["audience.trailing_slash", "--flow", "sp"])
    assert code == 0 and case["met"]
    assert case["actual"]["reason"] == "audience.mismatch"
    assert len(case["changed_lines"]) == 1 and "/</saml2:Audience>" in case["changed_lines"][0]
    assert case["troubleshooting"] == "Invalid SAML response" and case["advice"]
    assert case["messages"]["AuthnRequest"].startswith("<samlp:AuthnRequest")
    assert case["verdict"] == {"class": "pass", "reason": "the SP refused, as required", "fails": False}
    assert case["actual"]["sp_status"] == 403
    assert case["actual"]["sp_said"].startswith("Invalid SAML response")


def test_repro_prints_what_the_sp_said_and_the_verdict_class() -> None:
    result = CliRunner().invoke(main, ["repro", "audience.trailing_slash", "--flow", "sp"])
    assert result.exit_code == 0, result.output
    assert "SP said:  HTTP 403: Invalid SAML response" in result.output
    assert "Verdict:  pass (the SP refused, as required)" in result.output


def test_repro_of_the_baseline_changes_nothing() -> None:
    code, cases = run_json(["baseline.valid"])
    # The cases in the message: this failed twice under heavy machine load and passed on every rerun.
    assert code == 0 and [c["flow"] for c in cases] == ["sp_initiated", "idp_initiated"], cases
    assert all(c["changed_lines"] == [] and c["actual"]["accepted"] for c in cases), cases


def test_repro_rejects_unknown_scenarios_with_suggestions() -> None:
    result = CliRunner().invoke(main, ["repro", "audience.trailin"])
    assert result.exit_code == 2 and "audience.trailing_slash" in result.output


@pytest.mark.skipif(find_browser() is None, reason="no Chromium on this machine")
def test_repro_in_a_browser_sees_the_error_page() -> None:
    code, [case] = run_json(["attributes.firstName.missing", "--flow", "sp", "--browser"])
    assert code == 0
    assert case["browser"]["sp_error"] == "Attributes missing" and case["browser"]["identity"] is None


def test_mark_changes_ignores_ids_and_times() -> None:
    old = '<a ID="id1" IssueInstant="t1">\n  <Audience>x</Audience>\n</a>'
    new = '<a ID="id2" IssueInstant="t2">\n  <Audience>x/</Audience>\n</a>'
    assert [m for m, _ in mark_changes(old, new)] == [" ", "+", " "]


def case(nodeid: str, outcome: str, **extra: Any) -> dict[str, Any]:
    return {
        "nodeid": nodeid,
        "suite": "conformance",
        "outcome": outcome,
        "duration": 0.1,
        "flow": "sp_initiated",
    } | extra


def write_results(folder: Path, cases: list[dict[str, Any]]) -> None:
    run = {"name": "conformance", "target": "bundled", "started": "s", "finished": "f", "exitstatus": 0}
    (folder / "results-conformance.json").write_text(json.dumps({"run": run, "cases": cases}))


def test_report_rebuilds_html_and_matrix_and_exits_1_on_a_miss(tmp_path: Path) -> None:
    hops = [
        {"method": "GET", "url": "http://sp/x", "status": 200, "location": None, "saml": [], "note": ""},
        {
            "method": "POST",
            "url": "http://sp/acs",
            "status": 403,
            "location": None,
            "saml": ["SAMLResponse"],
            "note": "",
        },
    ]
    write_results(
        tmp_path,
        [
            case("t::a", "passed", scenario="a.b", title="A", expected={"expect": "accept"}),
            case("t::c", "failed", scenario="c.d", title="C", expected={"expect": "reject"}, hops=hops, problems=["x"]),
        ],
    )
    result = CliRunner().invoke(main, ["report", "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "FAILED t::c" in result.output
    page = (tmp_path / "report.html").read_text()
    assert "1 case(s) failed" in page and "c.d" in page and "<svg" in page
    assert "http://" not in page.split("<style>")[0]  # no external resources in the head: opens offline
    matrix = json.loads((tmp_path / "matrix.json").read_text())
    assert matrix["matrix"]["c.d"]["flows"]["sp_initiated"]["verdict"] == "FAIL"
    assert matrix["failed"] == ["t::c"]


def test_report_passes_when_everything_met(tmp_path: Path) -> None:
    write_results(tmp_path, [case("t::a", "passed"), case("t::b", "xfailed")])
    assert CliRunner().invoke(main, ["report", "--dir", str(tmp_path)]).exit_code == 0


def test_report_without_results_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "run a nox session first" in result.output


def test_sequence_diagram_marks_the_first_failing_hop() -> None:
    hops = [
        {"method": "GET", "url": "http://idp/a", "status": 302, "location": "http://idp/b", "saml": [], "note": ""},
        {"method": "POST", "url": "http://sp/acs", "status": 403, "location": None, "saml": [], "note": ""},
    ]
    assert failing_hop(hops) == 1
    svg = sequence_svg(hops, "http://sp", "http://idp")
    assert svg.count('class="bad"') == 1 and "POST /acs" in svg


def test_report_counts_classes_first_and_puts_impersonations_first_in_red(tmp_path: Path) -> None:
    def verdict(cls: str, fails: bool) -> dict[str, Any]:
        return {"class": cls, "reason": f"because {cls}", "fails": fails}

    said = {"summary": "rejected", "sp_status": 403, "sp_said": "SSO failed: audience"}
    write_results(
        tmp_path,
        [
            case("t::m", "failed", scenario="m.m", verdict=verdict("must_violation", True)),
            case("t::p", "passed", scenario="p.p", verdict=verdict("policy_difference", False), actual=said),
            case("t::k", "xfailed", scenario="k.k", verdict=verdict("must_violation", True)),
            case("t::i", "failed", scenario="i.i", verdict=verdict("impersonation", True)),
        ],
    )
    result = CliRunner().invoke(main, ["report", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.index("FAILED t::i (impersonation)") < result.output.index("FAILED t::m (must_violation)")
    matrix = json.loads((tmp_path / "matrix.json").read_text())
    assert next(iter(matrix)) == "classes"
    assert matrix["classes"]["impersonation"] == {"cases": 1, "failing": 1, "known": 0}
    assert matrix["classes"]["must_violation"] == {"cases": 2, "failing": 1, "known": 1}
    assert matrix["classes"]["policy_difference"] == {"cases": 1, "failing": 0, "known": 0}
    assert matrix["failed"] == ["t::i", "t::m"] and matrix["impersonations"] == ["t::i"]
    cell = matrix["matrix"]["p.p"]["flows"]["sp_initiated"]
    assert cell["class"] == "policy_difference" and cell["sp_said"] == "SSO failed: audience"
    page = (tmp_path / "report.html").read_text()
    body = page.split("</style>", 1)[1]
    assert body.index("Verdict classes") < body.index("Summary")
    assert "2 case(s) failed: 1 impersonation, 1 must_violation" in page
    failures = body.split("<h2>Failures</h2>", 1)[1]
    assert failures.index("t::i") < failures.index("t::m")
    assert '<span class="impersonation">impersonation</span>' in failures
    assert ".impersonation{color:#fff;background:#b3261e" in page
    assert "SP said: HTTP 403: <code>SSO failed: audience</code>" in page
