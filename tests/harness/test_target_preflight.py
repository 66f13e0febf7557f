"""A bad or unreachable target stops pytest and the CLI at once: one usage-error line, exit 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from saml_harness.cli.main import main

DEAD = "http://127.0.0.1:9"
"""The discard port: nothing listens on loopback there."""


def target_file(tmp_path: Path, extra: str = "", url: str = DEAD) -> Path:
    path = tmp_path / "target.toml"
    path.write_text(
        f'name = "t"\nacs_url = "{url}/acs"\nentity_id = "e"\n[login]\nurl = "{url}/login"\n'
        f'[identity]\nurl = "{url}/me"\n{extra}'
    )
    return path


def run_suite(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "suites/conformance/test_sign_in.py", "-q", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_pytest_with_a_bad_target_file_is_one_usage_error_naming_the_key(tmp_path: Path) -> None:
    path = target_file(tmp_path, "[claims]\nclock_skew_s = 30\n")
    done = run_suite(f"--target={path}")
    assert done.returncode == 2
    output = done.stdout + done.stderr
    assert "profile is required with [claims]" in output
    assert "Traceback" not in output and output.count("usage error") == 1


def test_pytest_against_an_unreachable_sp_stops_before_the_first_case(tmp_path: Path) -> None:
    started = time.monotonic()
    done = run_suite(f"--target={target_file(tmp_path)}")
    assert done.returncode == 2
    output = done.stdout + done.stderr
    assert f"[login] url {DEAD}/login does not answer" in output
    assert "Traceback" not in output and " passed" not in output and " failed" not in output
    assert time.monotonic() - started < 60


def test_pytest_with_a_launch_that_dies_is_one_line(tmp_path: Path) -> None:
    extra = '[launch]\ncommand = ["{python}", "-c", "raise SystemExit(3)"]\nready_url = "http://127.0.0.1:9/"\n'
    done = run_suite(f"--target={target_file(tmp_path, extra)}")
    assert done.returncode == 2
    output = done.stdout + done.stderr
    assert "the target SP exited with 3" in output and "Traceback" not in output


def test_pytest_with_a_missing_idp_state_is_a_usage_error(tmp_path: Path) -> None:
    done = run_suite(f"--idp-state={tmp_path / 'nowhere'}")
    assert done.returncode == 2
    assert "identity.toml" in done.stdout + done.stderr


def test_repro_with_a_bad_or_unreachable_target_exits_2_naming_the_problem(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = target_file(tmp_path, "[logout]\nmethod = 3\n")
    answer = runner.invoke(main, ["repro", "audience.trailing_slash", "--target", str(bad)])
    assert answer.exit_code == 2 and "[logout] method must be" in answer.output
    unreachable = target_file(tmp_path)
    answer = runner.invoke(main, ["repro", "audience.trailing_slash", "--target", str(unreachable)])
    assert answer.exit_code == 2 and "does not answer" in answer.output
    assert answer.exception is None or isinstance(answer.exception, SystemExit)
