"""Who may use the Admin Console: sign-in first, admins only, edits for Super/Application Admins, CSRF on forms."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from admin_support import ADMIN, APP_ADMIN, END_USER, READ_ONLY, csrf, sign_in, text, title
from flask.testing import FlaskClient

from mock_idp.admin.console import CSRF_FAILED, NO_PERMISSION, NOT_AN_ADMIN
from mock_idp.model import SamlApp
from mock_idp.org import Org

CONSOLE_PAGES = ("/admin/", "/admin/dashboard", "/admin/apps/active", "/admin/apps/create")


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_anonymous_visitors_are_sent_to_the_sign_in_page_and_back(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login/login.htm?fromURI={path}"
    assert sign_in(client, ADMIN, from_uri=path).headers["Location"] == path


def test_the_console_shows_who_is_signed_in_and_their_role(admin_client: FlaskClient) -> None:
    page = text(admin_client.get("/admin/dashboard"))
    assert f'<span id="console-user">{ADMIN}</span>' in page
    assert '<span id="console-role">Super Administrator</span>' in page


@pytest.mark.parametrize("path", [*CONSOLE_PAGES, "/admin/app/acme_justcall_1/instance/{id}/signon"])
def test_end_users_get_a_403_page(client: FlaskClient, justcall: SamlApp, path: str) -> None:
    sign_in(client, END_USER)
    response = client.get(path.format(id=justcall.id))
    assert response.status_code == 403
    assert title(response) == "403 Forbidden"
    assert NOT_AN_ADMIN in text(response)


def test_read_only_admins_may_look_but_not_create(client: FlaskClient, org: Org, justcall: SamlApp) -> None:
    sign_in(client, READ_ONLY)
    listing = client.get("/admin/apps/active")
    assert listing.status_code == 200
    assert "JustCall" in text(listing)
    assert "Create App Integration" not in text(listing)
    create = client.get("/admin/apps/create")
    assert create.status_code == 403
    assert NO_PERMISSION in text(create)


def test_read_only_admins_cannot_post_even_with_a_valid_token(client: FlaskClient, org: Org, justcall: SamlApp) -> None:
    sign_in(client, READ_ONLY)
    signon = f"/admin/app/{justcall.name}/instance/{justcall.id}/signon"
    assert "Generate new certificate" not in text(client.get(signon))
    response = client.post(f"{signon}/certificates/generate", data={"csrf_token": csrf(client, signon)})
    assert response.status_code == 403
    assert len(org.signing_keys(justcall.id)) == 1


@pytest.mark.parametrize("login", [ADMIN, APP_ADMIN])
def test_super_and_application_admins_may_create_apps(client: FlaskClient, login: str) -> None:
    sign_in(client, login)
    page = client.get("/admin/apps/active")
    assert "Create App Integration" in text(page)
    assert client.get("/admin/apps/create").status_code == 200


@pytest.mark.parametrize(
    "token_for",
    [
        lambda c: None,
        lambda c: "forged",
        lambda c: csrf(c) + "x",
    ],
    ids=["missing", "forged", "altered"],
)
def test_console_posts_need_the_sessions_csrf_token(
    admin_client: FlaskClient, org: Org, justcall: SamlApp, token_for: Callable[[FlaskClient], str | None]
) -> None:
    token = token_for(admin_client)
    data = {} if token is None else {"csrf_token": token}
    path = f"/admin/app/{justcall.name}/instance/{justcall.id}/signon/certificates/generate"
    response = admin_client.post(path, data=data)
    assert response.status_code == 403
    assert CSRF_FAILED in text(response)
    assert len(org.signing_keys(justcall.id)) == 1


def test_another_sessions_token_is_refused(
    admin_client: FlaskClient, make_client: Callable[[], FlaskClient], org: Org, justcall: SamlApp
) -> None:
    other = make_client()
    sign_in(other, APP_ADMIN)
    foreign = csrf(other)
    path = f"/admin/app/{justcall.name}/instance/{justcall.id}/signon/certificates/generate"
    assert admin_client.post(path, data={"csrf_token": foreign}).status_code == 403
    assert admin_client.post(path, data={"csrf_token": csrf(admin_client)}).status_code == 302
    assert len(org.signing_keys(justcall.id)) == 2


def test_a_revoked_role_takes_effect_on_the_next_request(admin_client: FlaskClient, org: Org) -> None:
    assert admin_client.get("/admin/dashboard").status_code == 200
    admin = org.find_user(ADMIN)
    assert admin is not None
    org.revoke_admin_role(admin.id)
    assert admin_client.get("/admin/dashboard").status_code == 403


def test_a_deactivated_admin_is_signed_out(admin_client: FlaskClient, org: Org) -> None:
    admin = org.find_user(ADMIN)
    assert admin is not None
    org.deactivate_user(admin.id)
    response = admin_client.get("/admin/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/login.htm")


def test_posting_while_signed_out_goes_to_sign_in_and_changes_nothing(
    client: FlaskClient, org: Org, justcall: SamlApp
) -> None:
    path = f"/admin/app/{justcall.name}/instance/{justcall.id}/signon/certificates/generate"
    response = client.post(path, data={"csrf_token": "x"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/login.htm")
    assert len(org.signing_keys(justcall.id)) == 1
