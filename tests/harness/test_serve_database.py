"""``saml-harness serve --database-url URL`` starts twice in a row on the same database, SQLite file or PostgreSQL.

Why: the Okta org is new on every start (new keys, new port), so the SP's rows from an earlier run must not stop
the demo from being seeded again ("account 'acme' already exists"), and nothing may be left open at exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from saml_harness.agent.flows import Credentials, Target, sp_initiated
from saml_harness.agent.user_agent import UserAgent
from saml_harness.cli.main import main
from saml_harness.deploy.throwaway_postgres import PostgresUnavailable, ThrowawayPostgres


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """Scope: module. ``DATABASE_URL`` when it is PostgreSQL (``nox -s postgres``), else a throwaway cluster."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")
    from_env = os.environ.get("DATABASE_URL", "")
    if from_env.startswith("postgresql"):
        yield from_env
        return
    try:
        cluster = ThrowawayPostgres()
    except PostgresUnavailable as error:
        pytest.skip(str(error))
    with cluster:
        yield cluster.url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kept.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def serve_and_sign_in(database_url: str) -> tuple[str, int, str]:
    """Start ``serve`` on ``database_url``, sign a person in SP-initiated, stop it; return (who, exit code, stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    process = subprocess.Popen(
        # -X dev shows every ResourceWarning, also those at exit, where no test framework would see them.
        [sys.executable, "-X", "dev", "-m", "saml_harness", "serve", "--json", "--database-url", database_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            process.wait(10)
            pytest.fail(f"serve printed nothing: {process.stderr.read() if process.stderr else ''}")
        info: dict[str, Any] = json.loads(line)
        person = next(u for u in info["users"] if u["assigned"] and u["status"] == "ACTIVE")
        target = Target(
            "served",
            info["sp_url"],
            info["sp_acs_url"],
            info["sp_entity_id"],
            info["sp_sso_login_url"],
            me_url=info["sp_me_url"],
        )
        with UserAgent() as ua:
            outcome = sp_initiated(ua, target, Credentials(person["email"], person["password"]))
        assert outcome.accepted, outcome
        who = str(outcome.identity)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    return who, process.returncode, stderr


def test_serve_starts_twice_in_a_row_on_the_same_database(database_url: str) -> None:
    first, first_code, first_errors = serve_and_sign_in(database_url)
    second, second_code, second_errors = serve_and_sign_in(database_url)
    assert first == second  # the same demo person, signed in through a freshly seeded SP both times
    assert (first_code, second_code) == (0, 0), first_errors + second_errors
    for errors in (first_errors, second_errors):
        assert "Traceback" not in errors and "ResourceWarning" not in errors, errors


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("sqlite:////nonexistent-folder/justcall.sqlite3", "unable to open database file"),
        ("postgresql+psycopg://justcall:topsecret@127.0.0.1:1/justcall", "justcall:***@127.0.0.1:1"),
        ("not a url", "Could not parse"),
    ],
)
def test_serve_refuses_a_database_it_cannot_use_in_one_line(url: str, shown: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--database-url", url])
    assert result.exit_code == 2, result.output
    assert shown in result.output and "topsecret" not in result.output
    assert "Traceback" not in result.output
