"""Read SAML instants and say how far apart two instants are in words a person can act on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def parse_instant(text: str | None) -> datetime | None:
    """Parse an xs:dateTime (SAML core 1.3.3: UTC); None when absent or malformed. No zone means UTC."""
    if text is None or not _INSTANT.match(text.strip()):
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def fmt_instant(moment: datetime) -> str:
    """Format an instant as ``2026-02-09 21:53:06 UTC`` (milliseconds only when present)."""
    moment = moment.astimezone(UTC)
    millis = f".{moment.microsecond // 1000:03d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%d %H:%M:%S") + millis + " UTC"


def human_duration(delta: timedelta) -> str:
    """Return ``|delta|`` as e.g. ``3 min 16 s``, ``2 h 5 min`` or ``293 days``."""
    seconds = abs(delta.total_seconds())
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days >= 2:
        return f"{days} days"
    if days or hours:
        return f"{days * 24 + hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
