"""Share live servers and a protocol user agent with every suite and test.

Each pytest-xdist worker gets its own servers (session scope is per worker process) on free
loopback ports, and each test starts from the freshly wired demo state.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from saml_harness.agent.flows import IdpSide, Target
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.targets import TargetSpec, load_target
from saml_harness.deploy.wiring import Deployment, sp_database_url, start_deployment, start_external_deployment
from saml_harness.plugin.hooks import TARGET_KEY


@pytest.fixture(scope="session")
def target_spec(pytestconfig: pytest.Config) -> TargetSpec | None:
    """Scope: session. The external target from ``--target``, or None for the bundled JustCall SP."""
    return pytestconfig.stash[TARGET_KEY]


@pytest.fixture(scope="session")
def live_deployment(tmp_path_factory: pytest.TempPathFactory, target_spec: TargetSpec | None) -> Iterator[Deployment]:
    """Scope: session. The mock Okta org and the SP under test, wired as the article's Steps 1-5."""
    folder = tmp_path_factory.mktemp("deployment")
    if target_spec is None:
        deployment = start_deployment(database_url=sp_database_url(folder))
    else:
        spec = load_target(target_spec.path)
        deployment = start_external_deployment(spec, folder / "trust")
    yield deployment
    deployment.stop()


@pytest.fixture
def deployment(live_deployment: Deployment) -> Deployment:
    """Scope: function. The live deployment, reset to the freshly wired demo state."""
    live_deployment.reset()
    return live_deployment


@pytest.fixture
def target(deployment: Deployment) -> Target:
    """Scope: function. The SP under test (the bundled JustCall SP)."""
    return deployment.target


@pytest.fixture
def idp(deployment: Deployment) -> IdpSide:
    """Scope: function. Where people meet the mock Okta org."""
    return deployment.idp


@pytest.fixture
def user_agent() -> Iterator[UserAgent]:
    """Scope: function. A fresh protocol user agent (an empty cookie jar, a new trace), closed after the test."""
    with UserAgent() as agent:
        yield agent


@pytest.fixture
def make_user_agent() -> type[UserAgent]:
    """Scope: function. Make more user agents, for cases with several people or devices."""
    return UserAgent
