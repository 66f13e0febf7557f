"""Move time for the IdP and the SP under test, so request-lifetime and session-expiry cases run in seconds.

The bundled deployment gives both apps one ``MovableClock`` (their ``CLOCK`` config); an external SP moves its
own clock when its target file names a ``[claims] clock_control_url`` (``move_external_clock``).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import requests


class MovableClock:
    """Real UTC time plus an offset the harness moves forward (never backward: time only passes).

    It can also stop at an instant (``stop_at``), so a case can land on a bound to the microsecond: the SP reads
    exactly NotOnOrAfter plus its skew, which no running clock can arrange.
    """

    def __init__(self) -> None:
        self._offset = timedelta()
        self._stopped_at: datetime | None = None
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            offset, stopped = self._offset, self._stopped_at
        return stopped if stopped is not None else datetime.now(UTC) + offset

    @property
    def stopped_at(self) -> datetime | None:
        """The instant the clock is stopped at (None: it runs)."""
        with self._lock:
            return self._stopped_at

    def stop_at(self, instant: datetime) -> None:
        """Stop the clock at ``instant``, which must not be before what it reads now (time only passes)."""
        with self._lock:
            now = self._stopped_at if self._stopped_at is not None else datetime.now(UTC) + self._offset
            if instant < now:
                raise ValueError(f"time only passes forward: {instant.isoformat()} is before {now.isoformat()}")
            self._stopped_at = instant

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset.total_seconds()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"time only passes forward; got {seconds} s")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            if self._stopped_at is not None:
                self._stopped_at += timedelta(seconds=seconds)

    @property
    def moved(self) -> bool:
        """Whether the clock differs from real time (moved forward or stopped)."""
        with self._lock:
            return bool(self._offset) or self._stopped_at is not None

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta()
            self._stopped_at = None


class ClockControlError(RuntimeError):
    """The external SP's clock control URL did not move its clock."""


def move_external_clock(url: str, offset_seconds: float, timeout: float = 10.0) -> None:
    """Ask an external SP to run its clock ``offset_seconds`` ahead of real time (0: real time again).

    The contract (README, "Moving time"): ``POST url`` with JSON ``{"offset_seconds": N}``; any 2xx means done.
    """
    try:
        answer = requests.post(url, json={"offset_seconds": offset_seconds}, timeout=timeout)
    except requests.RequestException as exc:
        raise ClockControlError(f"clock control {url} unreachable: {exc}") from exc
    if not 200 <= answer.status_code < 300:
        raise ClockControlError(f"clock control {url} answered HTTP {answer.status_code}: {answer.text[:200]}")
