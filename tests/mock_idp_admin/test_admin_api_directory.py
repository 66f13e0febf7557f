"""``/api/v1/users`` and ``/api/v1/groups``: Okta's shapes, lookups by id or login, search, app links."""

from __future__ import annotations

from admin_support import ADMIN, END_USER, api
from flask.testing import FlaskClient

from mock_idp.model import SamlApp, User
from mock_idp.org import Org


def test_users_list_and_search(client: FlaskClient, org: Org, token: str) -> None:
    logins = [u["profile"]["login"] for u in api(client, "GET", "/users", token).get_json()]
    assert END_USER in logins and ADMIN in logins
    found = api(client, "GET", "/users?q=ann", token).get_json()
    assert [u["profile"]["login"] for u in found] == [END_USER]


def test_user_shape_and_lookup_by_login(client: FlaskClient, token: str, ann: User) -> None:
    by_id = api(client, "GET", f"/users/{ann.id}", token).get_json()
    assert by_id["status"] == "ACTIVE"
    assert by_id["profile"] == {
        "firstName": "Ann",
        "lastName": "Lee",
        "mobilePhone": None,
        "secondEmail": None,
        "login": END_USER,
        "email": END_USER,
    }
    assert by_id["credentials"]["provider"] == {"type": "OKTA", "name": "OKTA"}
    assert "password_hash" not in str(by_id) and "pbkdf2" not in str(by_id)
    assert api(client, "GET", f"/users/{END_USER}", token).get_json()["id"] == ann.id


def test_deactivated_users_are_deprovisioned(client: FlaskClient, org: Org, token: str, ann: User) -> None:
    org.deactivate_user(ann.id)
    assert api(client, "GET", f"/users/{ann.id}", token).get_json()["status"] == "DEPROVISIONED"


def test_unknown_user(client: FlaskClient, token: str) -> None:
    response = api(client, "GET", "/users/00uNope", token)
    assert response.status_code == 404
    assert response.get_json()["errorSummary"] == "Not found: Resource not found: 00uNope (User)"


def test_app_links_list_the_dashboard_tiles(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, ann: User
) -> None:
    assert api(client, "GET", f"/users/{ann.id}/appLinks", token).get_json() == []
    org.assign_user(justcall.id, ann.id)
    (link,) = api(client, "GET", f"/users/{ann.id}/appLinks", token).get_json()
    assert (link["label"], link["linkUrl"], link["appInstanceId"]) == (
        "JustCall",
        org.embed_link(justcall),
        justcall.id,
    )
    assert link["appAssignmentId"].startswith("0ua")
    assert link["logoUrl"] == f"{org.public_url}/assets/img/logos/default.png", "the app's logo, as its _links.logo"
    org.deactivate_app(justcall.id)
    assert api(client, "GET", f"/users/{ann.id}/appLinks", token).get_json() == []


def test_groups(client: FlaskClient, org: Org, token: str, ann: User) -> None:
    sales = org.add_group("Sales")
    org.add_group("Engineering")
    org.add_user_to_group(sales.id, ann.id)
    names = [g["profile"]["name"] for g in api(client, "GET", "/groups", token).get_json()]
    assert names == ["Everyone", "Sales", "Engineering"], "the org is made with its built-in Everyone group"
    assert [g["id"] for g in api(client, "GET", "/groups?q=sal", token).get_json()] == [sales.id]
    group = api(client, "GET", f"/groups/{sales.id}", token).get_json()
    assert group["type"] == "OKTA_GROUP" and group["objectClass"] == ["okta:user_group"]
    members = api(client, "GET", f"/groups/{sales.id}/users", token).get_json()
    assert [m["id"] for m in members] == [ann.id]
    assert api(client, "GET", "/groups/00gNope", token).status_code == 404
