"""The org's aggregates share one snapshot rule: every field is state, copied and restored without a list to edit."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

import pytest
from idp_support import ACS_URL, SP_ENTITY_ID

from mock_idp.aggregates import Aggregate, AppCatalog, Directory, KeyRing, SignIns
from mock_idp.aggregates.base import DROPPED, KEPT
from mock_idp.faults import FaultPlan
from mock_idp.model import PendingSso, SamlApp, User
from mock_idp.org import Org, OrgSnapshot

AGGREGATES = (Directory, AppCatalog, KeyRing, SignIns)
MARKER = object()


def filled(value: object) -> object:
    """A value of the same kind as ``value`` that differs from it (for a field the test knows nothing about)."""
    if isinstance(value, dict):
        return type(value)({"marker": MARKER})
    if isinstance(value, list):
        return [MARKER]
    return MARKER


@pytest.mark.parametrize("kind", AGGREGATES, ids=[k.__name__ for k in AGGREGATES])
def test_restore_puts_back_every_field_that_is_not_marked(kind: type[Aggregate]) -> None:
    part = kind()
    snapshot = part.snapshot()
    state = [f for f in fields(part) if not f.metadata]
    assert state, "an aggregate holds state"
    for f in state:
        setattr(part, f.name, filled(getattr(part, f.name)))
    part.restore(snapshot)
    for f in state:
        assert getattr(part, f.name) == getattr(snapshot, f.name), f.name
        if isinstance(getattr(part, f.name), dict | list):
            assert getattr(part, f.name) is not getattr(snapshot, f.name), f"{f.name} must be a copy"


@dataclass
class GrownDirectory(Directory):
    """A directory someone extended with a new table and touched nothing else."""

    nicknames: dict[str, str] = field(default_factory=dict)


def test_a_field_added_later_is_in_the_snapshot_without_editing_snapshot_or_restore() -> None:
    part = GrownDirectory()
    part.nicknames["00u1"] = "Ann"
    snapshot = part.snapshot()
    part.nicknames["00u2"] = "Bob"
    assert snapshot.nicknames == {"00u1": "Ann"}
    part.restore(snapshot)
    assert part.nicknames == {"00u1": "Ann"}
    part.nicknames.clear()
    part.restore(snapshot)  # a snapshot restores more than once
    assert part.nicknames == {"00u1": "Ann"}


def test_kept_fields_survive_a_restore_and_dropped_fields_are_emptied() -> None:
    sign_ins = SignIns()
    snapshot = sign_ins.snapshot()
    pending = PendingSso(app_id="0oa1", flow="idp_initiated", request=None, relay_state=None, created=datetime.now(UTC))
    sign_ins.stash("token", pending)
    sign_ins.restore(snapshot)
    assert sign_ins.pending == {}
    assert sign_ins.session_epoch == 1
    keyring = KeyRing()
    keyring.special["other"] = MARKER  # type: ignore[assignment]
    keyring.restore(keyring.snapshot())
    assert keyring.special == {"other": MARKER}
    assert {f.name for part in AGGREGATES for f in fields(part) if f.metadata in (KEPT, DROPPED)} == {
        "special",
        "pending",
        "session_epoch",
    }


def test_the_org_snapshot_has_one_entry_per_aggregate_the_org_holds(org: Org) -> None:
    held = {name.lstrip("_") for name, value in vars(org).items() if isinstance(value, Aggregate)}
    assert held == {f.name for f in fields(OrgSnapshot)}
    snapshot = org.snapshot()
    assert all(isinstance(getattr(snapshot, name), Aggregate) for name in held)


def test_restore_returns_every_aggregate_to_the_snapshot(org: Org, justcall: SamlApp, ann: User) -> None:
    group = org.add_group("Sales")
    org.add_user_to_group(group.id, ann.id)
    org.create_api_token("ci")
    snapshot = org.snapshot()
    before = (org.users(), org.groups(), org.apps(), org.signing_keys(justcall.id), org.api_tokens(), org.admins())
    admin = org.add_admin("root@acme.test", "pw")
    org.remove_user_from_group(group.id, ann.id)
    org.assign_group(justcall.id, group.id)
    org.create_api_token("other", admin.id)
    org.generate_key(justcall.id)
    org.set_default_plan(FaultPlan(clock_offset_seconds=5))
    org.create_saml_app("Other", ACS_URL, SP_ENTITY_ID)
    org.restore(snapshot)
    after = (org.users(), org.groups(), org.apps(), org.signing_keys(justcall.id), org.api_tokens(), org.admins())
    assert after == before
    assert org.group_members(group.id) == {ann.id}
    assert org.assigned_group_ids(justcall.id) == frozenset()
    assert org.take_plan("anyone@acme.test") == FaultPlan()
    assert org.created_at(f"{justcall.id}/{group.id}") is None
    assert org.created_at(f"{justcall.id}/{ann.id}") is not None
    assert org.created_at(group.id) is not None


def test_concurrent_callers_lose_no_write(org: Org, justcall: SamlApp) -> None:
    """The live server's threads and the harness call the org at once: one lock keeps the aggregates whole."""

    def add(start: int) -> None:
        for index in range(start, start + 25):
            user = org.add_user(f"u{index}@acme.test", "U", str(index), "pw")
            org.assign_user(justcall.id, user.id)
            org.snapshot()

    threads = [threading.Thread(target=add, args=(n * 25,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(org.users()) == 100
    assert len(org.assigned_user_ids(justcall.id)) == 100
