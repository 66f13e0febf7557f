"""The one generic scenario test both suites run: parametrize over the catalogue, run, judge, record.

``suites/conformance/test_scenarios.py`` runs the conformance files and ``suites/security/test_attacks.py``
the ``security_*`` files; both are three lines over this module, so a case is judged the same way
wherever it lives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from saml_harness.agent.flows import IDP_INITIATED
from saml_harness.agent.outcome import Outcome
from saml_harness.deploy.targets import TargetSpec
from saml_harness.deploy.wiring import Deployment
from saml_harness.plugin.hooks import TARGET_KEY
from saml_harness.report.records import case_record, describe_fault
from saml_harness.scenarios.catalogue import Scenario, load_catalogue, load_expectations
from saml_harness.scenarios.evidence import check_evidence
from saml_harness.scenarios.runner import mismatches, placeholders, run_scenario
from saml_harness.scenarios.setup_ops import BUNDLED_ONLY


def parametrize(metafunc: pytest.Metafunc, suite: str) -> None:
    """Parametrize ``(scenario, flow)`` over ``suite``'s scenarios, with the target's skips and known deviations."""
    if "scenario" not in metafunc.fixturenames:
        return
    spec: TargetSpec | None = metafunc.config.stash[TARGET_KEY]
    deviations = load_expectations(spec.expectations if spec else "bundled")
    params = []
    for scenario in load_catalogue(suite=suite):
        for flow in scenario.flows:
            marks: list[pytest.MarkDecorator] = [getattr(pytest.mark, flow)]
            skip = skip_reason(scenario, flow, spec)
            if skip:
                marks.append(pytest.mark.skip(reason=skip))
            deviation = deviations.get(scenario.id)
            if deviation and flow in deviation.flows:
                marks.append(pytest.mark.xfail(strict=True, reason=deviation.reason))
            params.append(pytest.param(scenario, flow, id=f"{scenario.id}-{flow}", marks=marks))
    metafunc.parametrize(("scenario", "flow"), params)


def skip_reason(scenario: Scenario, flow: str, spec: TargetSpec | None) -> str | None:
    """Say why a case cannot run against an external target (None: it can)."""
    if spec is None:
        return None
    needs = sorted({op.name for op in scenario.setup} & BUNDLED_ONLY)
    if needs:
        return f"changes the bundled SP's settings ({', '.join(needs)}); {spec.name!r} is external"
    if flow == IDP_INITIATED and not spec.allow_idp_initiated:
        return f"{spec.name!r} does not accept IdP-initiated sign-in (allow_idp_initiated = false)"
    if scenario.time_at_idp_sign_in and spec.target.claims.clock_control_url is None:
        return f"time must pass for the SP; {spec.name!r} names no [claims] clock_control_url to move its clock"
    return None


def attacker_identity(deployment: Deployment) -> str:
    """Who forged content tries to become: the JustCall account owner (the attack ops' default victim)."""
    return f"owner@{deployment.demo.domain}"


def safety_problems(outcome: Outcome, attacker: str) -> list[str]:
    """Return what no case may ever show: a 5xx on any hop, or the attacker signed in."""
    problems = [f"HTTP {hop.status} from {hop.method} {hop.url}" for hop in outcome.trace.hops if hop.status >= 500]
    if outcome.accepted and (outcome.identity or "").lower() == attacker.lower():
        problems.append(f"the attacker's identity {attacker} was signed in")
    return problems


def needs_delivery(scenario: Scenario) -> bool:
    """Whether the IdP must have sent a response carrying the fault (so its evidence can be checked)."""
    return scenario.expect != "idp_error" and (
        scenario.injects_fault
        or bool(scenario.time_at_idp_sign_in)
        or any(op.name.startswith("okta_") for op in scenario.setup)
    )


def time_passed_problems(scenario: Scenario, response_xml: bytes) -> list[str]:
    """Check the response was made after the scenario's time passed: its IssueInstant is that far ahead of real time."""
    from saml_harness.scenarios.evidence import TIME_TOLERANCE, issue_instant, parse

    instant = issue_instant(parse(response_xml))
    if instant is None:
        return ["the response has no IssueInstant to show when it was made"]
    ahead = instant - datetime.now(UTC) - timedelta(seconds=scenario.idp_clock_offset)
    if abs(ahead - timedelta(seconds=scenario.time_at_idp_sign_in)) > TIME_TOLERANCE:
        return [
            f"the response was made {ahead.total_seconds():.0f} s ahead of real time, "
            f"not after {scenario.time_at_idp_sign_in} s passed at Okta's sign-in page"
        ]
    return []


def judge_scenario(scenario: Scenario, flow: str, deployment: Deployment) -> tuple[Outcome, list[str]]:
    """Run the case and return its Outcome and every way it missed its expectation."""
    outcome = run_scenario(deployment, scenario, flow)
    identity = deployment.demo.person(scenario.user).email
    problems = mismatches(scenario, outcome, identity, bundled=deployment.bundled)
    problems += safety_problems(outcome, attacker_identity(deployment))
    response = outcome.trace.last_response
    if needs_delivery(scenario):
        if response is None or response.xml is None:
            problems.append("the IdP sent no decodable SAMLResponse, so the fault was never delivered")
        else:
            values = placeholders(deployment, identity)
            evidence = check_evidence(scenario, response.xml, values, deployment.trusted_certificate_der)
            if scenario.time_at_idp_sign_in:
                evidence += time_passed_problems(scenario, response.xml)
            problems += [f"fault not present in the XML sent: {p}" for p in evidence]
    return outcome, problems


def check_scenario(
    scenario: Scenario, flow: str, deployment: Deployment, record_case: Callable[[dict[str, Any]], None]
) -> None:
    """The generic test body: judge, record the case for the reports, fail with the whole story."""
    outcome, problems = judge_scenario(scenario, flow, deployment)
    record_case(
        case_record(outcome, scenario=scenario, flow=flow, problems=problems, fault=describe_fault(scenario))
        | {"sp_origin": deployment.sp_url, "idp_origin": deployment.idp_url}
    )
    assert not problems, failure_message(scenario, flow, outcome, problems)


def failure_message(scenario: Scenario, flow: str, outcome: Outcome, problems: list[str]) -> str:
    """Say which scenario, what was expected, what happened, and show the trace."""
    wanted = scenario.sp_error or scenario.idp_error
    detail = f" ({wanted}, {scenario.reason})" if scenario.reason or scenario.idp_error else ""
    lines = [
        f"scenario {scenario.id} [{flow}]: {scenario.title}",
        f"expected: {scenario.expect}{detail}",
        f"actual:   {outcome.summary()}",
        *[f"  - {p}" for p in problems],
        "trace:",
        outcome.trace.render(),
    ]
    return "\n".join(lines)
