"""``/api/v1/apps/{id}/users`` and ``/groups``: assign, list, get, unassign; USER and GROUP scope; bad input."""

from __future__ import annotations

import pytest
from admin_support import END_USER, api
from flask.testing import FlaskClient

from mock_idp.model import Group, SamlApp, User
from mock_idp.org import Org


@pytest.fixture
def sales(org: Org) -> Group:
    group = org.add_group("Sales")
    bob = org.add_user("bob@acme.test", "Bob", "Stone", "pw")
    org.add_user_to_group(group.id, bob.id)
    return group


def test_assign_get_list_and_unassign_a_user(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, ann: User
) -> None:
    body = {"id": ann.id, "scope": "USER", "credentials": {"userName": END_USER}}
    response = api(client, "POST", f"/apps/{justcall.id}/users", token, body)
    assert response.status_code == 200
    app_user = response.get_json()
    assert (app_user["id"], app_user["scope"], app_user["credentials"]) == (ann.id, "USER", {"userName": END_USER})
    assert app_user["_links"]["user"]["href"].endswith(f"/api/v1/users/{ann.id}")
    assert org.is_assigned(justcall.id, ann.id)
    assert api(client, "GET", f"/apps/{justcall.id}/users/{ann.id}", token).get_json()["id"] == ann.id
    assert [u["id"] for u in api(client, "GET", f"/apps/{justcall.id}/users", token).get_json()] == [ann.id]
    updated = api(client, "POST", f"/apps/{justcall.id}/users/{ann.id}", token, {"profile": {}})
    assert updated.status_code == 200
    assert api(client, "DELETE", f"/apps/{justcall.id}/users/{ann.id}", token).status_code == 204
    assert not org.is_assigned(justcall.id, ann.id)
    again = api(client, "DELETE", f"/apps/{justcall.id}/users/{ann.id}", token)
    assert again.status_code == 404
    assert again.get_json()["errorSummary"] == f"Not found: Resource not found: {ann.id} (AppUser)"


def test_group_members_appear_with_group_scope(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, sales: Group
) -> None:
    response = api(client, "PUT", f"/apps/{justcall.id}/groups/{sales.id}", token)
    assert response.status_code == 200
    assert response.get_json()["id"] == sales.id and response.get_json()["priority"] == 0
    users = api(client, "GET", f"/apps/{justcall.id}/users", token).get_json()
    assert [(u["credentials"]["userName"], u["scope"]) for u in users] == [("bob@acme.test", "GROUP")]
    bob = org.find_user("bob@acme.test")
    assert bob is not None
    refused = api(client, "DELETE", f"/apps/{justcall.id}/users/{bob.id}", token)
    assert refused.status_code == 404, "a group-derived assignment is removed through the group"
    assert [g["id"] for g in api(client, "GET", f"/apps/{justcall.id}/groups", token).get_json()] == [sales.id]
    assert api(client, "GET", f"/apps/{justcall.id}/groups/{sales.id}", token).status_code == 200
    assert api(client, "DELETE", f"/apps/{justcall.id}/groups/{sales.id}", token).status_code == 204
    assert not org.is_assigned(justcall.id, bob.id)
    assert api(client, "DELETE", f"/apps/{justcall.id}/groups/{sales.id}", token).status_code == 404
    assert api(client, "GET", f"/apps/{justcall.id}/groups/{sales.id}", token).status_code == 404


def test_users_can_be_named_by_login(client: FlaskClient, org: Org, token: str, justcall: SamlApp, ann: User) -> None:
    api(client, "POST", f"/apps/{justcall.id}/users", token, {"id": END_USER})
    assert org.is_assigned(justcall.id, ann.id)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "E0000001"),
        ({"id": 5}, "E0000001"),
        ({"id": "00uNope"}, "E0000007"),
        ({"id": END_USER, "scope": "GROUP"}, "E0000001"),
        ({"id": END_USER, "credentials": "x"}, "E0000001"),
        ({"id": END_USER, "credentials": {"userName": 7}}, "E0000001"),
    ],
)
def test_bad_assign_bodies_write_nothing(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, ann: User, body: dict[str, object], code: str
) -> None:
    response = api(client, "POST", f"/apps/{justcall.id}/users", token, body)
    assert response.status_code in (400, 404)
    assert response.get_json()["errorCode"] == code
    assert not org.is_assigned(justcall.id, ann.id)


@pytest.mark.parametrize("body", [{"priority": "1"}, {"priority": -1}, {"priority": True}, {"profile": []}])
def test_bad_group_bodies_write_nothing(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, sales: Group, body: dict[str, object]
) -> None:
    response = api(client, "PUT", f"/apps/{justcall.id}/groups/{sales.id}", token, body)
    assert response.status_code == 400
    assert org.assigned_group_ids(justcall.id) == frozenset()


def test_unknown_groups_and_users(client: FlaskClient, token: str, justcall: SamlApp) -> None:
    response = api(client, "PUT", f"/apps/{justcall.id}/groups/00gNope", token)
    assert response.status_code == 404
    assert response.get_json()["errorSummary"] == "Not found: Resource not found: 00gNope (UserGroup)"
    assert api(client, "GET", f"/apps/{justcall.id}/users/00uNope", token).status_code == 404


def test_unassigned_user_is_404(client: FlaskClient, token: str, justcall: SamlApp, ann: User) -> None:
    assert api(client, "GET", f"/apps/{justcall.id}/users/{ann.id}", token).status_code == 404
    assert api(client, "POST", f"/apps/{justcall.id}/users/{ann.id}", token, {}).status_code == 404
