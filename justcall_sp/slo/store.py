"""Every statement Single Logout runs, in SQLAlchemy Core (one indexed read or write each).

Message IDs: a LogoutRequest JustCall sent waits for one LogoutResponse (``sent``); a LogoutRequest Okta sent is
acted on once (``received``). Session ends: a per-person count of Okta's logouts; an SSO session remembers the
count it started under and is over once the count has grown (the session cookie cannot be reached from Okta's
request otherwise, and a count does not depend on clocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from justcall_sp.models import Base, LogoutMessageRecord, SsoAdvanced, SsoSessionEnd

MESSAGES = Base.metadata.tables[LogoutMessageRecord.__tablename__]
ENDS = Base.metadata.tables[SsoSessionEnd.__tablename__]
ADVANCED = Base.metadata.tables[SsoAdvanced.__tablename__]


@dataclass(frozen=True)
class SloSettings:
    """The account's Single Logout switch and Okta's SLO URL (from Settings -> Security -> Single Sign-On)."""

    enabled: bool = False
    idp_slo_url: str | None = None


def load_settings(conn: Connection, account_id: int) -> SloSettings:
    """Return the account's Single Logout settings (off when it never saved any)."""
    row = conn.execute(
        select(ADVANCED.c.single_logout, ADVANCED.c.idp_slo_url).where(ADVANCED.c.account_id == account_id)
    ).first()
    if row is None:
        return SloSettings()
    return SloSettings(bool(row.single_logout), row.idp_slo_url or None)


def purge(conn: Connection, now: datetime) -> None:
    """Drop message IDs past their lifetime."""
    conn.execute(delete(MESSAGES).where(MESSAGES.c.expires_at < now))


def remember_sent(conn: Connection, account_id: int, message_id: str, expires_at: datetime) -> None:
    """Record a LogoutRequest JustCall sends (its LogoutResponse must name it in InResponseTo)."""
    conn.execute(
        MESSAGES.insert().values(
            message_id=message_id, direction="sent", account_id=account_id, expires_at=expires_at, answered=False
        )
    )


def answer_sent(conn: Connection, account_id: int, message_id: str, now: datetime) -> bool:
    """Mark a pending LogoutRequest of this account answered; False if it is unknown, answered or expired."""
    result = conn.execute(
        update(MESSAGES)
        .where(
            MESSAGES.c.message_id == message_id,
            MESSAGES.c.direction == "sent",
            MESSAGES.c.account_id == account_id,
            MESSAGES.c.answered.is_(False),
            MESSAGES.c.expires_at >= now,
        )
        .values(answered=True)
    )
    return result.rowcount == 1


def remember_received(conn: Connection, account_id: int, message_id: str, expires_at: datetime) -> bool:
    """Record Okta's LogoutRequest ID; False if it was seen before (a replay)."""
    seen = conn.execute(
        select(MESSAGES.c.message_id).where(MESSAGES.c.message_id == message_id, MESSAGES.c.direction == "received")
    ).first()
    if seen is not None:
        return False
    conn.execute(
        MESSAGES.insert().values(
            message_id=message_id, direction="received", account_id=account_id, expires_at=expires_at, answered=True
        )
    )
    return True


def end_sessions(conn: Connection, user_id: int, now: datetime) -> None:
    """End every SSO session ``user_id`` has now (sessions started later are not affected)."""
    bumped = update(ENDS).where(ENDS.c.user_id == user_id).values(generation=ENDS.c.generation + 1, ended_at=now)
    if conn.execute(bumped).rowcount == 0:
        conn.execute(ENDS.insert().values(user_id=user_id, generation=1, ended_at=now))


def logout_generation(conn: Connection, user_id: int) -> int:
    """Return how many times Okta has logged ``user_id`` out (0 if never)."""
    found = conn.execute(select(ENDS.c.generation).where(ENDS.c.user_id == user_id)).scalar()
    return int(found or 0)
