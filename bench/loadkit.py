"""The Locust profile's pure parts (no locust import, so tests can use them): page parsing, target, recorder."""

from __future__ import annotations

import html
import itertools
import re
import threading
import time
from typing import Any
from urllib.parse import urljoin

_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_NAME = re.compile(r'name="([^"]*)"')
_VALUE = re.compile(r'value="([^"]*)"')
_ACTION = re.compile(r'<form[^>]*action="([^"]*)"')
_SIGNED_IN = re.compile(r'<span id="signed-in-as">([^<]*)</span>')


def hidden_fields(page: str) -> dict[str, str]:
    """Return the hidden inputs of a page (what a browser submits untouched)."""
    fields: dict[str, str] = {}
    for tag in _HIDDEN.findall(page):
        name, value = _NAME.search(tag), _VALUE.search(tag)
        if name:
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return fields


def form_action(page: str, base: str) -> str:
    found = _ACTION.search(page)
    if not found:
        raise ValueError("no form on the page")
    return urljoin(base, html.unescape(found.group(1)))


def signed_in_as(page: str) -> str | None:
    found = _SIGNED_IN.search(page)
    return html.unescape(found.group(1)).strip() if found else None


class Target:
    """The deployment under load (from ``LOAD_TARGET_JSON``) and a shared round-robin over its people."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.sp_url = str(data["sp_url"]).rstrip("/")
        self.idp_url = str(data["idp_url"]).rstrip("/")
        self.users = [(u["email"], u["password"]) for u in data["users"]]
        if not self.users:
            raise ValueError("LOAD_TARGET_JSON lists no users")
        self._next = itertools.cycle(self.users)
        self._lock = threading.Lock()

    def next_user(self) -> tuple[str, str]:
        with self._lock:
            return next(self._next)


class Recorder:
    """Exact login latencies (Locust's own percentiles are rounded), failures and the cap."""

    def __init__(self, max_logins: int | None) -> None:
        self.max_logins = max_logins
        self.started: float | None = None
        self.finished: float | None = None
        self.latencies: list[float] = []
        self.failures: dict[str, int] = {}
        self.attempts = 0
        self.lock = threading.Lock()

    def claim(self) -> bool:
        """Reserve one more login; False once the cap is reached."""
        with self.lock:
            if self.max_logins is not None and self.attempts >= self.max_logins:
                return False
            self.attempts += 1
            if self.started is None:
                self.started = time.time()
            return True

    def done(self, seconds: float, error: str | None) -> None:
        with self.lock:
            self.finished = time.time()
            if error is None:
                self.latencies.append(seconds)
            else:
                key = error[:120]
                self.failures[key] = self.failures.get(key, 0) + 1

    def as_json(self) -> dict[str, Any]:
        with self.lock:
            window = (self.finished or 0) - (self.started or 0)
            return {
                "attempts": self.attempts,
                "logins": len(self.latencies),
                "errors": sum(self.failures.values()),
                "failures": self.failures,
                "window_s": window,
                "latencies_s": self.latencies,
            }
