"""Prove the suites catch an SP that signs in the victim: the python3-saml stranger, deliberately weakened.

The real suite machinery runs (``pytest suites/security --target``, the stranger launched from a target file, the
records written by the report plugin), so a harness change that stops calling such a sign-in a failure fails here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRANGER_TARGET = ROOT / "tests" / "strangers" / "python3_saml" / "target.toml"
VICTIM = "owner@acme.example"
"""The JustCall account owner: whom the attack ops' forged or truncated identities name."""

CAUGHT_BY = {
    # The comment truncates "owner@acme.example<!---->.evil.example" to the victim.
    "nameid-first-text": (
        "security.markup.comment_in_nameid_and_email.both_signed",
        "security.markup.comment_in_nameid_and_email.assertion_signed",
        "security.markup.comment_in_email_only.assertion_signed",
    ),
    # The attacker re-signs a forged identity with their own key and ships its certificate.
    "keyinfo-cert": (
        "security.resign.self_signed.both_signed",
        "security.resign.self_signed.assertion.assertion_signed",
    ),
    # Okta's signature still verifies; the evil assertion placed first is the one read.
    "any-signature": (
        "security.xsw3.both_signed",
        "security.xsw4.assertion_signed",
        "security.xsw5.both_signed",
    ),
}
FLOWS = ("sp_initiated", "idp_initiated")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def weakened_target(folder: Path, weakness: str) -> Path:
    """The python3-saml target on a free port, weakened one way, with no expectations to excuse anything."""
    port = free_port()
    text = STRANGER_TARGET.read_text().replace("18090", str(port))
    text = text.replace('expectations = "expectations.toml"', 'expectations = "no-expectations.toml"')
    text = text.replace('"--allow-unsolicited"]', f'"--allow-unsolicited", "--weaken", "{weakness}"]')
    assert "--weaken" in text and str(port) in text, "the stranger's target file changed shape"
    (folder / "no-expectations.toml").write_text("# nothing is excused\n")
    target = folder / "weakened.toml"
    target.write_text(text)
    return target


def run_suite(
    target: Path, reports: Path, scenarios: tuple[str, ...]
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """Run the security suite's generic attack test on ``scenarios`` against ``target``; return its case records."""
    selection = " or ".join(f"{scenario}-" for scenario in scenarios)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "suites/security/test_attacks.py",
            f"--target={target}",
            "-k",
            selection,
            "-p",
            "no:cacheprovider",
            "-q",
            f"--report-dir={reports}",
            "--report-name=weakened",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        # A clean run of its own, not an xdist worker's copy, whatever runs this test.
        env={k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "STRANGER_"))},
    )
    results = reports / "results-weakened.json"
    assert results.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return done, json.loads(results.read_text())["cases"]


@pytest.mark.parametrize("weakness", list(CAUGHT_BY))
def test_weakened_stranger_is_reported_as_signing_in_the_victim(tmp_path: Path, weakness: str) -> None:
    """Each attack the weakness lets through, in both flows, must fail the run with the victim signed in."""
    scenarios = CAUGHT_BY[weakness]
    done, cases = run_suite(weakened_target(tmp_path, weakness), tmp_path / "reports", scenarios)
    assert done.returncode == 1, done.stdout[-3000:]
    by_case = {(c["scenario"], c["flow"]): c for c in cases}
    assert set(by_case) == {(s, f) for s in scenarios for f in FLOWS}, sorted(by_case)
    for (scenario, flow), case in by_case.items():
        where = f"{scenario} [{flow}] ({weakness})"
        assert case["outcome"] == "failed", where
        assert case["actual"]["accepted"] is True, where
        assert case["actual"]["identity"] == VICTIM, where
        assert case["verdict"]["class"] == "impersonation", (where, case["verdict"])
        assert case["verdict"]["fails"] is True, where
        assert f"signed in {VICTIM}" in case["verdict"]["reason"], (where, case["verdict"])


def test_unknown_weakness_in_the_environment_is_a_usage_error(tmp_path: Path) -> None:
    """A typo in $STRANGER_WEAKEN must stop the SP, not run it unweakened while a test believes otherwise."""
    metadata = tmp_path / "idp.xml"
    metadata.write_text("<not-read/>")
    done = subprocess.run(
        [sys.executable, str(STRANGER_TARGET.parent), "--idp-metadata", str(metadata)],
        capture_output=True,
        text=True,
        timeout=30,
        env={"STRANGER_WEAKEN": "trust-everything", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "STRANGER_WEAKEN" in done.stderr and "trust-everything" in done.stderr
