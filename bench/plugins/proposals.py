"""Apply performance changes proposed for files the benchmark does not own, by monkeypatching.

Load with ``pytest -p bench.plugins.proposals``; ``BENCH_PROPOSALS`` (comma list, default all) picks them from
``PATCHES``. None is pending now.

Measured and dropped: ``acs`` (the ACS transaction loading the account with its SSO settings and domains eagerly
and purging expired replay entries once a minute instead of on every POST: 16 -> 14 statements, no gain, since
the time went to SQLAlchemy's per-statement overhead; the SP's hot path now runs Core statements,
``justcall_sp/sso_store.py``).

Applied for real (and removed from here); their A/B gains measured by ``bench.ab`` are in README "Performance":

* ``reset``: ``Deployment.reset`` restores a snapshot of the SP database (``saml_harness/deploy/wiring.py``).
* ``ua``: the user agent parses each page's HTML once (``Page.html`` is a cached property).
* ``transport`` (as proposed, with ``http.client``): the user agent sends loopback hops on kept-alive
  connections of its own, sharing requests' cookie jar (``saml_harness/agent/transport.py``), which also does away
  with requests' per-request proxy and netrc environment lookups (the ``trust_env`` part of ``ua``).

``python -m bench.ab --against REVISION`` A/Bs the working tree against a revision instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

PATCHES: dict[str, Callable[[], None]] = {}
"""Proposal name -> function that monkeypatches it in (none pending now)."""
ALL = tuple(PATCHES)
"""The proposals ``-p bench.plugins.proposals`` applies by default."""


def chosen() -> set[str]:
    raw = os.environ.get("BENCH_PROPOSALS", ",".join(ALL))
    return {name.strip() for name in raw.split(",") if name.strip()}


def apply(names: set[str]) -> None:
    """Apply the named proposals in this process."""
    unknown = names - set(ALL)
    if unknown:
        raise ValueError(f"unknown or already applied proposals: {sorted(unknown)} (known: {ALL})")
    for name in sorted(names):
        PATCHES[name]()


def pytest_configure(config: Any) -> None:
    apply(chosen())
