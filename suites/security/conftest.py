"""Security suite wiring: the ``requirement`` marker, the requirements report, attack fixtures.

The report plugin is registered here (not in the root conftest) so any session that collects this suite
writes ``reports/requirements.json``; it sees every test of the session, the conformance suite's too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment
from saml_harness.scenarios.requirements import MARKER, RequirementsPlugin, output_path
from saml_harness.security.attacker import CanaryServer, Captured, capture
from saml_harness.security.sp_probe import SettingsPage, open_settings, row_counts

PLUGIN_NAME = "saml-harness-requirements"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(*ids): traces the test to requirement ids of fixtures/requirements.toml"
    )
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(RequirementsPlugin(output_path(config.rootpath)), PLUGIN_NAME)


@pytest.fixture
def canary() -> Iterator[CanaryServer]:
    """Scope: function. A loopback HTTP server that must receive no request (XXE, XInclude, XSLT probes)."""
    with CanaryServer() as server:
        yield server


@pytest.fixture
def victim_ua() -> UserAgent:
    """Scope: function. The assigned user's own device, signed in at the IdP after the first capture."""
    return UserAgent()


@pytest.fixture
def genuine(deployment: Deployment, victim_ua: UserAgent) -> Callable[[], Captured]:
    """Scope: function. Capture a fresh genuine (IdP-initiated) response for the assigned user, undelivered."""

    def take() -> Captured:
        return capture(victim_ua, deployment.target, deployment.idp, deployment.credentials("assigned"))

    return take


@pytest.fixture
def rows(deployment: Deployment) -> Callable[[], dict[str, int]]:
    """Scope: function. Count the bundled SP's rows per table (to prove hostile input wrote nothing)."""
    return lambda: row_counts(deployment.justcall)


@pytest.fixture
def owner_settings(deployment: Deployment) -> SettingsPage:
    """Scope: function. The JustCall owner signed in with the break-glass password, on Settings > Security > SSO."""
    return open_settings(deployment)
