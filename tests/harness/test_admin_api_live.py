"""The mock Okta Admin API on the live deployment: a real sign-in through Okta's sign-in page dates ``lastLogin``.

Real parts: both apps on loopback sockets, the protocol user agent signing in, ``requests`` reading the API.
"""

from __future__ import annotations

from datetime import timedelta

import requests

from saml_harness.agent.flows import sp_initiated
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment


def _user(deployment: Deployment, login: str) -> dict[str, object]:
    response = requests.get(
        f"{deployment.idp_url}/api/v1/users/{login}",
        headers={"Authorization": f"SSWS {deployment.idp_api_token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_each_sign_in_sets_last_login(deployment: Deployment) -> None:
    credentials = deployment.credentials("assigned")
    assert _user(deployment, credentials.username)["lastLogin"] is None
    first = sp_initiated(UserAgent(), deployment.target, credentials)
    assert first.accepted, first.explain()
    signed_in = _user(deployment, credentials.username)
    assert isinstance(signed_in["lastLogin"], str) and signed_in["lastLogin"].endswith(".000Z")
    deployment.let_time_pass(timedelta(minutes=5).total_seconds())
    again = sp_initiated(UserAgent(), deployment.target, credentials)
    assert again.accepted, again.explain()
    later = _user(deployment, credentials.username)
    assert isinstance(later["lastLogin"], str) and later["lastLogin"] > signed_in["lastLogin"]
