"""Run every security scenario (``fixtures/scenarios/security_*.toml``) in every flow it names.

The same generic test as the conformance suite (``saml_harness.scenarios.suite``): each case gets a
verdict class (an SP signing in anyone the genuinely signed content does not name is an impersonation),
evidence that the attack is really in the XML, and no 5xx on any hop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from saml_harness.deploy.wiring import Deployment
from saml_harness.scenarios.catalogue import Scenario
from saml_harness.scenarios.suite import check_scenario, parametrize


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize(metafunc, suite="security")


def test_attack(
    scenario: Scenario, flow: str, deployment: Deployment, record_case: Callable[[dict[str, Any]], None]
) -> None:
    check_scenario(scenario, flow, deployment, record_case)
