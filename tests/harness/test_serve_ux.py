"""serve as a person lives in it: landing pages, the grouped chooser, "Reset the demo", the banner, the ports."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from saml_harness.agent.flows import SP_INITIATED, run_flow
from saml_harness.agent.outcome import Outcome
from saml_harness.agent.user_agent import UserAgent
from saml_harness.cli.serve import banner, demo_people, describe
from saml_harness.deploy.control import ScenarioPicker, create_control_app
from saml_harness.deploy.live import LiveServer
from saml_harness.deploy.wiring import Deployment

TOKEN = "serve-ux-token"
ROTATE = "certificate.rotated_in_okta_only"


@pytest.fixture
def served(deployment: Deployment) -> Iterator[tuple[Deployment, ScenarioPicker, str]]:
    """The deployment as serve configures it: one picker shared by the sign-in page and the control API."""
    picker = ScenarioPicker(deployment)
    config = deployment.idp_server.app.config
    info = describe(deployment)
    config.update(SCENARIO_PICKER=picker, DEMO_PEOPLE=demo_people(info))
    try:
        with LiveServer(create_control_app(deployment, TOKEN, picker=picker)) as control:
            yield deployment, picker, control.url
    finally:
        config.pop("SCENARIO_PICKER", None)
        config.pop("DEMO_PEOPLE", None)
        picker.reset()


def sign_in(deployment: Deployment, role: str = "second") -> Outcome:
    return run_flow(SP_INITIATED, UserAgent(), deployment.target, deployment.idp, deployment.credentials(role))


def test_the_org_answers_slash_with_its_entry_points_and_people(served: tuple[Deployment, Any, str]) -> None:
    deployment, _, _ = served
    page = UserAgent().get(f"{deployment.idp_url}/")
    assert page.status == 200
    for href in ("/login/login.htm", "/app/UserHome", "/admin/", deployment.okta.metadata_url(deployment.app)):
        assert f'href="{href}"' in page.text
    person, outsider = deployment.demo.person("assigned"), deployment.demo.person("unassigned")
    assert person.email in page.text and person.password in page.text
    assert deployment.demo.okta_admin.password in page.text
    rows = {r.split("</code>")[0]: r for r in page.text.split("<tr><td><code>")[1:]}
    assert "assigned: JustCall" in rows[person.email] and "not assigned to any app" in rows[outsider.email]
    metadata = UserAgent().get(deployment.okta.metadata_url(deployment.app))
    assert metadata.status == 200


def test_without_serve_the_landing_page_lists_logins_without_passwords(deployment: Deployment) -> None:
    page = UserAgent().get(f"{deployment.idp_url}/")
    person = deployment.demo.person("assigned")
    assert page.status == 200 and person.email in page.text and person.password not in page.text


def test_justcall_home_links_to_its_settings_and_sign_in_with_sso(deployment: Deployment) -> None:
    page = UserAgent().get(f"{deployment.sp_url}/")
    assert 'id="home-sign-in-with-sso" href="/login/sso"' in page.text
    assert 'id="home-sso-settings" href="/settings/security/sso"' in page.text


def test_okta_403_app_not_assigned_names_the_org_in_its_header(deployment: Deployment) -> None:
    outcome = sign_in(deployment, "unassigned")
    assert outcome.idp_error == "403 App Not Assigned"
    ua = UserAgent()
    page = ua.get(deployment.okta.embed_link(deployment.app.id))
    form = page.form_with("username", "password")
    assert form is not None
    person = deployment.demo.person("unassigned")
    denied = ua.submit(page, form, {"username": person.email, "password": person.password})
    assert denied.status == 403
    header = denied.text.split("<header>")[1].split("</header>")[0]
    assert header.endswith(f"&middot; {deployment.demo.org_name}")


def test_the_chooser_groups_scenarios_with_title_expected_outcome_and_row(served: tuple[Deployment, Any, str]) -> None:
    deployment, picker, _ = served
    page = UserAgent().get(f"{deployment.idp_url}/login/login.htm")
    assert "<select" not in page.text
    groups = [g for g, _ in picker.groups()]
    assert len(groups) >= 8 and all(f'data-group="{g}"' in page.text for g in groups)
    assert page.text.count('type="radio" name="scenario"') == len(picker.scenarios) + 1
    label = page.text.split(f'value="{ROTATE}"')[1].split("</label>")[0]
    title = picker.scenarios[ROTATE].title
    assert title in label and "expected: refused by the SP: Certificate error" in label
    assert "troubleshooting row: Certificate error" in label and "changes the demo for everyone" in label


def test_a_setup_scenario_says_it_changes_the_org_until_reset_and_reset_restores_it(
    served: tuple[Deployment, Any, str],
) -> None:
    deployment, _, control = served
    person = deployment.demo.person("assigned")
    ua = UserAgent()
    page = ua.get(f"{deployment.idp_url}/login/login.htm")
    form = page.form_with("username", "password", "scenario")
    assert form is not None
    ua.submit(page, form, {"username": person.email, "password": person.password, "scenario": ROTATE})
    assert sign_in(deployment).sp_error == "Certificate error", "the rotated key reaches every later sign-in"
    state = requests.get(f"{control}/state", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).json()
    assert [a["scenario"] for a in state["changed_by"]] == [ROTATE]
    for url in (f"{deployment.idp_url}/login/login.htm", f"{deployment.idp_url}/"):
        notice = UserAgent().get(url)
        assert 'id="qa-changed"' in notice.text and ROTATE in notice.text and "Reset the demo" in notice.text
    signin = UserAgent()
    page = signin.get(f"{deployment.idp_url}/login/login.htm")
    reset = next(f for f in page.forms() if f.action.endswith("/login/qa-reset"))
    done = signin.submit(page, reset, {})
    assert 'id="qa-reset-done"' in done.text and 'id="qa-changed"' not in done.text
    assert sign_in(deployment).accepted, "after the reset everyone signs in again"


def test_the_control_api_answer_says_the_scenario_changes_the_deployment(served: tuple[Deployment, Any, str]) -> None:
    deployment, _, control = served
    headers = {"Authorization": f"Bearer {TOKEN}"}
    email = deployment.demo.person("assigned").email
    answer = requests.post(
        f"{control}/next-login", json={"scenario": ROTATE, "user": email}, headers=headers, timeout=10
    )
    body = answer.json()
    assert answer.status_code == 200 and body["changes_deployment"] is True and "POST /reset" in body["note"]
    plain = {"scenario": "audience.wrong", "user": email}
    assert (
        requests.post(f"{control}/next-login", json=plain, headers=headers, timeout=10).json()["changes_deployment"]
        is False
    )
    assert requests.post(f"{control}/reset", headers=headers, timeout=10).json() == {"reset": True}
    assert requests.get(f"{control}/state", headers=headers, timeout=10).json() == {"changed_by": []}


def test_reset_form_is_404_outside_serve_mode(deployment: Deployment) -> None:
    assert requests.post(f"{deployment.idp_url}/login/qa-reset", timeout=10).status_code == 404


def test_the_banner_prints_every_url_and_credential_whole(deployment: Deployment) -> None:
    info = describe(deployment) | {"control_url": "http://127.0.0.1:1/" + "c" * 150, "control_token": "t" * 60}
    text = banner(info)
    for key in ("idp_admin_url", "idp_sign_in_url", "idp_dashboard_url", "idp_metadata_url", "sp_login_url"):
        assert info[key] in text
    for secret in (info["control_url"], info["control_token"], info["idp_api_token"], info["sp_api_token"]):
        assert secret in text
    for user in info["users"]:
        assert f"{user['email']}  {user['password']}" in text
    assert info["sp_admin"]["password"] in text and info["idp_admin"]["password"] in text
    assert "…" not in text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_piped_prints_the_banner_in_full_on_the_chosen_control_port() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "saml_harness", "serve", "--control-port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={"COLUMNS": "40", "PATH": "/usr/bin:/bin"},
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Scenario control API"):
                break
        text = "\n".join(lines)
        assert f"http://127.0.0.1:{port}/next-login" in text and "Authorization: Bearer " in text
        metadata = next(line for line in lines if line.startswith("Okta IdP metadata")).split()[-1]
        assert requests.get(metadata, timeout=10).status_code == 200, "the URL printed whole works"
        assert "…" not in text and any(len(line) > 40 for line in lines)
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_serve_on_a_taken_control_port_exits_2_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "saml_harness", "serve", "--control-port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr


def test_serve_json_admins_name_their_login_alike_with_the_old_keys_kept(deployment: Deployment) -> None:
    info = json.loads(json.dumps(describe(deployment)))
    assert info["idp_admin"]["login"] == info["idp_admin"]["email"] == deployment.demo.okta_admin.email
    assert info["sp_admin"]["login"] == info["sp_admin"]["email"] == deployment.demo.owner.email


def test_the_fresh_banner_says_people_are_not_assigned_yet() -> None:
    from saml_harness.cli.serve import assignment

    step_5 = {"assigned": False, "assigned_in_step_5": True}
    assert assignment(step_5, fresh=True) == "not assigned (not yet: assign in the article's Step 5)"
    assert assignment({"assigned": False, "assigned_in_step_5": False}, fresh=True) == "not assigned to JustCall"
    assert assignment({"assigned": True, "assigned_in_step_5": True}, fresh=False) == "assigned to JustCall"
