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
from saml_harness.security.attacker import CanaryServer, Captured, capture, post_to_acs
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
    """Scope: function. Capture a fresh genuine (IdP-initiated) response for the assigned user, undelivered.

    Responses posted from a fresh device are unsolicited: a target that refuses IdP-initiated sign-in would
    refuse them all, proving nothing, so those tests skip there.
    """
    if not deployment.target.claims.idp_initiated_allowed:
        pytest.skip(f"needs IdP-initiated responses; {deployment.target.name!r} claims idp_initiated_allowed = false")

    def take() -> Captured:
        return capture(victim_ua, deployment.target, deployment.idp, deployment.credentials("assigned"))

    return take


@pytest.fixture
def still_signs_in(deployment: Deployment, genuine: Callable[[], Captured]) -> Callable[[], None]:
    """Scope: function. Assert the SP still signs in a genuine response (after hostile input it must survive)."""

    def check() -> None:
        delivery = post_to_acs(deployment.target, {"SAMLResponse": genuine().saml_response, "RelayState": "/"})
        assert delivery.status < 500 and delivery.signed_in_as == deployment.credentials("assigned").username, (
            f"the SP no longer signs in a genuine response: HTTP {delivery.status}, {delivery.signed_in_as}"
        )

    return check


@pytest.fixture
def rows(deployment: Deployment) -> Callable[[], dict[str, int]]:
    """Scope: function. Count the bundled SP's rows per table (to prove hostile input wrote nothing).

    An external SP's rows cannot be counted: there the who-am-I oracle and the canary judge the case.
    """
    if not deployment.bundled:
        return dict
    return lambda: row_counts(deployment.justcall)


@pytest.fixture
def justcall_policy(deployment: Deployment) -> None:
    """Scope: function. Skip on a target that does not claim JustCall's policy (the check is policy, not spec)."""
    if deployment.target.profile != "justcall":
        pytest.skip(f"JustCall policy; {deployment.target.name!r} has profile {deployment.target.profile!r}")


@pytest.fixture
def owner_settings(deployment: Deployment) -> SettingsPage:
    """Scope: function. The JustCall owner signed in with the break-glass password, on Settings > Security > SSO."""
    return open_settings(deployment)
