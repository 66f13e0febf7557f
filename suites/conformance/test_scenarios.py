"""Run every catalogue scenario in every flow it names, and compare what the SP did with what it must do.

One generic test: the cases are data in ``fixtures/scenarios/*.toml``; known deviations of the
target are strict xfails from ``fixtures/expectations/<target>.toml``.
"""

from __future__ import annotations

import pytest

from saml_harness.catalogue import Scenario, load_catalogue, load_expectations
from saml_harness.evidence import check_evidence
from saml_harness.outcome import Outcome
from saml_harness.runner import mismatches, placeholders, run_scenario
from saml_harness.wiring import Deployment

CATALOGUE = load_catalogue()
DEVIATIONS = load_expectations("bundled")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "scenario" not in metafunc.fixturenames:
        return
    params = []
    for scenario in CATALOGUE:
        for flow in scenario.flows:
            marks: list[pytest.MarkDecorator] = [getattr(pytest.mark, flow)]
            deviation = DEVIATIONS.get(scenario.id)
            if deviation and flow in deviation.flows:
                marks.append(pytest.mark.xfail(strict=True, reason=deviation.reason))
            params.append(pytest.param(scenario, flow, id=f"{scenario.id}-{flow}", marks=marks))
    metafunc.parametrize(("scenario", "flow"), params)


def test_scenario(scenario: Scenario, flow: str, deployment: Deployment) -> None:
    outcome = run_scenario(deployment, scenario, flow)
    identity = deployment.demo.person(scenario.user).email
    problems = mismatches(scenario, outcome, identity)
    response = outcome.trace.last_response
    if scenario.expect != "idp_error" and (
        scenario.injects_fault or any(op.name.startswith("okta_") for op in scenario.setup)
    ):
        if response is None or response.xml is None:
            problems.append("the IdP sent no decodable SAMLResponse, so the fault was never delivered")
        else:
            values = placeholders(deployment, identity)
            evidence = check_evidence(scenario, response.xml, values, deployment.trusted_certificate_der())
            problems += [f"fault not present in the XML sent: {p}" for p in evidence]
    assert not problems, report(scenario, flow, outcome, problems)


def report(scenario: Scenario, flow: str, outcome: Outcome, problems: list[str]) -> str:
    expected = scenario.expect + (
        f" ({scenario.sp_error or scenario.idp_error}, {scenario.reason})"
        if scenario.reason or scenario.idp_error
        else ""
    )
    lines = [
        f"scenario {scenario.id} [{flow}]: {scenario.title}",
        f"expected: {expected}",
        f"actual:   {outcome.summary()}",
        *[f"  - {p}" for p in problems],
        "trace:",
        outcome.trace.render(),
    ]
    return "\n".join(lines)
