"""The Admin API's JSON shapes against recorded real Okta responses (each test names the cassette it follows).

Cassettes: okta/terraform-provider-okta test/fixtures/vcr/... and okta/okta-sdk-python tests/integration/cassettes/...
"""

from __future__ import annotations

import re

from admin_support import ADMIN, END_USER, PASSWORD, PNG, FakeClock, api, multipart, sign_in
from flask import Flask
from flask.testing import FlaskClient

from mock_idp.model import Group, SamlApp, User
from mock_idp.org import Org

OKTA_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z")


def _links(response_body: dict[str, object]) -> dict[str, object]:
    links = response_body["_links"]
    assert isinstance(links, dict)
    return links


# ------------------------------------------------------------------------------------------------ apps


def test_app_has_oktas_keys_and_orn(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    """terraform-provider-okta test/fixtures/vcr/TestAccAppSaml_crud/mm-oie-2022-10-07-max.yaml (POST /apps)."""
    body = api(client, "GET", f"/apps/{justcall.id}", token).get_json()
    assert body["orn"] == f"orn:okta:idp:{org.org_id}:apps:{justcall.name}:{justcall.id}"
    assert org.org_id.startswith("00o") and len(org.org_id) == 20
    assert list(body)[:8] == ["id", "orn", "name", "label", "status", "lastUpdated", "created", "accessibility"]
    assert body["settings"]["app"] == {}
    assert body["settings"]["notifications"] == {
        "vpn": {"network": {"connection": "DISABLED"}, "message": None, "helpUrl": None}
    }
    assert body["visibility"]["appLinks"] == {f"{justcall.name}_link": True}
    assert body["accessibility"] == {"selfService": False, "errorRedirectUrl": None, "loginRedirectUrl": None}
    assert (body["features"], body["signOnMode"]) == ([], "SAML_2_0")
    assert body["credentials"]["signing"] == {"kid": org.active_key(justcall.id).kid}
    assert OKTA_TIME.fullmatch(body["created"]) and OKTA_TIME.fullmatch(body["lastUpdated"])
    sign_on = body["settings"]["signOn"]
    assert sign_on["defaultRelayState"] == "" and sign_on["requestCompressed"] is False
    # Okta's SamlAssertionEncryption (okta-sdk-golang okta/model_saml_assertion_encryption.go) has these four.
    assert set(sign_on["assertionEncryption"]) == {"enabled", "encryptionAlgorithm", "keyTransportAlgorithm", "x5c"}


def test_app_links_are_oktas_and_each_answers(
    client: FlaskClient, make_client: type[FlaskClient], org: Org, token: str, justcall: SamlApp
) -> None:
    """Same cassette: help, metadata, uploadLogo, appLinks, groups, logo (a list), users, deactivate; no self."""
    links = _links(api(client, "GET", f"/apps/{justcall.id}", token).get_json())
    assert set(links) == {"help", "metadata", "uploadLogo", "appLinks", "groups", "logo", "users", "deactivate"}
    assert links["uploadLogo"] == {
        "href": f"{org.public_url}/api/v1/apps/{justcall.id}/logo",
        "hints": {"allow": ["POST"]},
    }
    assert links["metadata"]["type"] == "application/xml"
    metadata = api(client, "GET", links["metadata"]["href"].removeprefix(f"{org.public_url}/api/v1"), token)
    assert metadata.status_code == 200 and metadata.mimetype == "application/xml"
    for path in ("users", "groups"):
        listed = api(client, "GET", links[path]["href"].removeprefix(f"{org.public_url}/api/v1"), token)
        assert listed.status_code == 200, path
    (logo,) = links["logo"]
    assert (logo["name"], logo["type"]) == ("medium", "image/png")
    image = client.get(logo["href"].removeprefix(org.public_url))
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    admin = make_client()
    assert sign_in(admin, ADMIN).status_code == 302
    help_page = admin.get(links["help"]["href"].removeprefix(org.public_url))
    assert help_page.status_code == 200 and org.sso_url(justcall) in help_page.get_data(as_text=True)
    assert links["help"]["href"].endswith(f"/app/{justcall.name}/{justcall.id}/setup/help/SAML_2_0/instructions")


def test_inactive_app_links_activate(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    org.deactivate_app(justcall.id)
    links = _links(api(client, "GET", f"/apps/{justcall.id}", token).get_json())
    assert "deactivate" not in links
    assert links["activate"]["href"].endswith(f"/api/v1/apps/{justcall.id}/lifecycle/activate")


def test_upload_logo_replaces_the_logo_link(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    body, content_type = multipart({}, {"file": (PNG, "logo.png")})
    headers = {"Authorization": f"SSWS {token}"}
    response = client.post(f"/api/v1/apps/{justcall.id}/logo", data=body, content_type=content_type, headers=headers)
    assert response.status_code == 201
    assert org.app_extras(justcall.id).logo is not None
    (logo,) = _links(api(client, "GET", f"/apps/{justcall.id}", token).get_json())["logo"]
    assert logo["href"] == f"{org.public_url}/admin/app/{justcall.id}/logo"
    bad, bad_type = multipart({}, {"file": (b"not an image", "logo.txt")})
    refused = client.post(f"/api/v1/apps/{justcall.id}/logo", data=bad, content_type=bad_type, headers=headers)
    assert refused.status_code == 400 and refused.get_json()["errorCode"] == "E0000001"


# ------------------------------------------------------------------------------------------------ users


def test_user_shape(client: FlaskClient, org: Org, token: str, ann: User) -> None:
    """okta-sdk-python tests/integration/cassettes/TestApplicationsResource.test_get_list_assign_users_app.yaml."""
    body = api(client, "GET", f"/users/{ann.id}", token).get_json()
    assert body["type"] == {"id": org.user_type_id} and org.user_type_id.startswith("oty")
    assert body["credentials"] == {
        "password": {},
        "emails": [{"value": END_USER, "status": "VERIFIED", "type": "PRIMARY"}],
        "provider": {"type": "OKTA", "name": "OKTA"},
    }
    created = body["created"]
    assert OKTA_TIME.fullmatch(created)
    assert body["activated"] == body["statusChanged"] == body["passwordChanged"] == body["lastUpdated"] == created
    assert body["lastLogin"] is None
    links = _links(body)
    assert list(links) == [
        "suspend",
        "schema",
        "resetPassword",
        "expirePassword",
        "changeRecoveryQuestion",
        "self",
        "type",
        "changePassword",
        "deactivate",
    ]
    deactivate = f"{org.public_url}/api/v1/users/{ann.id}/lifecycle/deactivate"
    assert links["deactivate"] == {"href": deactivate, "method": "POST"}
    assert links["type"]["href"].endswith(f"/api/v1/meta/types/user/{org.user_type_id}")
    # The default schema's id shares the user type's body (osc… / oty…), as in the cassette.
    assert links["schema"]["href"].endswith(f"/api/v1/meta/schemas/user/osc{org.user_type_id[3:]}")


def test_lists_carry_only_the_self_link(client: FlaskClient, org: Org, token: str, ann: User) -> None:
    """Okta's "List all users" example: list items link only themselves."""
    listed = api(client, "GET", "/users?q=ann", token).get_json()
    assert [u["_links"] for u in listed] == [{"self": {"href": f"{org.public_url}/api/v1/users/{ann.id}"}}]
    members = api(client, "GET", f"/groups/{org.everyone_group().id}/users", token).get_json()
    assert all(set(u["_links"]) == {"self"} for u in members)


def test_status_and_password_changes_are_dated(
    client: FlaskClient, org: Org, token: str, ann: User, clock: FakeClock
) -> None:
    created = api(client, "GET", f"/users/{ann.id}", token).get_json()["created"]
    clock.advance(3600)
    org.set_password(ann.id, "a new password")
    changed = api(client, "GET", f"/users/{ann.id}", token).get_json()
    assert changed["passwordChanged"] == changed["lastUpdated"] == "2026-06-01T13:00:00.000Z"
    assert changed["statusChanged"] == created
    clock.advance(3600)
    org.deactivate_user(ann.id)
    gone = api(client, "GET", f"/users/{ann.id}", token).get_json()
    assert (gone["status"], gone["statusChanged"]) == ("DEPROVISIONED", "2026-06-01T14:00:00.000Z")
    assert gone["activated"] == created
    assert set(_links(gone)) == {"schema", "activate", "self", "type"}


def test_last_login_follows_each_sign_in_on_the_login_page(
    app: Flask, client: FlaskClient, org: Org, token: str, ann: User, clock: FakeClock
) -> None:
    assert api(client, "GET", f"/users/{ann.id}", token).get_json()["lastLogin"] is None
    browser = app.test_client()
    assert sign_in(browser, END_USER, PASSWORD).status_code == 302
    first = api(client, "GET", f"/users/{ann.id}", token).get_json()
    assert first["lastLogin"] == "2026-06-01T12:00:00.000Z"
    clock.advance(90)
    assert sign_in(browser, END_USER, "wrong password").status_code == 401
    assert api(client, "GET", f"/users/{ann.id}", token).get_json()["lastLogin"] == first["lastLogin"]
    assert sign_in(app.test_client(), END_USER, PASSWORD).status_code == 302
    second = api(client, "GET", f"/users/{ann.id}", token).get_json()
    assert second["lastLogin"] == "2026-06-01T12:01:30.000Z"
    assert second["lastUpdated"] == first["lastUpdated"], "a sign-in is not a profile change"


# ------------------------------------------------------------------------------------------------ groups


def test_everyone_is_built_in_and_holds_every_user(
    client: FlaskClient, org: Org, token: str, ann: User, clock: FakeClock
) -> None:
    """okta-sdk-python tests/integration/cassettes/TestGroupsResource.test_list_groups.yaml."""
    sales = org.add_group("Sales")
    everyone, listed_sales = api(client, "GET", "/groups", token).get_json()
    assert (everyone["type"], everyone["profile"]) == (
        "BUILT_IN",
        {"name": "Everyone", "description": "All users in your organization"},
    )
    assert (listed_sales["type"], listed_sales["profile"]) == ("OKTA_GROUP", {"name": "Sales", "description": None})
    assert everyone["objectClass"] == listed_sales["objectClass"] == ["okta:user_group"]
    assert [link["name"] for link in everyone["_links"]["logo"]] == ["medium", "large"]
    assert everyone["_links"]["users"]["href"].endswith(f"/api/v1/groups/{everyone['id']}/users")
    assert everyone["_links"]["apps"]["href"].endswith(f"/api/v1/groups/{everyone['id']}/apps")
    members = {u["id"] for u in api(client, "GET", f"/groups/{everyone['id']}/users", token).get_json()}
    assert members == {u.id for u in org.users()}
    before = everyone["lastMembershipUpdated"]
    clock.advance(60)
    bob = org.add_user("bob@acme.test", "Bob", "Stone", PASSWORD)
    after = api(client, "GET", f"/groups/{everyone['id']}", token).get_json()
    assert after["lastMembershipUpdated"] == "2026-06-01T12:01:00.000Z" != before
    assert bob.id in {u["id"] for u in api(client, "GET", f"/groups/{everyone['id']}/users", token).get_json()}
    assert api(client, "GET", f"/groups/{sales.id}", token).get_json()["lastMembershipUpdated"] == before


def test_assigning_everyone_assigns_every_user(client: FlaskClient, org: Org, token: str, justcall: SamlApp) -> None:
    everyone = org.everyone_group()
    assert api(client, "PUT", f"/apps/{justcall.id}/groups/{everyone.id}", token).status_code == 200
    assert all(org.is_assigned(justcall.id, u.id) for u in org.users())
    apps = api(client, "GET", f"/groups/{everyone.id}/apps", token).get_json()
    assert [a["id"] for a in apps] == [justcall.id]


# ------------------------------------------------------------------------------------------------ assignments


def test_group_assignments_get_the_next_priority(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, ann: User
) -> None:
    """okta-sdk-python tests/integration/cassettes/TestApplicationsResource.test_assign_group_app.yaml."""
    sales, support = org.add_group("Sales"), org.add_group("Support")
    first = api(client, "PUT", f"/apps/{justcall.id}/groups/{sales.id}", token).get_json()
    second = api(client, "PUT", f"/apps/{justcall.id}/groups/{support.id}", token).get_json()
    assert (first["priority"], second["priority"]) == (0, 1)
    assert list(first) == ["id", "lastUpdated", "priority", "profile", "_links"]
    moved = api(client, "PUT", f"/apps/{justcall.id}/groups/{support.id}", token, {"priority": 7}).get_json()
    assert moved["priority"] == 7
    listed = api(client, "GET", f"/apps/{justcall.id}/groups", token).get_json()
    assert [(g["id"], g["priority"]) for g in listed] == [(sales.id, 0), (support.id, 7)]


def test_group_scoped_app_user_links_its_group(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, ann: User
) -> None:
    sales: Group = org.add_group("Sales")
    org.add_user_to_group(sales.id, ann.id)
    org.assign_group(justcall.id, sales.id)
    app_user = api(client, "GET", f"/apps/{justcall.id}/users/{ann.id}", token).get_json()
    assert (app_user["scope"], app_user["syncState"], app_user["credentials"]) == (
        "GROUP",
        "DISABLED",
        {"userName": END_USER},
    )
    assert app_user["_links"]["group"] == {"name": "Sales", "href": f"{org.public_url}/api/v1/groups/{sales.id}"}
    assert OKTA_TIME.fullmatch(app_user["statusChanged"])
    org.assign_user(justcall.id, ann.id)
    direct = api(client, "GET", f"/apps/{justcall.id}/users/{ann.id}", token).get_json()
    assert direct["scope"] == "USER" and set(direct["_links"]) == {"app", "user"}
