"""The hot path's Core statements store and read what the ORM does, and let the database decide races."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from justcall_sp import sso_store
from justcall_sp.db import Database
from justcall_sp.models import Account, ReplayEntry
from justcall_sp.models import User as UserRow

NOW = datetime(2026, 11, 29, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'sp.sqlite3'}")
    database.create_schema()
    with database.session() as session:
        session.add(Account(slug="acme", name="Acme", plan="business"))
    yield database
    database.dispose()


def account_id(db: Database) -> int:
    with db.read() as conn:
        record = sso_store.load_account(conn, "acme")
    assert record is not None
    return record.id


def test_an_assertion_id_is_remembered_once_as_an_aware_instant_the_orm_reads_back(db: Database) -> None:
    with db.transaction() as conn:
        assert sso_store.remember_assertion(conn, "_a", NOW + timedelta(minutes=5))
    with db.transaction() as conn, conn.begin_nested():
        assert not sso_store.remember_assertion(conn, "_a", NOW + timedelta(minutes=5))
    with db.read() as conn:
        assert sso_store.ConnectionLookups(conn, NOW).assertion_seen("_a")
        assert not sso_store.ConnectionLookups(conn, NOW + timedelta(minutes=5)).assertion_seen("_a")
    with db.read_session() as session:
        entry = session.get(ReplayEntry, "_a")
        assert entry is not None and entry.expires_at == NOW + timedelta(minutes=5)


def test_expired_assertions_are_purged_and_live_ones_kept(db: Database) -> None:
    with db.transaction() as conn:
        sso_store.remember_assertion(conn, "_old", NOW - timedelta(microseconds=1))
        sso_store.remember_assertion(conn, "_live", NOW + timedelta(microseconds=1))
        sso_store.purge_expired_assertions(conn, NOW)
    with db.read_session() as session:
        assert session.get(ReplayEntry, "_old") is None
        assert session.get(ReplayEntry, "_live") is not None


def test_a_request_is_answered_once(db: Database) -> None:
    request = sso_store.NewRequest("_r1", account_id(db), NOW, NOW + timedelta(minutes=5), "relay", "login")
    with db.transaction() as conn:
        sso_store.store_request(conn, request, purge_before=NOW)
    with db.transaction() as conn:
        pending = sso_store.ConnectionLookups(conn, NOW).pending_request("_r1")
        assert pending is not None
        assert (pending.account_slug, pending.expires_at, pending.consumed) == ("acme", request.expires_at, False)
        assert sso_store.consume_request(conn, "_r1")
        assert not sso_store.consume_request(conn, "_r1")
        assert not sso_store.consume_request(conn, "_nobody")


def test_a_jit_user_gets_its_new_key_and_a_second_insert_of_the_email_loses(db: Database) -> None:
    owner = account_id(db)
    with db.transaction() as conn:
        assert sso_store.insert_sso_user(conn, owner, "New@Acme.example", "New", "User", "agent")
        assert not sso_store.insert_sso_user(conn, owner, "new@acme.example", "Twin", "User", "agent")
        created = sso_store.find_user(conn, "NEW@acme.example")
        assert created is not None and created.id > 0 and created.role == "agent"
    with db.read_session() as session:
        row = session.get(UserRow, created.id)
        assert row is not None and row.created_via_sso and row.email == "New@Acme.example"
