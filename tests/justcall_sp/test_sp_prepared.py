"""Prepared statements read and write exactly what ``Connection.execute`` does (types, rowcounts, conflicts)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sp_helpers import FakeIdp, decode_redirect, expect_rejected, post_acs
from sqlalchemy import bindparam, insert, select, update

from justcall_sp.db import Database
from justcall_sp.models import Base, ReplayEntry
from justcall_sp.prepared import Conflict, Prepared
from justcall_sp.service import JustCall

REPLAY = Base.metadata.tables[ReplayEntry.__tablename__]
REMEMBER = Prepared(insert(REPLAY).values(assertion_id=bindparam("assertion_id"), expires_at=bindparam("expires_at")))
EXPIRY = Prepared(select(REPLAY.c.assertion_id, REPLAY.c.expires_at).where(REPLAY.c.expires_at > bindparam("now")))
EXTEND = Prepared(update(REPLAY).where(REPLAY.c.assertion_id == bindparam("id")).values(expires_at=bindparam("to")))
NOW = datetime(2026, 11, 29, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture(params=["driver", "sqlalchemy"])
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The SQLite fast path, and the ``Connection.execute`` path other databases take (forced here)."""
    if request.param == "sqlalchemy":
        monkeypatch.setattr(Prepared, "_cursor", staticmethod(lambda conn: None))
    database = Database(f"sqlite:///{tmp_path / 'sp.sqlite3'}")
    database.create_schema()
    yield database
    database.dispose()


def test_values_round_trip_as_aware_utc_and_match_the_orm(db: Database) -> None:
    with db.transaction() as conn:
        written = REMEMBER.write(conn, {"assertion_id": "_a", "expires_at": NOW + timedelta(minutes=5)})
        assert written.rowcount == 1
    with db.transaction() as conn:
        rows = EXPIRY.rows(conn, {"now": NOW})
    assert [(r.assertion_id, r.expires_at) for r in rows] == [("_a", NOW + timedelta(minutes=5))]
    with db.session() as session:  # stored in the ORM's own format
        assert session.get(ReplayEntry, "_a").expires_at == NOW + timedelta(minutes=5)  # type: ignore[union-attr]


def test_comparisons_on_instants_use_the_stored_format(db: Database) -> None:
    with db.transaction() as conn:
        REMEMBER.write(conn, {"assertion_id": "_past", "expires_at": NOW - timedelta(seconds=1)})
        REMEMBER.write(conn, {"assertion_id": "_future", "expires_at": NOW + timedelta(microseconds=1)})
        assert [r.assertion_id for r in EXPIRY.rows(conn, {"now": NOW})] == ["_future"]
        assert EXPIRY.first(conn, {"now": NOW + timedelta(days=1)}) is None


def test_a_duplicate_key_is_a_conflict_and_rowcount_counts_updates(db: Database) -> None:
    with db.transaction() as conn:
        REMEMBER.write(conn, {"assertion_id": "_a", "expires_at": NOW})
    with pytest.raises(Conflict), db.transaction() as conn:
        REMEMBER.write(conn, {"assertion_id": "_a", "expires_at": NOW})
    with db.transaction() as conn:
        assert EXTEND.write(conn, {"id": "_a", "to": NOW + timedelta(hours=1)}).rowcount == 1
        assert EXTEND.write(conn, {"id": "_nobody", "to": NOW}).rowcount == 0


@pytest.fixture
def through_sqlalchemy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every prepared statement through ``Connection.execute``, the path PostgreSQL takes."""
    monkeypatch.setattr(Prepared, "_cursor", staticmethod(lambda conn: None))


@pytest.mark.usefixtures("through_sqlalchemy")
def test_sign_in_with_sso_jit_and_replay_work_on_the_sqlalchemy_path(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    start = client.post("/login/sso", data={"email": "newbie@acme.example"})
    assert start.status_code == 302
    request, _ = decode_redirect(start.headers["Location"])
    xml = fake_idp.response("newbie@acme.example", in_response_to=request.get("ID"))
    assert post_acs(client, xml).status_code == 303
    assert client.get("/api/me").json["email"] == "newbie@acme.example"  # type: ignore[index]
    user = jc.get_user("newbie@acme.example")
    assert user is not None and user.created_via_sso
    expect_rejected(jc, post_acs(client.application.test_client(), xml), "replay.detected")
