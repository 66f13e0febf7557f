"""The README's promises hold: two quickstart commands, a scenario example that lints, CI runs the test command."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from mock_idp.faults import OPS, SIGNING_OVERRIDES
from saml_harness.scenarios.catalogue import lint, parse_scenario
from saml_harness.scenarios.setup_ops import SETUP_OPS

README = Path("README.md").read_text()


def test_quickstart_is_two_commands_and_ci_runs_the_test_command() -> None:
    block = README.split("## Quickstart", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert len(commands) == 2
    assert "nox -s conformance" in commands[0] and commands[1].endswith("nox -s tests")
    assert "nox -s tests" in Path(".ci/run").read_text()


def test_the_add_a_scenario_example_is_under_ten_lines_and_lints() -> None:
    section = README.split("### Adding a scenario", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(lines) <= 10
    raw = tomllib.loads(block.group(1))["scenario"][0]
    assert lint([parse_scenario(raw, "README.md")], OPS, SETUP_OPS, SIGNING_OVERRIDES) == []
