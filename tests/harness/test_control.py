"""The control API arms a scenario for one user's next login, and refuses callers without the token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from saml_harness.agent.flows import SP_INITIATED, run_flow
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.control import create_control_app
from saml_harness.deploy.live import LiveServer
from saml_harness.deploy.wiring import Deployment

TOKEN = "test-token-123"


@pytest.fixture
def control(deployment: Deployment) -> Iterator[str]:
    with LiveServer(create_control_app(deployment, TOKEN)) as server:
        yield server.url


def post(url: str, body: object, token: str | None = TOKEN) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{url}/next-login", json=body, headers=headers, timeout=10)


def test_armed_scenario_shapes_the_next_login(control: str, deployment: Deployment) -> None:
    person = deployment.demo.person("assigned")
    answer = post(control, {"scenario": "audience.trailing_slash", "user": person.email})
    assert answer.status_code == 200, answer.text
    outcome = run_flow(SP_INITIATED, UserAgent(), deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert not outcome.accepted
    assert (outcome.sp_error, outcome.reason) == ("Invalid SAML response", "audience.mismatch")
    again = run_flow(SP_INITIATED, UserAgent(), deployment.target, deployment.idp, deployment.credentials("assigned"))
    assert again.accepted, "the plan must apply to the next login only"


def test_missing_or_wrong_token_is_401(control: str, deployment: Deployment) -> None:
    body = {"scenario": "audience.wrong", "user": deployment.demo.person("assigned").email}
    assert post(control, body, token=None).status_code == 401
    assert post(control, body, token="nope").status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"scenario": "no.such.scenario", "user": "x"}, 404),
        ({"scenario": "audience.wrong", "user": "nobody@acme.example"}, 404),
        ({"scenario": 1, "user": []}, 400),
        ("not an object", 400),
    ],
)
def test_bad_requests_get_clear_4xx(control: str, body: object, status: int) -> None:
    answer = post(control, body)
    assert answer.status_code == status
    assert answer.json()["error"]


def test_control_listens_on_loopback_only(control: str) -> None:
    assert control.startswith("http://127.0.0.1:")


def test_sign_in_page_scenario_picker_arms_the_chosen_fault(deployment: Deployment) -> None:
    from saml_harness.agent.flows import judge
    from saml_harness.deploy.control import ScenarioPicker

    config = deployment.idp_server.app.config
    config["SCENARIO_PICKER"] = ScenarioPicker(deployment)
    try:
        ua = UserAgent()
        person = deployment.demo.person("assigned")
        page = ua.get(f"{deployment.idp_url}/app/UserHome")
        form = page.form_with("username", "password", "scenario")
        assert form is not None, "the sign-in page offers no scenario picker in serve mode"
        chosen = {"username": person.email, "password": person.password, "scenario": "attributes.firstName.missing"}
        ua.submit(page, form, chosen)
        page = ua.get(deployment.okta.embed_link(deployment.app.id))
        auto_post = page.form_with("SAMLResponse")
        assert auto_post is not None
        outcome = judge(ua, deployment.target, ua.submit(page, auto_post))
        assert (outcome.sp_error, outcome.reason) == ("Attributes missing", "attributes.missing")
        bad = UserAgent()
        page = bad.get(f"{deployment.idp_url}/login/login.htm")
        form = page.form_with("scenario")
        assert form is not None
        answer = bad.submit(page, form, {"username": person.email, "password": person.password, "scenario": "nope"})
        assert answer.status == 400 and "Unknown scenario" in answer.text
    finally:
        config.pop("SCENARIO_PICKER", None)


def test_sign_in_page_has_no_picker_outside_serve_mode(deployment: Deployment) -> None:
    page = UserAgent().get(f"{deployment.idp_url}/login/login.htm")
    assert page.form_with("username", "password") is not None and page.form_with("scenario") is None


def test_arming_a_case_with_agent_steps_says_a_browser_does_not_take_them(control: str, deployment: Deployment) -> None:
    body = {
        "scenario": "signed_requests.acs_url_changed_after_signing",
        "user": deployment.demo.person("assigned").email,
    }
    answer = post(control, body)
    assert answer.status_code == 200, answer.text
    assert "agent steps (set_request_attribute)" in answer.json()["note"]
    # The setup steps did change the deployment: JustCall now signs, and Okta validates with its certificate.
    app = deployment.okta.get_app(deployment.okta_app.id)
    assert app.request_signed and app.signature_certificate
    outcome = run_flow(SP_INITIATED, UserAgent(), deployment.target, deployment.idp, deployment.credentials("assigned"))
    sent = [hop.url for hop in outcome.trace.hops if any(m.param == "SAMLRequest" for m in hop.saml)]
    assert outcome.accepted and len(sent) == 1 and "&Signature=" in sent[0]
