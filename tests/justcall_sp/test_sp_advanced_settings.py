"""Settings -> Security -> Single Sign-On, optional sections: Encrypt assertions and roles from Okta groups."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sp_helpers import ADMIN, AGENT, OWNER, SLUG, SUPERVISOR, FakeIdp, become, csrf, last_activity, page_text, post_acs

from justcall_sp.role_mapping import mapped_role, role_at_login
from justcall_sp.service import JustCall

SETTINGS = "/settings/security/sso"
ARTICLE = ("email", "firstName", "lastName")


def _response(fake_idp: FakeIdp, email: str, groups: tuple[str, ...]) -> bytes:
    attributes = (("email", (email,)), ("firstName", ("Nia",)), ("lastName", ("Newman",)))
    if groups:
        attributes += (("groups", groups),)
    return fake_idp.response(email, attributes=attributes)


def test_the_nav_has_a_security_item_and_settings_lead_there(client: FlaskClient, jc: JustCall) -> None:
    become(client, jc, ADMIN)
    for path in ("/settings", "/settings/security"):
        assert client.get(path).headers["Location"] == SETTINGS
    page = client.get(SETTINGS)
    assert page_text(page, "settings-nav") == "Security: Single Sign-On"


def test_admin_switches_encryption_on_and_downloads_the_certificate(client: FlaskClient, jc: JustCall) -> None:
    become(client, jc, ADMIN)
    answer = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "encrypt_on"})
    assert answer.status_code == 200 and page_text(answer, "encryption-status") == "On"
    download = client.get(f"{SETTINGS}/encryption-certificate.pem")
    assert download.status_code == 200 and download.mimetype == "application/x-pem-file"
    assert download.data == jc.encryption_certificate(SLUG) and b"PRIVATE KEY" not in download.data
    assert jc.advanced_settings(SLUG).encrypt_assertions
    rotated = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "rotate_encryption"})
    assert rotated.status_code == 200 and jc.encryption_certificate(SLUG) != download.data
    client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "encrypt_off"})
    assert not jc.advanced_settings(SLUG).encrypt_assertions


def test_agents_cannot_download_the_encryption_certificate(client: FlaskClient, jc: JustCall) -> None:
    become(client, jc, AGENT)
    assert client.get(f"{SETTINGS}/encryption-certificate.pem").status_code == 403


def test_admin_saves_a_group_mapping_and_bad_rows_write_nothing(client: FlaskClient, jc: JustCall) -> None:
    become(client, jc, ADMIN)
    data = {
        "csrf_token": csrf(client),
        "action": "save_roles",
        "group_name": ["JustCall Admins", "JustCall Leads", ""],
        "group_role": ["Admin", "Supervisor", "Agent"],
        "roles_at_every_login": "1",
    }
    assert client.post(SETTINGS, data=data).status_code == 200
    saved = jc.advanced_settings(SLUG)
    assert saved.role_mappings == (("JustCall Admins", "Admin"), ("JustCall Leads", "Supervisor"))
    assert saved.roles_at_every_login
    bad = {**data, "group_role": ["Owner", "Supervisor", "Agent"]}
    answer = client.post(SETTINGS, data=bad)
    assert answer.status_code == 400 and "must be one of" in (page_text(answer, "form-errors") or "")
    assert jc.advanced_settings(SLUG) == saved


def test_jit_gives_the_mapped_role(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    assert jc.set_group_roles(SLUG, [("JustCall Admins", "Admin"), ("JustCall Leads", "Supervisor")], False) == []
    answer = post_acs(
        client, _response(fake_idp, "newbie@acme.example", ("Everyone", "JustCall Leads", "JustCall Admins"))
    )
    assert answer.status_code == 303
    user = jc.get_user("newbie@acme.example")
    assert user is not None and user.role == "Admin"
    assert "mapped from groups" in last_activity(jc)["detail"]


def test_no_matching_group_gives_the_default_role(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    jc.set_group_roles(SLUG, [("JustCall Admins", "Admin")], False)
    assert post_acs(client, _response(fake_idp, "newbie@acme.example", ())).status_code == 303
    user = jc.get_user("newbie@acme.example")
    assert user is not None and user.role == "Agent"


@pytest.mark.parametrize(("every_login", "expected"), [(False, "Supervisor"), (True, "Admin")])
def test_existing_users_change_role_only_when_applied_at_every_login(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, every_login: bool, expected: str
) -> None:
    jc.set_group_roles(SLUG, [("JustCall Admins", "Admin")], every_login)
    assert post_acs(client, _response(fake_idp, SUPERVISOR, ("JustCall Admins",))).status_code == 303
    user = jc.get_user(SUPERVISOR)
    assert user is not None and user.role == expected


def test_the_owner_keeps_owner_whatever_the_groups(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    jc.set_group_roles(SLUG, [("JustCall Agents", "Agent")], True)
    assert post_acs(client, _response(fake_idp, OWNER, ("JustCall Agents",))).status_code == 303
    user = jc.get_user(OWNER)
    assert user is not None and user.role == "Owner"


def test_role_rules() -> None:
    mappings = [("A", "Agent"), ("S", "Supervisor"), ("X", "Owner")]
    assert mapped_role(["A", "S"], mappings) == "Supervisor"
    assert mapped_role(["X"], mappings) is None  # a mapping never grants Owner
    assert role_at_login([], mappings, "Agent", current_role=None, every_login=False) == "Agent"
    assert role_at_login([], mappings, "Agent", current_role="Supervisor", every_login=True) == "Agent"
    assert role_at_login(["S"], mappings, "Agent", current_role="Supervisor", every_login=True) is None
    assert role_at_login(["S"], mappings, "Agent", current_role="Agent", every_login=False) is None


def test_admin_downloads_the_signing_certificate_made_once_and_rotated(client: FlaskClient, jc: JustCall) -> None:
    become(client, jc, ADMIN)
    page = client.get(SETTINGS)
    assert "upload it to Okta as the Signature Certificate" in (page_text(page, "signing-certificate-section") or "")
    download = client.get(f"{SETTINGS}/signing-certificate.pem")
    assert download.status_code == 200 and download.mimetype == "application/x-pem-file"
    assert download.data.startswith(b"-----BEGIN CERTIFICATE-----") and b"PRIVATE KEY" not in download.data
    assert client.get(f"{SETTINGS}/signing-certificate.pem").data == download.data == jc.signing_certificate(SLUG)
    assert jc.advanced_settings(SLUG).signing_certificate_pem == download.data
    assert jc.rotate_signing_certificate(SLUG) != download.data
    assert jc.encryption_certificate(SLUG) != jc.signing_certificate(SLUG)


def test_agents_cannot_download_the_signing_certificate(client: FlaskClient, jc: JustCall) -> None:
    become(client, jc, AGENT)
    assert client.get(f"{SETTINGS}/signing-certificate.pem").status_code == 403
