"""How the load test's server processes wait to be ended: the orchestrator sends SIGTERM (Ctrl-C sends SIGINT)."""

from __future__ import annotations

import signal
import threading


def wait_until_signalled() -> None:
    """Block until SIGTERM or SIGINT arrives, so the caller's ``finally`` stops its servers cleanly."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
