"""Run every conformance scenario in every flow it names, and compare what the SP did with what it must do.

One generic test (``saml_harness.scenarios.suite``): the cases are data in ``fixtures/scenarios/*.toml``
(the ``security_*`` files belong to the security suite); known deviations of the target are strict
xfails from ``fixtures/expectations/<target>.toml``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from saml_harness.deploy.wiring import Deployment
from saml_harness.scenarios.catalogue import Scenario
from saml_harness.scenarios.suite import check_scenario, parametrize


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    parametrize(metafunc, suite="conformance")


def test_scenario(
    scenario: Scenario, flow: str, deployment: Deployment, record_case: Callable[[dict[str, Any]], None]
) -> None:
    check_scenario(scenario, flow, deployment, record_case)
