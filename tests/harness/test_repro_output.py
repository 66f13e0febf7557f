"""``repro`` as support reads it: the verdict first, then details, and a Response diagnose can check as is."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from saml_harness.cli.main import main
from saml_harness.cli.repro_render import EXACT_XML_HEADING, POSTED_HEADING


def run_repro(*args: str) -> str:
    """Run ``saml-harness repro`` as support runs it: its own process, output piped (a failure shows stderr)."""
    result = subprocess.run(
        [sys.executable, "-m", "saml_harness", "repro", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=os.environ | {"COLUMNS": "120"},  # piped output wraps at COLUMNS; a fixed width keeps lines whole
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def printed() -> str:
    return run_repro("audience.trailing_slash", "--flow", "sp")


def signature_errors(path: Path) -> list[str]:
    result = CliRunner().invoke(main, ["diagnose", str(path), "--json"])
    findings = json.loads(result.output)["findings"]
    return [f["message"] for f in findings if f["check"].startswith("signature") and f["severity"] == "error"]


def test_the_verdict_comes_before_the_details(printed: str) -> None:
    lines = printed.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if line.startswith(prefix))
        for prefix in (
            "Verdict:  pass",
            "The SP did what this scenario allows",
            "Expected: reject",
            "Actual:",
            "Troubleshooting row: Invalid SAML response",
            "Fix: ",
        )
    ]
    details = next(i for i, line in enumerate(lines) if "details" in line and "─" in line)
    assert order == sorted(order) and order[-1] < details < printed.splitlines().index(EXACT_XML_HEADING)
    assert printed.index("HTTP hops") > printed.index("Fix: ")
    assert "whitespace breaks the signatures" in printed


def test_the_exact_response_is_the_posted_base64_and_diagnoses_without_signature_errors(
    printed: str, tmp_path: Path
) -> None:
    exact = printed.split(EXACT_XML_HEADING + "\n")[1].split("\n" + POSTED_HEADING)[0]
    posted = printed.split(POSTED_HEADING + "\n")[1].split("\n")[0]
    assert base64.b64decode(posted).decode() == exact
    (tmp_path / "exact.xml").write_text(exact)
    assert signature_errors(tmp_path / "exact.xml") == []
    # What the warning is about: the same Response re-indented no longer verifies.
    parser = etree.XMLParser(remove_blank_text=True)
    (tmp_path / "pretty.xml").write_bytes(etree.tostring(etree.fromstring(exact.encode(), parser), pretty_print=True))
    assert signature_errors(tmp_path / "pretty.xml")


def test_repro_json_carries_the_posted_response_and_its_exact_xml() -> None:
    case = json.loads(run_repro("attributes.firstName.missing", "--flow", "sp", "--json").splitlines()[-1])
    assert base64.b64decode(case["saml_response"]).decode() == case["response_xml"]
    assert case["response_xml"].startswith("<?xml") and "firstName" not in case["response_xml"]
