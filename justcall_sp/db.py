"""Own the SP's SQLAlchemy engine: one per app, SQLite tuned for concurrent requests, schema created on start."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from justcall_sp.models import Base

READ_ONLY_OPTION = "justcall_read_only"
"""Execution option of ``Database.read_session`` connections: SQLite then begins a plain (deferred) transaction."""

SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for the lock before giving up; covers bursts of concurrent logins."""


def default_database_url(app: Flask) -> str:
    """Return ``DATABASE_URL`` from the environment, else a SQLite file in the app's instance folder."""
    from_env = os.environ.get("DATABASE_URL")
    if from_env:
        return from_env
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(app.instance_path) / 'justcall.sqlite3'}"


def _tune_sqlite(engine: Engine, in_memory: bool) -> None:
    """Use WAL, a busy timeout and foreign keys, and emit BEGIN IMMEDIATE ourselves.

    pysqlite's own transaction handling breaks SAVEPOINTs (SQLAlchemy docs, "Serializable isolation /
    Savepoints / Transactional DDL"), so autocommit is switched off at the driver and SQLAlchemy's ``begin``
    event issues ``BEGIN IMMEDIATE``: writers take the lock up front and queue on the busy timeout instead
    of failing with "database is locked" when a read transaction later tries to write.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # WAL + synchronous=NORMAL: no fsync per commit (only at checkpoints); still corruption-safe, and
                # only an OS crash or power cut (not a crash of this process) can lose the last commits.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Read-only sessions (``Database.read_session``) take no write lock: in WAL mode they never wait for
        # a writer, and writers never wait for them.
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        # SQLAlchemy's documented recipe for SQLite transactions: the driver's own implicit BEGIN is turned off
        # (``isolation_level = None`` in the connect hook above) and the transaction begins here, IMMEDIATE for writers.
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create the engine for ``url``; SQLite gets WAL, busy timeout and explicit transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    in_memory = parsed.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    }
    if in_memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    _tune_sqlite(engine, in_memory)
    return engine


@dataclass(frozen=True)
class DatabaseSnapshot:
    """Rows per table (parents first), as ``Database.snapshot`` read them; for SQLite also the whole file image."""

    tables: tuple[tuple[str, tuple[dict[str, Any], ...]], ...]
    sqlite_copy: sqlite3.Connection | None = field(default=None, compare=False, repr=False)
    """An in-memory copy taken in the same transaction, restored with SQLite's backup API: one C call, much
    cheaper than deleting and re-inserting the rows (README "Performance"); the per-test reset runs it. Read only."""


class Database:
    """The app's engine and session factory; ``session()`` never leaks a session past its block."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Queue this process's writers on a lock (woken the moment it is free)
        # instead of in SQLite's busy handler, which sleeps 1, 2, 5, 10... ms between retries: under load,
        # threads would sleep in that handler while the writer only waits for the GIL.
        self._write_lock: AbstractContextManager[Any] = (
            threading.RLock() if self.engine.dialect.name == "sqlite" else nullcontext()
        )
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )

    def create_schema(self) -> None:
        Base.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session inside one transaction: committed on success, rolled back on any exception."""
        with self._write_lock, self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Yield a Core connection inside one write transaction (for hot paths that need no ORM); as ``session``."""
        with self._write_lock, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Yield a Core connection for reads only (one snapshot, no write lock), for reads on every request."""
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as connection, connection.begin():
            yield connection

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """Yield a session for reads only: one consistent snapshot, no write lock (never write in it)."""
        with self._read_sessions() as session, session.begin():
            yield session

    def snapshot(self) -> DatabaseSnapshot:
        """Return every row of every table (a few dozen rows in the demo), to ``restore`` later."""
        with self.read_session() as session:
            tables = tuple(
                (table.name, tuple(dict(row) for row in session.execute(table.select()).mappings()))
                for table in Base.metadata.sorted_tables
            )
            copy = None
            if self.engine.dialect.name == "sqlite":
                copy = sqlite3.connect(":memory:", check_same_thread=False)
                source = session.connection().connection.driver_connection
                assert isinstance(source, sqlite3.Connection)
                source.backup(copy)
            return DatabaseSnapshot(tables, copy)

    def restore(self, snapshot: DatabaseSnapshot) -> None:
        """Make the tables hold exactly the snapshot's rows: SQLite's backup API if there is an image, else one
        transaction of one delete and one bulk insert per table."""
        if snapshot.sqlite_copy is not None:
            connection = self.engine.raw_connection()
            try:
                target = connection.driver_connection
                assert isinstance(target, sqlite3.Connection)
                with self._write_lock:
                    snapshot.sqlite_copy.backup(target)
            finally:
                connection.close()
            return
        tables = Base.metadata.tables
        with self.session() as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(table.delete())
            for name, rows in snapshot.tables:
                if rows:
                    session.execute(tables[name].insert(), [dict(row) for row in rows])

    def delete_all_rows(self) -> None:
        """Empty every table in one transaction (children first), then make sure the schema exists."""
        with self.session() as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(table.delete())
        self.create_schema()

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> Database:
    """Create the app's Database from ``DATABASE_URL`` (or the default), create the schema, register it."""
    url = app.config.get("DATABASE_URL") or default_database_url(app)
    app.config["DATABASE_URL"] = url
    database = Database(url)
    database.create_schema()
    app.extensions["justcall_db"] = database
    return database


def get_db(app: Flask) -> Database:
    """Return the Database registered by ``init_app``."""
    database: Database = app.extensions["justcall_db"]
    return database
