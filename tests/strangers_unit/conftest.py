"""Fixtures for the stranger SP tests: one mock Okta org and one in-process stranger SP per session, reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from stranger_support import Okta, Stranger, start_okta, start_stranger

from mock_idp.keys import KeyPool
from saml_harness.agent.user_agent import UserAgent


@pytest.fixture(scope="session")
def okta() -> Iterator[Okta]:
    """Scope: session. The mock Okta org on a live loopback server, with one person."""
    live = start_okta(KeyPool())
    yield live
    live.server.stop()


@pytest.fixture(scope="session")
def live_stranger(okta: Okta, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stranger]:
    """Scope: session. The stranger SP on a live loopback server, wired to its Okta app."""
    stranger = start_stranger(okta, tmp_path_factory.mktemp("stranger"))
    yield stranger
    stranger.stop()


@pytest.fixture
def stranger(live_stranger: Stranger) -> Stranger:
    """Scope: function. The stranger SP, reset to strict, solicited-only and no remembered requests."""
    live_stranger.reset()
    return live_stranger


@pytest.fixture
def ua() -> UserAgent:
    """Scope: function. A fresh protocol user agent (empty cookie jar)."""
    return UserAgent()
