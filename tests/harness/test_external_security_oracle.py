"""The security suites judged from outside can fail: run against a gullible SP, they report what it did."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def gullible_target(tmp_path: Path) -> Path:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    path = tmp_path / "gullible.toml"
    path.write_text(
        f'name = "gullible"\nprofile = "saml2-sp"\nacs_url = "{url}/acs"\nentity_id = "{url}/sp"\n'
        f'[login]\nurl = "{url}/login"\n[identity]\nurl = "{url}/me"\n'
        f'[launch]\ncommand = ["{{python}}", "{HERE / "gullible_sp.py"}", "{port}"]\nready_url = "{url}/login"\n'
    )
    return path


def test_a_gullible_sp_fails_the_outside_checks(tmp_path: Path) -> None:
    chosen = [
        "suites/security/test_parser_and_binding.py::test_external_entities_fetch_nothing",
        "suites/security/test_parser_and_binding.py::test_oversized_forged_response_signs_nobody_in_and_the_sp_survives",
        "suites/security/test_concurrency_and_data.py::test_one_response_posted_twenty_times_at_once_makes_one_session",
        "suites/security/test_parser_and_binding.py::test_base64_with_line_breaks_is_accepted",
    ]
    options = [f"--target={gullible_target(tmp_path)}", "-p", "no:cacheprovider", "-q", "-rfE", "--no-header"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *chosen, *options],
        capture_output=True,
        text=True,
        timeout=300,
    )
    failed = {
        line.split("::")[1].split("[")[0].split(" ")[0]
        for line in done.stdout.splitlines()
        if line.startswith("FAILED")
    }
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert failed == {
        "test_external_entities_fetch_nothing",
        "test_oversized_forged_response_signs_nobody_in_and_the_sp_survives",
        "test_one_response_posted_twenty_times_at_once_makes_one_session",
    }, done.stdout[-3000:]
    assert "the SP fetched an external entity" in done.stdout or "is signed in" in done.stdout
