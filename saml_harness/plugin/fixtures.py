"""Fixtures for any test suite that drives Okta SSO: the mock Okta org, the SP under test, a user agent, scenarios.

They live in the installed plugin (not in a conftest) so that another repository, JustCall's own among them,
can ``pip install saml-harness`` and write its tests against the same wired deployment the suites use.
Each pytest-xdist worker gets its own servers on free loopback ports; each test starts from the freshly wired
demo state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from justcall_sp.service import JustCall
from mock_idp.org import Org
from saml_harness.agent.flows import SP_INITIATED, IdpSide, Target
from saml_harness.agent.outcome import Outcome
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.targets import TargetSpec, load_target
from saml_harness.deploy.wiring import Deployment, start_deployment, start_external_deployment
from saml_harness.plugin.hooks import TARGET_KEY
from saml_harness.scenarios.catalogue import load_catalogue
from saml_harness.scenarios.judging import judge_scenario
from saml_harness.scenarios.verdicts import Verdict


@pytest.fixture(scope="session")
def target_spec(pytestconfig: pytest.Config) -> TargetSpec | None:
    """Scope: session. The external target from ``--target``, or None for the bundled JustCall SP."""
    return pytestconfig.stash[TARGET_KEY]


@pytest.fixture(scope="session")
def live_deployment(tmp_path_factory: pytest.TempPathFactory, target_spec: TargetSpec | None) -> Iterator[Deployment]:
    """Scope: session. The mock Okta org and the SP under test, wired as the article's Steps 1-5."""
    folder = tmp_path_factory.mktemp("deployment")
    if target_spec is None:
        deployment = start_deployment(database_url=f"sqlite:///{folder / 'justcall.sqlite3'}")
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
def okta_org(deployment: Deployment) -> Org:
    """Scope: function. The mock Okta org's in-process API (people, groups, the JustCall app, keys, fault plans)."""
    return deployment.okta


@pytest.fixture
def justcall(deployment: Deployment) -> JustCall:
    """Scope: function. The bundled JustCall SP's facade (accounts, users, SSO settings); skips for an external SP."""
    if deployment.justcall is None:
        pytest.skip(f"needs the bundled JustCall SP; the target is {deployment.target.name!r}")
    return deployment.justcall


@pytest.fixture
def target(deployment: Deployment) -> Target:
    """Scope: function. The SP under test: where it lives and how it shows success and failure."""
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


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario run in one flow: what the SP did, its verdict class, and the run's own problems."""

    scenario_id: str
    flow: str
    outcome: Outcome
    verdict: Verdict
    problems: list[str]
    """Problems of the run itself (fault not delivered, a 5xx), whatever the class."""
    profile: str = "justcall"

    @property
    def held(self) -> bool:
        """The case neither failed its class on this target's profile nor had a problem of its own."""
        return not self.problems and not self.verdict.fails(self.profile)


@pytest.fixture
def run_scenario(deployment: Deployment) -> Callable[..., ScenarioRun]:
    """Scope: function. Run a catalogue scenario by id (``run_scenario("audience.trailing_slash", flow=...)``)."""
    catalogue = {scenario.id: scenario for scenario in load_catalogue()}

    def run(scenario_id: str, flow: str = SP_INITIATED) -> ScenarioRun:
        if scenario_id not in catalogue:
            raise KeyError(f"unknown scenario {scenario_id!r}; `saml-harness scenarios` lists them")
        judged = judge_scenario(catalogue[scenario_id], flow, deployment)
        profile = deployment.target.profile
        return ScenarioRun(scenario_id, flow, judged.outcome, judged.verdict, judged.problems, profile)

    return run
