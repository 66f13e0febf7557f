"""Write and read the SSO activity log: one row per ACS outcome, found again by its short reference."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.orm import Session

from justcall_sp.models import Base, SsoActivity

FLOWS = ("sp_initiated", "idp_initiated", "test")
OUTCOMES = ("success", "failure")


def new_reference() -> str:
    """Return a short random reference users can quote (10 characters, base32, 48 bits)."""
    return base64.b32encode(secrets.token_bytes(6)).decode("ascii").rstrip("=")[:10]


@dataclass(frozen=True)
class ActivityEntry:
    """One outcome to log (the reference is assigned when it is written)."""

    at: datetime
    account_slug: str | None
    flow: str
    outcome: str
    category: str | None = None
    reason: str | None = None
    detail: str | None = None
    email: str | None = None
    response_id: str | None = None
    assertion_id: str | None = None
    in_response_to: str | None = None


_TABLE = Base.metadata.tables[SsoActivity.__tablename__]
_INSERT = insert(_TABLE).values({c.name: bindparam(c.name) for c in _TABLE.columns if c.name != "id"})


def record(executor: Session | Connection, entry: ActivityEntry) -> str:
    """Insert ``entry`` in the caller's transaction (ORM session or Core connection); return its reference."""
    reference = new_reference()
    (executor.connection() if isinstance(executor, Session) else executor).execute(
        _INSERT,
        {
            "reference": reference,
            "at": entry.at,
            "account_slug": entry.account_slug,
            "flow": entry.flow,
            "outcome": entry.outcome,
            "category": entry.category,
            "reason": entry.reason,
            "detail": _clip(entry.detail, 4000),
            "email": _clip(entry.email, 320),
            "response_id": _clip(entry.response_id, 256),
            "assertion_id": _clip(entry.assertion_id, 256),
            "in_response_to": _clip(entry.in_response_to, 256),
        },
    )
    return reference


def _clip(value: str | None, limit: int) -> str | None:
    return None if value is None else value[:limit]


def to_dict(row: SsoActivity) -> dict[str, Any]:
    """Serialize a row in the JSON API's shape."""
    return {
        "reference": row.reference,
        "at": row.at.isoformat(),
        "account": row.account_slug,
        "flow": row.flow,
        "outcome": row.outcome,
        "category": row.category,
        "reason": row.reason,
        "detail": row.detail,
        "email": row.email,
        "response_id": row.response_id,
        "assertion_id": row.assertion_id,
        "in_response_to": row.in_response_to,
    }


def query(
    session: Session,
    slug: str | None = None,
    reference: str | None = None,
    flow: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Return matching entries, newest first."""
    statement = select(SsoActivity).order_by(SsoActivity.at.desc(), SsoActivity.id.desc())
    if slug is not None:
        statement = statement.where(SsoActivity.account_slug == slug)
    if reference is not None:
        statement = statement.where(SsoActivity.reference == reference)
    if flow is not None:
        statement = statement.where(SsoActivity.flow == flow)
    if limit is not None:
        statement = statement.limit(limit)
    return [to_dict(row) for row in session.scalars(statement)]
