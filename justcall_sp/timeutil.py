"""Read and write SAML instants (xs:dateTime in UTC, SAML core 1.3.3) and give the SP one notion of now."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""A callable returning the current instant as an aware UTC datetime (injectable for tests)."""

_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$")


def utc_now() -> datetime:
    """Return the current instant as an aware UTC datetime (the default ``CLOCK``)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_instant(moment: datetime) -> str:
    """Format an instant the way Okta does: UTC, milliseconds, ``Z``."""
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_instant(text: str | None) -> datetime | None:
    """Parse an xs:dateTime; return None when absent or malformed (callers turn None into a reason).

    SAML core 1.3.3 says instants are UTC with no offset; an explicit offset is converted, a value without
    any zone designator is read as UTC. Fractions beyond microseconds are truncated, never rounded up.
    """
    if text is None:
        return None
    match = _INSTANT.match(text.strip())
    if match is None:
        return None
    base, fraction, zone = match.groups()
    micro = (fraction or "").ljust(6, "0")[:6]
    offset = "+00:00" if zone in (None, "Z") else zone
    try:
        return datetime.fromisoformat(f"{base}.{micro}{offset}").astimezone(UTC)
    except ValueError:
        return None
