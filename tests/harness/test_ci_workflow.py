"""The example GitHub workflow: inputs reach scripts through ``env:`` only, and each suite runs once.

Why: ``${{ inputs.x }}`` inside ``run:`` is pasted into the script before the shell parses it, so a crafted
input runs commands (script injection); and the suites are the slow part of a run.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "conformance.yml"
SUITES = ("tests", "suites/conformance", "suites/security", "suites/browser")


def run_scripts(workflow: str) -> list[str]:
    """The text of every ``run:`` of the workflow (inline or block), one string per step."""
    scripts: list[str] = []
    lines = workflow.splitlines()
    for index, line in enumerate(lines):
        found = re.match(r"^(\s*)(?:- )?run:\s*(.*)$", line)
        if not found:
            continue
        indent, value = len(found.group(1)), found.group(2)
        if value not in ("|", ">", "|-", ">-"):
            scripts.append(value)
            continue
        block = []
        for following in lines[index + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            block.append(following)
        scripts.append("\n".join(block))
    return scripts


class RecordingSession:
    """Stands in for ``nox.Session`` to learn which paths a session hands to pytest."""

    posargs: list[str] = []
    python = "3.11"
    name = "recording"

    def __init__(self) -> None:
        self.pytest_paths: list[str] = []
        self.virtualenv = SimpleNamespace(location="/nonexistent/venv")

    def install(self, *args: Any, **kwargs: Any) -> None:
        pass

    def run_install(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log(self, *args: Any, **kwargs: Any) -> None:
        pass

    def run(self, *args: str, **kwargs: Any) -> None:
        if args and args[0] == "pytest":
            self.pytest_paths += args[1:]


def suites_of(session_name: str) -> list[str]:
    noxfile = pytest.importorskip("noxfile")
    session = RecordingSession()
    getattr(noxfile, session_name)(session)
    return [path for path in session.pytest_paths if path in SUITES]


def test_no_expression_is_pasted_into_a_script() -> None:
    scripts = run_scripts(WORKFLOW.read_text())
    assert scripts, "no run: steps found"
    for script in scripts:
        assert "${{" not in script, script


def test_the_target_input_reaches_the_script_through_env() -> None:
    workflow = WORKFLOW.read_text()
    assert re.search(r"^\s+TARGET: \$\{\{ inputs\.target \}\}$", workflow, re.MULTILINE)
    assert any('--target="$TARGET"' in script for script in run_scripts(workflow))


def test_each_suite_runs_once() -> None:
    runs: Counter[str] = Counter()
    for script in run_scripts(WORKFLOW.read_text()):
        # The branches of an if/else in one step are alternatives: count each session once per step.
        sessions = set(re.findall(r"nox -s ([a-z_]+)", script))
        for session in sessions:
            runs.update(suites_of(session))
    assert runs == Counter(SUITES)
