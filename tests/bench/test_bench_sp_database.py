"""The SP database helpers added for speed: snapshot/restore and read-only sessions."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from justcall_sp import create_app
from justcall_sp.db import DatabaseSnapshot
from justcall_sp.service import JustCall, UnknownAccount


@pytest.fixture
def justcall(tmp_path: Path) -> JustCall:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'sp.sqlite3'}",
            "SECRET_KEY": "x",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    facade: JustCall = app.extensions["justcall"]
    facade.create_account("acme", "Acme Inc.")
    facade.add_domain("acme", "acme.example")
    facade.add_user("acme", "owner@acme.example", "Olivia", "Owner", "Owner", password="pw", is_owner=True)
    return facade


def test_restore_returns_to_the_snapshot(justcall: JustCall) -> None:
    snapshot = justcall.snapshot()
    before = justcall.users("acme")
    justcall.add_user("acme", "new@acme.example", "New", "User", "Agent")
    justcall.create_account("globex", "Globex", plan="standard")
    justcall.restore(snapshot)
    assert justcall.users("acme") == before
    assert justcall.get_account("globex") is None
    # Ids continue as after a fresh seed: the next user gets the next id.
    again = justcall.add_user("acme", "new@acme.example", "New", "User", "Agent")
    assert again.id == max(u.id for u in before) + 1


def test_restore_after_reset_and_twice(justcall: JustCall) -> None:
    snapshot = justcall.snapshot()
    justcall.reset()
    assert justcall.get_account("acme") is None
    justcall.restore(snapshot)
    justcall.restore(snapshot)
    assert justcall.get_user("OWNER@acme.example") is not None


def test_lookups_join_the_account(justcall: JustCall) -> None:
    owner = justcall.get_user("owner@acme.example")
    assert owner is not None and owner.account == "acme" and owner.is_admin
    assert justcall.get_user_by_id(owner.id) == owner
    assert justcall.get_user_by_id(999) is None
    assert justcall.pinned_certificate("acme") is None
    with pytest.raises(UnknownAccount):
        justcall.pinned_certificate("nope")


def test_read_sessions_do_not_wait_for_a_writer(justcall: JustCall) -> None:
    db = justcall.db
    writing, done = threading.Event(), threading.Event()

    def writer() -> None:
        with db.session() as session:
            session.execute(text("UPDATE accounts SET name = 'Acme 2'"))
            writing.set()
            done.wait(5)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(5)
        with db.read_session() as session:  # would block for the busy timeout if it took the write lock
            assert session.execute(text("SELECT name FROM accounts")).scalar_one() == "Acme Inc."
    finally:
        done.set()
        thread.join(5)
    assert justcall.get_account("acme").name == "Acme 2"  # type: ignore[union-attr]


def test_sqlite_restore_uses_the_backup_copy_and_keeps_wal(justcall: JustCall) -> None:
    snapshot = justcall.snapshot()
    assert snapshot.sqlite_copy is not None
    justcall.create_account("globex", "Globex", plan="standard")
    justcall.restore(snapshot)
    assert justcall.get_account("globex") is None
    with justcall.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"


def test_row_restore_is_the_same_without_a_backup_copy(justcall: JustCall) -> None:
    """The path other databases (Postgres) take: delete and re-insert every row in one transaction."""
    snapshot = DatabaseSnapshot(justcall.snapshot().tables)
    before = justcall.users("acme")
    justcall.add_user("acme", "new@acme.example", "New", "User", "Agent")
    justcall.restore(snapshot)
    assert justcall.users("acme") == before
