"""The CLI's own output as people see it: fast --help, scenarios at 80 columns and piped, diagnose's size limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from saml_harness.cli.main import LAZY_COMMANDS, main
from saml_harness.diagnose.inputs import MAX_INPUT_BYTES, MAX_XML_BYTES
from saml_harness.scenarios.catalogue import load_catalogue

HEAVY = ("flask", "signxml", "playwright", "lxml", "rich", "sqlalchemy", "requests")


def run_cli(*args: str, columns: str | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``saml-harness`` in a subprocess with stdout piped (not a terminal), as in ``... | less``."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | ({"COLUMNS": columns} if columns else {})
    return subprocess.run(
        [sys.executable, "-m", "saml_harness", *args],
        capture_output=True,
        text=stdin is None,
        input=stdin,
        env=env,
        timeout=60,
        check=False,
    )


def test_help_imports_no_heavy_module() -> None:
    probe = (
        "import sys\n"
        "from saml_harness.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert "diagnose" in found.stdout and found.stdout.strip().splitlines()[-1] == "[]"


def test_lazy_commands_list_their_real_short_help() -> None:
    for name, (_, short) in LAZY_COMMANDS.items():
        command = main.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and (command.help or "").splitlines()[0] == short


@pytest.mark.parametrize("columns", [None, "80"])
def test_scenarios_is_readable_at_80_columns_and_piped(columns: str | None) -> None:
    result = run_cli("scenarios", columns=columns)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in result.stdout
    ids = [s.id for s in load_catalogue()]
    assert max(len(i) for i in ids) > 50, "the catalogue's long ids are what this test is about"
    assert set(ids) <= set(lines), "every id prints whole on a line of its own"
    assert lines[0] == f"{len(ids)} scenarios"


def test_scenarios_is_a_table_when_the_terminal_is_wide() -> None:
    result = run_cli("scenarios", "audience.", columns="160")
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["id", "flows", "expect", "user", "sees", "troubleshooting", "row"]
    assert any(line.startswith("audience.trailing_slash ") and "Invalid SAML response" in line for line in lines)
    assert max(len(line) for line in lines) <= 160 and "…" not in result.stdout


def test_an_empty_match_exits_1_with_a_hint() -> None:
    result = CliRunner().invoke(main, ["scenarios", "audiance"])
    assert result.exit_code == 1
    assert "no scenario id starts with 'audiance'" in result.output and "audience." in result.output
    assert CliRunner().invoke(main, ["scenarios", "--json", "audiance"]).output.strip() == "[]"


def test_diagnose_refuses_a_file_over_the_limit_in_one_line(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    with big.open("wb") as out:
        out.write(b"<samlp:Response>")
        out.truncate(MAX_INPUT_BYTES + 1)
    result = CliRunner().invoke(main, ["diagnose", str(big)])
    assert result.exit_code == 2
    assert result.output.strip() == "error: file big.xml is 10.0 MiB; diagnose reads at most 10 MiB"


def test_diagnose_refuses_big_stdin_and_big_decoded_xml() -> None:
    piped = run_cli("diagnose", "-", "--json", stdin=b"A" * (MAX_INPUT_BYTES + 10))
    assert piped.returncode == 2 and json.loads(piped.stdout)["verdict"] == "unusable input"
    assert piped.stderr.decode().strip().endswith("diagnose reads at most that")
    many = b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">' + b"<a/>" * (MAX_XML_BYTES // 4)
    result = CliRunner().invoke(main, ["diagnose", "-"], input=many + b"</samlp:Response>")
    assert result.exit_code == 2 and "the decoded XML is 1.0 MiB; diagnose reads at most 1 MiB" in result.output
