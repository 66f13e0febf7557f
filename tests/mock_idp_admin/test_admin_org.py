"""The org's admin-side API: admins and roles, SSWS tokens, app lifecycle and extras, snapshot/restore."""

from __future__ import annotations

import pytest
from admin_support import ACS_URL, ADMIN, PASSWORD, SP_ENTITY_ID

from mock_idp.admin.records import APP_ADMIN, READ_ONLY_ADMIN, SUPER_ADMIN, AppLogo, GroupAttributeStatement
from mock_idp.model import SamlApp, User
from mock_idp.org import Org


def test_add_admin_creates_a_user_who_can_sign_in_with_a_role(org: Org) -> None:
    admin = org.add_admin("root@acme.test", "pw", APP_ADMIN, "Root", "User")
    assert org.authenticate("root@acme.test", "pw") == admin
    assert org.admin_role(admin.id) == APP_ADMIN
    assert (admin.first_name, admin.last_name) == ("Root", "User")
    assert ("root@acme.test", APP_ADMIN) in [(u.login, r) for u, r in org.admins()]


def test_unknown_roles_and_duplicate_logins_are_refused(org: Org) -> None:
    with pytest.raises(ValueError, match="role must be one of"):
        org.add_admin("x@acme.test", "pw", "GOD")
    assert org.find_user("x@acme.test") is None
    with pytest.raises(ValueError, match="already exists"):
        org.add_admin(ADMIN, PASSWORD)


def test_grant_and_revoke_roles(org: Org, ann: User) -> None:
    assert org.admin_role(ann.id) is None
    org.grant_admin_role(ann.id, READ_ONLY_ADMIN)
    assert org.admin_role(ann.id) == READ_ONLY_ADMIN
    org.revoke_admin_role(ann.id)
    assert org.admin_role(ann.id) is None
    with pytest.raises(KeyError):
        org.grant_admin_role("00uNope", SUPER_ADMIN)


def test_api_tokens_are_shown_once_and_stored_hashed(org: Org, ann: User) -> None:
    token = org.create_api_token("ci")
    assert token.startswith("00") and len(token) == 42
    (record,) = [t for t in org.api_tokens() if t.name == "ci"]
    assert token not in repr(record) and record.digest != token
    assert org.api_token(token) == record
    assert org.api_token_role(record) == SUPER_ADMIN
    assert org.api_token(token + "x") is None
    bound = org.create_api_token("ann", ann.id)
    bound_record = org.api_token(bound)
    assert bound_record is not None and org.api_token_role(bound_record) is None
    with pytest.raises(ValueError):
        org.create_api_token(" ")


def test_create_app_integration_is_all_or_nothing(org: Org) -> None:
    with pytest.raises(ValueError):
        org.create_app_integration("Bad", ACS_URL, SP_ENTITY_ID, response_signed=False, assertion_signed=False)
    with pytest.raises(ValueError):
        org.create_app_integration(
            "Bad", ACS_URL, SP_ENTITY_ID, group_attribute_statements=[GroupAttributeStatement("", "", "EQUALS", "x")]
        )
    assert org.apps() == []
    logo = AppLogo("image/png", b"\x89PNG\r\n\x1a\n")
    app = org.create_app_integration("Good", ACS_URL, SP_ENTITY_ID, status="INACTIVE", logo=logo)
    extras = org.app_extras(app.id)
    assert (extras.status, extras.logo) == ("INACTIVE", logo)


def test_update_app_integration_checks_the_kid_before_writing(org: Org, justcall: SamlApp) -> None:
    with pytest.raises(KeyError):
        org.update_app_integration(justcall.id, audience="urn:changed", signing_kid="nope")
    assert org.get_app(justcall.id).audience == SP_ENTITY_ID
    new = org.generate_key(justcall.id)
    org.update_app_integration(justcall.id, signing_kid=new.kid)
    assert org.active_key(justcall.id).kid == new.kid


def test_inactive_apps_have_no_tiles_and_can_then_be_deleted(org: Org, justcall: SamlApp, ann: User) -> None:
    org.assign_user(justcall.id, ann.id)
    assert org.assigned_apps(ann.id) == [justcall]
    with pytest.raises(ValueError):
        org.delete_app(justcall.id)
    org.deactivate_app(justcall.id)
    assert org.assigned_apps(ann.id) == []
    org.delete_app(justcall.id)
    assert org.apps() == []
    with pytest.raises(KeyError):
        org.app_extras(justcall.id)


def test_restore_brings_back_admins_tokens_and_app_state(org: Org, justcall: SamlApp, ann: User) -> None:
    snapshot = org.snapshot()
    token = org.create_api_token("later")
    org.grant_admin_role(ann.id, SUPER_ADMIN)
    org.deactivate_app(justcall.id)
    org.assign_user(justcall.id, ann.id)
    org.restore(snapshot)
    assert org.api_token(token) is None
    assert org.admin_role(ann.id) is None
    assert org.app_status(justcall.id) == "ACTIVE"
    assert org.created_at(f"{justcall.id}/{ann.id}") is None


def test_created_at_records_users_groups_and_assignments(org: Org, justcall: SamlApp, ann: User) -> None:
    assert org.created_at(ann.id) == org.clock()
    group = org.add_group("Sales")
    assert org.created_at(group.id) == org.clock()
    org.assign_group(justcall.id, group.id)
    assert org.created_at(f"{justcall.id}/{group.id}") == org.clock()
