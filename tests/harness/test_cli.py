"""The CLI as people and tools use it: ``serve --json`` in a real subprocess, ``scenarios`` listing."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from saml_harness.agent.flows import Credentials, IdpSide, Target, idp_initiated, sp_initiated
from saml_harness.agent.user_agent import UserAgent
from saml_harness.cli.main import main

REQUIRED = ("idp_url", "idp_dashboard_url", "idp_metadata_url", "sp_url", "sp_login_url", "sp_me_url", "users")


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, Any]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "saml_harness", "serve", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        yield json.loads(line)
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_serve_json_prints_the_contract_keys(served: dict[str, Any]) -> None:
    assert all(key in served for key in REQUIRED)
    assert served["idp_url"].startswith("http://127.0.0.1:") and served["sp_url"].startswith("http://127.0.0.1:")
    users = served["users"]
    assert {"email", "password", "assigned"} <= set(users[0])
    assert any(u["assigned"] for u in users) and any(not u["assigned"] for u in users)


def test_served_apps_answer(served: dict[str, Any]) -> None:
    assert requests.get(served["sp_me_url"], timeout=10).status_code == 401
    metadata = requests.get(served["idp_metadata_url"], timeout=10)
    assert metadata.status_code == 200 and b"EntityDescriptor" in metadata.content


def test_a_person_signs_in_both_ways_against_serve(served: dict[str, Any]) -> None:
    user = next(u for u in served["users"] if u["assigned"] and u["status"] == "ACTIVE")
    target = Target(
        "served",
        served["sp_url"],
        served["sp_acs_url"],
        served["sp_entity_id"],
        served["sp_sso_login_url"],
        me_url=served["sp_me_url"],
    )
    credentials = Credentials(user["email"], user["password"])
    assert sp_initiated(UserAgent(), target, credentials).identity == user["email"]
    idp = IdpSide(served["idp_url"], served["idp_dashboard_url"], "JustCall")
    assert idp_initiated(UserAgent(), target, idp, credentials).identity == user["email"]


def test_serve_control_api_needs_its_token(served: dict[str, Any]) -> None:
    body = {"scenario": "audience.wrong", "user": served["users"][0]["email"]}
    assert requests.post(f"{served['control_url']}/next-login", json=body, timeout=10).status_code == 401
    ok = requests.post(
        f"{served['control_url']}/next-login",
        json=body,
        headers={"Authorization": f"Bearer {served['control_token']}"},
        timeout=10,
    )
    assert ok.status_code == 200


def test_scenarios_json_lists_the_catalogue() -> None:
    result = CliRunner().invoke(main, ["scenarios", "--json"])
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert len(listed) >= 60
    assert {"id", "title", "flows", "expect", "sp_error", "troubleshooting", "spec"} <= set(listed[0])


def test_scenarios_table_filters_by_prefix() -> None:
    result = CliRunner().invoke(main, ["scenarios", "audience."])
    assert result.exit_code == 0
    assert "audience.trailing_slash" in result.output and "baseline.valid" not in result.output


def test_serve_fresh_starts_with_sso_configured_on_neither_side() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "saml_harness", "serve", "--json", "--fresh"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert info["fresh"] is True and info["idp_metadata_url"] is None
        assert not any(u["assigned"] for u in info["users"]), "nobody is assigned before the article's Step 5"
        assert any(u["assigned_in_step_5"] for u in info["users"])
        assert info["idp_admin"]["login"] and info["idp_api_token"].startswith("00")
        apps = requests.get(
            f"{info['idp_url']}/api/v1/apps", headers={"Authorization": f"SSWS {info['idp_api_token']}"}, timeout=10
        )
        assert apps.status_code == 200 and apps.json() == []
        ua = UserAgent()
        page = ua.get(info["sp_login_url"])
        form = page.form_with("email", "password")
        assert form is not None
        admin = info["sp_admin"]
        ua.submit(page, form, {"email": admin["email"], "password": admin["password"]})
        settings = ua.get(info["sp_settings_url"])
        assert settings.status == 200 and "Enable SSO" in settings.text
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
