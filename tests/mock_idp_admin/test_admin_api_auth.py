"""Admin API authentication and routing: SSWS tokens, Okta's 401/403/404/405 bodies."""

from __future__ import annotations

import re

import pytest
from admin_support import READ_ONLY, api, saml_app_body
from flask.testing import FlaskClient

from mock_idp.model import SamlApp
from mock_idp.org import Org


def assert_okta_error(body: dict[str, object], code: str, summary: str) -> None:
    assert body["errorCode"] == code
    assert body["errorSummary"] == summary
    assert body["errorLink"] == code
    assert re.fullmatch(r"oae[A-Za-z0-9]{22}", str(body["errorId"]))
    assert isinstance(body["errorCauses"], list)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "SSWS"},
        {"Authorization": "SSWS "},
        {"Authorization": "Bearer 00abc"},
        {"Authorization": "SSWS 00not-a-real-token"},
        {"Authorization": "ssws 00not-a-real-token"},
    ],
    ids=["missing", "empty", "blank", "bearer", "unknown", "lowercase-scheme"],
)
def test_missing_or_bad_tokens_get_e0000011(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/apps", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert_okta_error(body, "E0000011", "Invalid token provided")
    assert body["errorCauses"] == []


def test_a_valid_token_is_accepted(client: FlaskClient, token: str) -> None:
    response = api(client, "GET", "/apps", token)
    assert response.status_code == 200
    assert response.get_json() == []


def test_each_error_has_its_own_error_id(client: FlaskClient) -> None:
    first = client.get("/api/v1/apps").get_json()["errorId"]
    second = client.get("/api/v1/apps").get_json()["errorId"]
    assert first != second


def test_a_read_only_admins_token_may_read_but_not_write(client: FlaskClient, org: Org, justcall: SamlApp) -> None:
    auditor = org.find_user(READ_ONLY)
    assert auditor is not None
    token = org.create_api_token("audit", auditor.id)
    assert api(client, "GET", f"/apps/{justcall.id}", token).status_code == 200
    response = api(client, "POST", "/apps", token, saml_app_body())
    assert response.status_code == 403
    assert_okta_error(response.get_json(), "E0000006", "You do not have permission to perform the requested action")
    assert len(org.apps()) == 1
    refused = api(client, "POST", f"/apps/{justcall.id}/lifecycle/deactivate", token)
    assert refused.status_code == 403
    assert org.app_status(justcall.id) == "ACTIVE"


def test_a_token_of_an_admin_who_lost_the_role_is_403(client: FlaskClient, org: Org) -> None:
    user = org.add_user("former@acme.test", "Former", "Admin", "pw")
    token = org.create_api_token("old", user.id)
    assert api(client, "GET", "/apps", token).status_code == 403


def test_deactivating_the_owner_or_revoking_kills_the_token(client: FlaskClient, org: Org) -> None:
    admin = org.add_admin("temp@acme.test", "pw")
    token = org.create_api_token("temp", admin.id)
    assert api(client, "GET", "/apps", token).status_code == 200
    org.deactivate_user(admin.id)
    assert api(client, "GET", "/apps", token).status_code == 401
    other = org.create_api_token("other")
    (record,) = [t for t in org.api_tokens() if t.name == "other"]
    org.revoke_api_token(record.id)
    assert api(client, "GET", "/apps", other).status_code == 401


def test_unknown_paths_are_e0000007_and_wrong_methods_e0000022(client: FlaskClient, token: str) -> None:
    missing = api(client, "GET", "/nothing/here", token)
    assert missing.status_code == 404
    assert_okta_error(missing.get_json(), "E0000007", "Not found: Resource not found: /api/v1/nothing/here (GET)")
    wrong = api(client, "PATCH", "/apps", token)
    assert wrong.status_code == 405
    assert_okta_error(wrong.get_json(), "E0000022", "The endpoint does not support the provided HTTP method")


def test_unknown_paths_still_need_a_token(client: FlaskClient) -> None:
    assert client.get("/api/v1/nothing").status_code == 401
