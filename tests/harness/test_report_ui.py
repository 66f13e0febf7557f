"""report.html as a QA lead uses it: filter, toggles, sort and count in a real Chromium; lean junit.xml."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from saml_harness.browser.setup import find_browser
from saml_harness.plugin.hooks import junit_properties
from saml_harness.report.html import diagram, failing_hop, lane_names, render
from saml_harness.report.records import PROPERTY
from saml_harness.report.view import facets

ACS = "http://sp/sso/saml/acme/acs"


def hop(method: str, url: str, status: int, saml: list[str] | None = None) -> dict[str, Any]:
    return {"method": method, "url": url, "status": status, "location": None, "saml": saml or [], "note": ""}


ACCEPTED_HOPS = [
    hop("GET", "http://sp/login/sso", 302),
    hop("GET", "http://idp/app/x/sso/saml", 200),
    hop("POST", ACS, 302, ["SAMLResponse (post)"]),
    hop("GET", "http://sp/", 200),
]


def case(nodeid: str, outcome: str, scenario: str, flow: str = "sp_initiated", **extra: Any) -> dict[str, Any]:
    return {
        "nodeid": nodeid,
        "suite": "conformance",
        "outcome": outcome,
        "duration": 0.1,
        "flow": flow,
        "scenario": scenario,
        "title": f"title of {scenario}",
        "spec": "SAML2 Core 2.5.1.4",
        "expected": {"expect": "reject", "reason": "audience.mismatch"},
        "actual": {"summary": "rejected", "reason": "audience.mismatch"},
        "troubleshooting": "Invalid SAML response",
    } | extra


def write_run(folder: Path, name: str, cases: list[dict[str, Any]], target: str = "bundled") -> None:
    run = {"name": name, "target": target, "started": "s", "finished": name, "exitstatus": 0}
    (folder / f"results-{name}.json").write_text(json.dumps({"run": run, "cases": cases}))


def node(name: str) -> str:
    return f"suites/conformance/test_scenarios.py::test_scenario[{name}]"


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """A report over 40 scenarios in two flows, a failure, a known deviation and a case with a verdict class."""
    cases = [case(node(f"audience.s{i:02}-sp_initiated"), "passed", f"audience.s{i:02}") for i in range(40)]
    cases += [
        case(node(f"audience.s{i:02}-idp_initiated"), "passed", f"audience.s{i:02}", "idp_initiated") for i in range(40)
    ]
    cases += [
        case(node("signature.xsw3-sp_initiated"), "failed", "signature.xsw3", spec="XMLDSig 4.3.3", problems=["x"]),
        case(node("clock.skew_edge-sp_initiated"), "xfailed", "clock.skew_edge", troubleshooting="Certificate error"),
        case(
            node("nameid.unspecified-sp_initiated"),
            "passed",
            "nameid.unspecified_with_a_very_long_identifier_that_used_to_push_the_matrix_sideways",
            verdict={"class": "policy_difference", "reason": "NameID format differs from JustCall's policy"},
        ),
    ]
    write_run(tmp_path, "conformance", cases)
    return render(tmp_path)


def test_failing_hop_marks_a_wrongly_accepted_response_too() -> None:
    wrongly = {"expected": {"expect": "reject"}, "actual": {"accepted": True}, "hops": ACCEPTED_HOPS}
    assert failing_hop(ACCEPTED_HOPS) is None
    assert failing_hop(ACCEPTED_HOPS, wrongly) == 2
    svg = diagram(wrongly | {"sp_origin": "http://sp", "idp_origin": "http://idp"}, "bundled")
    assert svg.count('class="bad"') == 1 and "accepted, but a refusal was expected" in svg
    rightly = {"expected": {"expect": "accept"}, "actual": {"accepted": True}}
    assert failing_hop(ACCEPTED_HOPS, rightly) is None


def test_the_sp_lane_is_named_after_the_target() -> None:
    assert lane_names("bundled")[1] == "JustCall (SP)"
    assert lane_names("stranger-sp")[1] == "stranger-sp (SP)"
    svg = diagram({"hops": ACCEPTED_HOPS, "sp_origin": "http://sp", "idp_origin": "http://idp"}, "stranger-sp")
    assert "stranger-sp (SP)" in svg and "JustCall" not in svg


def test_toggles_come_from_the_outcome_classes_in_the_records() -> None:
    impersonation = {"outcome": "failed", "verdict": {"class": "impersonation", "reason": "r"}}
    got = facets([{"outcome": "passed", "suite": "s", "flow": None}, impersonation])
    assert [v for v, _, _ in got["class"]] == ["impersonation", "passed"]
    assert [v for v, _, _ in got["flow"]] == ["-"]


def test_failed_browser_case_shows_its_screenshot_and_the_show_trace_command(tmp_path: Path) -> None:
    nodeid = "suites/browser/test_login_flows.py::test_sp_initiated_sign_in[chromium]"
    folder = tmp_path / "browser" / "suites-browser-test-login-flows-py-test-sp-initiated-sign-in-chromium"
    folder.mkdir(parents=True)
    (folder / "test-failed-1.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "trace.zip").write_bytes(b"PK")
    write_run(tmp_path, "browser", [{"nodeid": nodeid, "suite": "browser", "outcome": "failed", "duration": 1.0}])
    page = render(tmp_path).read_text()
    shot = "browser/suites-browser-test-login-flows-py-test-sp-initiated-sign-in-chromium/test-failed-1.png"
    assert f'<img class="shot" src="{shot}"' in page
    assert (
        "playwright show-trace browser/suites-browser-test-login-flows-py-test-sp-initiated-sign-in-chromium/trace.zip"
        in page
    )


def test_junit_keeps_expected_actual_and_the_report_link_only() -> None:
    record = case("n", "failed", "a.b", problems=["p1"], hops=ACCEPTED_HOPS * 100, messages={"Response": "<x/>" * 9999})
    lean = junit_properties([(PROPERTY, json.dumps(record)), ("other", "kept")], "report.html#n")
    assert dict(lean) == {
        "other": "kept",
        "scenario": "a.b",
        "expected": "reject, audience.mismatch",
        "actual": "rejected",
        "problem": "p1",
        "report": "report.html#n",
    }


def test_junit_xml_stays_lean_under_xdist(tmp_path: Path) -> None:
    """The record must still reach results-*.json from an xdist worker, and must not reach junit.xml."""
    (tmp_path / "test_big.py").write_text(
        "def test_big(record_case):\n"
        "    record_case({'scenario': 'big.one', 'expected': {'expect': 'accept'}, 'actual': {'summary': 'ok'},"
        " 'messages': {'Response': 'x' * 200000}})\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    reports = tmp_path / "reports"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "saml_harness.plugin.hooks", "-p", "no:cacheprovider", "-n", "1",
         f"--report-dir={reports}", f"--junitxml={reports}/junit.xml", "test_big.py"],
        cwd=tmp_path, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    junit = (reports / "junit.xml").read_text()
    assert len(junit) < 5000 and "x" * 1000 not in junit
    properties = {p.get("name"): p.get("value") for p in ET.fromstring(junit).iter("property")}
    assert properties["report"] == "report.html#test_big.py__test_big" and properties["actual"] == "ok"
    results = json.loads((reports / "results-tests.json").read_text())
    assert results["cases"][0]["messages"]["Response"] == "x" * 200000


# ------------------------------------------------------------------------------------------- in a browser

BROWSER = find_browser()
needs_browser = pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert BROWSER is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**BROWSER.launch_options(headless=True))
        yield browser
        browser.close()


def visible_rows(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "#matrix tbody tr:not([hidden]) td:first-child code", "els => els.map(e => e.textContent)"
    )


@needs_browser
def test_the_filter_finds_cases_by_id_title_clause_and_reason(chromium: Any, report: Path) -> None:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(report.as_uri())
    assert page.is_visible("#q")
    assert page.text_content("#shown") == "Showing 43 of 43 scenarios and 83 of 83 cases"
    page.fill("#q", "xsw3")
    assert visible_rows(page) == ["signature.xsw3"]
    assert page.text_content("#shown") == "Showing 1 of 43 scenarios and 1 of 83 cases"
    page.fill("#q", "xmldsig 4.3.3")  # the spec clause
    assert visible_rows(page) == ["signature.xsw3"]
    page.fill("#q", "certificate error")  # the troubleshooting row
    assert visible_rows(page) == ["clock.skew_edge"]
    page.fill("#q", "title of audience.s07")
    assert visible_rows(page) == ["audience.s07"]
    assert page.is_visible(
        f"details[id='{'suites_conformance_test_scenarios.py__test_scenario[audience.s07-sp_initiated]'}']"
    )
    page.fill("#q", "no such thing")
    assert visible_rows(page) == [] and page.text_content("#shown") == "Showing 0 of 43 scenarios and 0 of 83 cases"
    page.close()


@needs_browser
def test_outcome_flow_and_suite_toggles_and_sorting(chromium: Any, report: Path) -> None:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(report.as_uri())
    page.uncheck("input[data-group=class][value=passed]")
    assert sorted(visible_rows(page)) == [
        "clock.skew_edge",
        "nameid.unspecified_with_a_very_long_identifier_that_used_to_push_the_matrix_sideways",
        "signature.xsw3",
    ]
    page.uncheck("input[data-group=class][value=policy_difference]")  # a verdict class from the records
    assert sorted(visible_rows(page)) == ["clock.skew_edge", "signature.xsw3"]
    page.check("input[data-group=class][value=passed]")
    page.uncheck("input[data-group=flow][value=sp_initiated]")
    assert len(visible_rows(page)) == 40 and "signature.xsw3" not in visible_rows(page)
    page.uncheck("input[data-group=suite][value=conformance]")
    assert page.text_content("#shown") == "Showing 0 of 43 scenarios and 0 of 83 cases"
    page.check("input[data-group=suite][value=conformance]")
    page.check("input[data-group=flow][value=sp_initiated]")
    page.click("#matrix thead th:nth-child(1)")
    first = visible_rows(page)
    assert first == sorted(first)
    page.click("#matrix thead th:nth-child(1)")
    assert visible_rows(page) == sorted(first, reverse=True)
    page.close()


@needs_browser
@pytest.mark.parametrize("width", [1280, 1440])
def test_the_matrix_fits_the_window_or_scrolls_in_its_own_box(chromium: Any, report: Path, width: int) -> None:
    page = chromium.new_page(viewport={"width": width, "height": 900})
    page.goto(report.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    box = page.eval_on_selector(".matrix-box", "b => [b.getBoundingClientRect().right, getComputedStyle(b).overflowX]")
    assert box[0] <= width and box[1] == "auto"
    assert "not run in that flow" in page.text_content("#dash-legend")
    page.close()


@needs_browser
def test_without_script_everything_is_visible(chromium: Any, report: Path) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(report.as_uri())
    assert not page.is_visible("#filters")  # controls that cannot work stay out of the way
    assert len(visible_rows(page)) == 43
    assert page.text_content("#shown") == "Showing all 43 scenarios and all 83 cases"
    context.close()


def test_the_report_loads_nothing_from_the_network(report: Path) -> None:
    page = report.read_text()
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert "http://" not in page.split("<body>")[0] and "https://" not in page.split("<body>")[0]
