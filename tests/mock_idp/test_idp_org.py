"""The org model: Okta-shaped ids and URLs, assignments (direct and by group), plans, snapshot/restore."""

from __future__ import annotations

import re
from random import Random

import pytest
from idp_support import ACS_URL, IDP_URL, SP_ENTITY_ID

from mock_idp.faults import FaultPlan
from mock_idp.keys import KeyPool
from mock_idp.model import SamlApp, User
from mock_idp.org import Org
from saml_xmlns import ATTRNAME_BASIC, ATTRNAME_UNSPECIFIED, NAMEID_EMAIL


def test_ids_have_oktas_prefixes_and_length(org: Org, justcall: SamlApp, ann: User) -> None:
    group = org.add_group("Sales")
    assert re.fullmatch(r"00u[0-9A-Za-z]{17}", ann.id)
    assert re.fullmatch(r"00g[0-9A-Za-z]{17}", group.id)
    assert re.fullmatch(r"0oa[0-9A-Za-z]{17}", justcall.id)
    assert re.fullmatch(r"exk[0-9A-Za-z]{17}", justcall.external_key)
    assert re.fullmatch(r"aln[0-9A-Za-z]{17}", justcall.link_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", org.active_key(justcall.id).kid)


def test_same_seed_gives_same_ids(key_pool: KeyPool) -> None:
    def first_user_id() -> str:
        org = Org("acme", IDP_URL, rng=Random(11), key_source=key_pool.source())
        return org.add_user("a@acme.test", "A", "B", "pw").id

    assert first_user_id() == first_user_id()


def test_app_defaults_follow_the_wizard(org: Org, justcall: SamlApp) -> None:
    assert justcall.name == "acme_justcall_1"
    assert justcall.issuer == f"http://www.okta.com/{justcall.external_key}"
    assert justcall.recipient == justcall.destination == ACS_URL
    assert justcall.audience == SP_ENTITY_ID
    assert justcall.name_id_format == NAMEID_EMAIL
    assert (justcall.response_signed, justcall.assertion_signed) == (True, True)
    assert (justcall.signature_algorithm, justcall.digest_algorithm) == ("RSA_SHA256", "SHA256")
    assert [(s.name, s.value, s.name_format) for s in justcall.attribute_statements] == [
        ("email", "user.email", ATTRNAME_UNSPECIFIED),
        ("firstName", "user.firstName", ATTRNAME_UNSPECIFIED),
        ("lastName", "user.lastName", ATTRNAME_UNSPECIFIED),
    ]


def test_app_name_strips_non_alphanumerics_and_counts_duplicates(org: Org) -> None:
    first = org.create_saml_app("Just Call!", "http://sp.test/acs", "sp")
    second = org.create_saml_app("just-call", "http://sp.test/acs", "sp", [("dept", "basic", '"Sales"')])
    assert (first.name, second.name) == ("acme_justcall_1", "acme_justcall_2")
    assert second.attribute_statements[0].name_format == ATTRNAME_BASIC


def test_urls(org: Org, justcall: SamlApp) -> None:
    exk, name = justcall.external_key, justcall.name
    assert org.sso_url(justcall) == f"{IDP_URL}/app/{name}/{exk}/sso/saml"
    assert org.metadata_url(justcall.id) == f"{IDP_URL}/app/{exk}/sso/saml/metadata"
    assert org.embed_link(justcall) == f"{IDP_URL}/home/{name}/{justcall.id}/{justcall.link_id}"
    assert org.issuer(justcall) == f"http://www.okta.com/{exk}"


def test_public_url_can_be_set_after_binding(org: Org, justcall: SamlApp) -> None:
    org.public_url = "http://127.0.0.1:41234"
    assert org.sso_url(justcall).startswith("http://127.0.0.1:41234/app/")


def test_user_login_is_case_insensitive_and_unique(org: Org, ann: User) -> None:
    assert org.find_user("ANN@acme.test") == ann
    with pytest.raises(ValueError, match="already exists"):
        org.add_user("Ann@Acme.test", "A", "L", "pw")


def test_password_is_stored_hashed(org: Org, ann: User) -> None:
    assert "correct horse" not in ann.password_hash
    assert org.authenticate("ann@acme.test", "correct horse") == ann
    assert org.authenticate("ann@acme.test", "wrong") is None


def test_deactivated_user_cannot_authenticate(org: Org, ann: User) -> None:
    org.deactivate_user(ann.id)
    assert org.authenticate("ann@acme.test", "correct horse") is None
    assert org.get_user(ann.id).status == "DEACTIVATED"


def test_assignment_through_a_group(org: Org, justcall: SamlApp) -> None:
    bob = org.add_user("bob@acme.test", "Bob", "Ray", "pw")
    sales = org.add_group("Sales")
    assert not org.is_assigned(justcall.id, bob.id)
    org.assign_group(justcall.id, sales.id)
    assert not org.is_assigned(justcall.id, bob.id)
    org.add_user_to_group(sales.id, bob.id)
    assert org.is_assigned(justcall.id, bob.id)
    assert org.assigned_apps(bob.id) == [justcall]
    org.unassign_group(justcall.id, sales.id)
    assert not org.is_assigned(justcall.id, bob.id)


def test_unassign_user(org: Org, justcall: SamlApp, ann: User) -> None:
    assert org.is_assigned(justcall.id, ann.id)
    org.unassign_user(justcall.id, ann.id)
    assert not org.is_assigned(justcall.id, ann.id)


def test_next_login_plan_is_consumed_once(org: Org, ann: User) -> None:
    plan = FaultPlan(signing={"response_signed": False})
    org.set_next_login_plan("ANN@acme.test", plan)
    assert org.take_plan("ann@acme.test") is plan
    assert org.take_plan("ann@acme.test") == FaultPlan()


def test_default_plan_applies_when_nothing_is_armed(org: Org) -> None:
    plan = FaultPlan(clock_offset_seconds=60)
    org.set_default_plan(plan)
    assert org.take_plan("anyone@acme.test") is plan
    org.set_default_plan(None)
    assert org.take_plan("anyone@acme.test") == FaultPlan()


def test_restore_brings_back_users_apps_assignments_keys_and_plans(org: Org, justcall: SamlApp, ann: User) -> None:
    snapshot = org.snapshot()
    old_kid = org.active_key(justcall.id).kid
    org.add_user("temp@acme.test", "T", "U", "pw")
    org.unassign_user(justcall.id, ann.id)
    org.activate_key(justcall.id, org.generate_key(justcall.id).kid)
    org.set_next_login_plan(ann.email, FaultPlan(status="Responder"))
    org.update_saml_app(justcall.id, audience="changed")
    org.restore(snapshot)
    assert org.find_user("temp@acme.test") is None
    assert org.is_assigned(justcall.id, ann.id)
    assert org.active_key(justcall.id).kid == old_kid
    assert len(org.signing_keys(justcall.id)) == 1
    assert org.armed_plan(ann.email) is None
    assert org.get_app(justcall.id).audience == SP_ENTITY_ID


def test_restore_reuses_key_objects_and_voids_sessions_and_pending(org: Org, justcall: SamlApp) -> None:
    key = org.active_key(justcall.id).credential.private_key
    snapshot = org.snapshot()
    epoch = org.session_epoch
    org.restore(snapshot)
    assert org.active_key(justcall.id).credential.private_key is key
    assert org.session_epoch == epoch + 1


def test_snapshot_and_restore_share_records_and_keys_instead_of_copying_them(org: Org, justcall: SamlApp) -> None:
    """Why: the suites restore the org before every case, so a snapshot copies containers, never records or keys."""
    for index in range(50):
        user = org.add_user(f"user{index}@acme.test", "U", str(index), "pw")
        org.assign_user(justcall.id, user.id)
    snapshot = org.snapshot()
    org.restore(snapshot)
    assert org.get_user(user.id) is snapshot.directory.users[user.id]
    assert org.signing_keys(justcall.id)[0] is snapshot.keyring.keys[justcall.id][0]
