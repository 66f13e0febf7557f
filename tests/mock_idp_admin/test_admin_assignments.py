"""The Assignments tab: Assign to People / Groups -> Save and Go Back, removal, and its effect on the next SSO."""

from __future__ import annotations

import re
from collections.abc import Callable

from admin_support import END_USER, PASSWORD, csrf, sign_in, text, title
from flask.testing import FlaskClient

from mock_idp.model import SamlApp, User
from mock_idp.org import Org


def base(app: SamlApp) -> str:
    return f"/admin/app/{app.name}/instance/{app.id}/assignments"


def save_and_go_back(client: FlaskClient, path: str) -> str:
    page = text(client.get(path))
    assert ">Save and Go Back</button>" in page
    response = client.post(path, data={"csrf_token": csrf(client, path)})
    assert response.status_code == 302
    return str(response.headers["Location"])


def test_the_tab_offers_assign_to_people_and_groups(admin_client: FlaskClient, justcall: SamlApp) -> None:
    page = text(admin_client.get(base(justcall)))
    assert "<summary>Assign</summary>" in page
    assert f'<a href="{base(justcall)}/people">Assign to People</a>' in page
    assert f'<a href="{base(justcall)}/groups">Assign to Groups</a>' in page
    assert 'id="no-people"' in page and 'id="no-groups"' in page


def test_assign_a_person(admin_client: FlaskClient, justcall: SamlApp, org: Org, ann: User) -> None:
    listing = text(admin_client.get(f"{base(justcall)}/people"))
    assert f'action="{base(justcall)}/people/{ann.id}"' in listing
    assert 'aria-label="Assign Ann Lee">Assign</button>' in listing
    confirm = text(admin_client.get(f"{base(justcall)}/people/{ann.id}"))
    assert f'id="app-username" value="{END_USER}"' in confirm
    back = save_and_go_back(admin_client, f"{base(justcall)}/people/{ann.id}")
    assert back.startswith(f"{base(justcall)}/people")
    assert org.is_assigned(justcall.id, ann.id)
    after = text(admin_client.get(back))
    assert f"Assigned {END_USER}." in after
    row = re.search(rf'<tr data-id="{ann.id}">(.*?)</tr>', after, re.S)
    assert row and '<span class="assigned">Assigned</span>' in row.group(1)
    tab = text(admin_client.get(base(justcall)))
    assert f"<td>{END_USER}</td>" in tab and "<td>Individual</td>" in tab


def test_assign_a_group_assigns_its_members(admin_client: FlaskClient, justcall: SamlApp, org: Org, ann: User) -> None:
    sales = org.add_group("Sales")
    org.add_user_to_group(sales.id, ann.id)
    assert "Sales" in text(admin_client.get(f"{base(justcall)}/groups"))
    save_and_go_back(admin_client, f"{base(justcall)}/groups/{sales.id}")
    assert org.is_assigned(justcall.id, ann.id)
    tab = text(admin_client.get(base(justcall)))
    assert "<td>Sales</td>" in tab
    assert "<td>Group (Sales)</td>" in tab
    assert f'aria-label="Remove {END_USER}"' not in tab, "a group-derived assignment has no person-level Remove"


def test_search_narrows_the_people_list(admin_client: FlaskClient, justcall: SamlApp, org: Org) -> None:
    org.add_user("bob@acme.test", "Bob", "Stone", PASSWORD)
    page = text(admin_client.get(f"{base(justcall)}/people?q=bob"))
    assert "bob@acme.test" in page and END_USER not in page


def test_unassigning_a_signed_in_user_blocks_their_next_sso(
    admin_client: FlaskClient, make_client: Callable[[], FlaskClient], justcall: SamlApp, org: Org, ann: User
) -> None:
    org.assign_user(justcall.id, ann.id)
    user = make_client()
    sign_in(user, END_USER)
    sso = f"/app/{justcall.name}/{justcall.external_key}/sso/saml"
    assert 'name="SAMLResponse"' in text(user.get(sso))
    remove = f"{base(justcall)}/people/{ann.id}/remove"
    response = admin_client.post(remove, data={"csrf_token": csrf(admin_client, base(justcall))})
    assert response.headers["Location"] == base(justcall)
    refused = user.get(sso)
    assert refused.status_code == 403
    assert title(refused) == "403 App Not Assigned"
    assert "SAMLResponse" not in text(refused)


def test_removing_a_group(admin_client: FlaskClient, justcall: SamlApp, org: Org, ann: User) -> None:
    sales = org.add_group("Sales")
    org.add_user_to_group(sales.id, ann.id)
    org.assign_group(justcall.id, sales.id)
    remove = f"{base(justcall)}/groups/{sales.id}/remove"
    admin_client.post(remove, data={"csrf_token": csrf(admin_client, base(justcall))})
    assert not org.is_assigned(justcall.id, ann.id)


def test_unknown_people_and_groups_are_404(admin_client: FlaskClient, justcall: SamlApp) -> None:
    token = csrf(admin_client, base(justcall))
    assert admin_client.get(f"{base(justcall)}/people/00uNope").status_code == 404
    assert admin_client.post(f"{base(justcall)}/groups/00gNope", data={"csrf_token": token}).status_code == 404
    assert admin_client.post(f"{base(justcall)}/people/00uNope/remove", data={"csrf_token": token}).status_code == 404


def test_read_only_admins_see_assignments_but_cannot_assign(
    client: FlaskClient, justcall: SamlApp, org: Org, ann: User
) -> None:
    sign_in(client, "auditor@acme.test")
    assert client.get(base(justcall)).status_code == 200
    assert client.get(f"{base(justcall)}/people/{ann.id}").status_code == 403
    token = csrf(client, base(justcall))
    assert client.post(f"{base(justcall)}/people/{ann.id}", data={"csrf_token": token}).status_code == 403
    assert not org.is_assigned(justcall.id, ann.id)
