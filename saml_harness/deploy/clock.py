"""Move time for the IdP and the SP under test, so request-lifetime and session-expiry cases run in seconds.

The bundled deployment gives both apps one ``MovableClock`` (their ``CLOCK`` config); an external SP moves its
own clock when its target file names a ``[claims] clock_control_url`` (``move_external_clock``).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import requests


class MovableClock:
    """Real UTC time plus an offset the harness moves forward (never backward: time only passes)."""

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.now(UTC) + offset

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset.total_seconds()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"time only passes forward; got {seconds} s")
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta()


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
