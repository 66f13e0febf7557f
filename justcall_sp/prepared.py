"""Run a Core statement compiled once, straight on the DBAPI cursor, with SQLAlchemy's own type processing.

SQLAlchemy spends 100-200 us per ``Connection.execute`` on the benchmark VM (cache key, execution context,
result object) for statements SQLite runs in 2-10 us; the ACS runs about ten of them per login (issue 7
profile). For SQLite (qmark parameters) this compiles the statement once per dialect with
``Statement.compile`` and converts parameters and results with the types' ``dialect_impl`` processors, so
values are stored and read exactly as through ``Connection.execute``. Other databases take
``Connection.execute`` itself: same statement, same results.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import ClauseElement, Delete, Insert, Select, Update

Processor = Callable[[Any], Any] | None


class Conflict(Exception):
    """A unique or primary key constraint refused the write (either path)."""


@dataclass(frozen=True)
class Written:
    rowcount: int
    lastrowid: int | None
    """After an INSERT, the new row's integer key (SQLite: its rowid, the key of a table with an integer key)."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiled: Any
    names: tuple[str, ...]
    binders: tuple[Processor, ...]
    row: Any
    readers: tuple[Processor, ...]


class Prepared:
    """One statement; ``rows``/``first`` for SELECTs, ``write`` for INSERT/UPDATE/DELETE."""

    def __init__(self, statement: ClauseElement) -> None:
        if not isinstance(statement, Select | Insert | Update | Delete):
            raise TypeError(f"not a SELECT, INSERT, UPDATE or DELETE: {type(statement).__name__}")
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        cursor = self._cursor(conn)
        if cursor is None:
            return list(conn.execute(self.statement, dict(params)).all())
        compiled = self._for(conn.dialect)
        cursor.execute(compiled.sql, self._bind(compiled, params))
        readers, make = compiled.readers, compiled.row._make
        return [
            make(value if read is None else read(value) for read, value in zip(readers, row, strict=True))
            for row in cursor
        ]

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        found = self.rows(conn, params)
        return found[0] if found else None

    def write(self, conn: Connection, params: Mapping[str, Any]) -> Written:
        """Run the statement; a constraint refusal raises ``Conflict`` (roll back before writing again)."""
        cursor = self._cursor(conn)
        if cursor is None:
            try:
                result = conn.execute(self.statement, dict(params))
            except IntegrityError as exc:
                raise Conflict(str(exc)) from exc
            key = result.inserted_primary_key if isinstance(self.statement, Insert) else None
            return Written(result.rowcount, key[0] if key and isinstance(key[0], int) else None)
        compiled = self._for(conn.dialect)
        try:
            cursor.execute(compiled.sql, self._bind(compiled, params))
        except sqlite3.IntegrityError as exc:
            raise Conflict(str(exc)) from exc
        return Written(cursor.rowcount, cursor.lastrowid if isinstance(self.statement, Insert) else None)

    @staticmethod
    def _cursor(conn: Connection) -> sqlite3.Cursor | None:
        driver = conn.connection.driver_connection
        return driver.cursor() if isinstance(driver, sqlite3.Connection) else None

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        if dialect.paramstyle != "qmark":
            raise ValueError(f"prepared statements need qmark parameters, not {dialect.paramstyle!r}")
        compiled = self.statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        binders = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
        columns = list(self.statement.selected_columns) if isinstance(self.statement, Select) else []
        row = namedtuple("Row", [column.key for column in columns] or ["unused"])  # type: ignore[misc]
        readers = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
        return _Compiled(str(compiled), compiled, names, binders, row, readers)

    @staticmethod
    def _bind(compiled: _Compiled, params: Mapping[str, Any]) -> list[Any]:
        values = compiled.compiled.construct_params(dict(params))
        return [
            values[name] if bind is None else bind(values[name])
            for name, bind in zip(compiled.names, compiled.binders, strict=True)
        ]
