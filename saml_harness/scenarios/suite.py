"""The one generic scenario test both suites run: parametrize over the catalogue, run, judge, record.

``suites/conformance/test_scenarios.py`` runs the conformance files and ``suites/security/test_attacks.py``
the ``security_*`` files; both are three lines over this module, so a case is judged the same way
wherever it lives.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from saml_harness.agent.flows import IDP_INITIATED
from saml_harness.deploy.targets import TargetSpec
from saml_harness.deploy.wiring import Deployment
from saml_harness.plugin.hooks import TARGET_KEY
from saml_harness.report.records import case_record, describe_fault
from saml_harness.scenarios.catalogue import Scenario, load_catalogue, load_expectations
from saml_harness.scenarios.judging import Judged, judge_scenario
from saml_harness.scenarios.setup_ops import BUNDLED_ONLY, NEEDS_TRUST_UPDATE
from saml_harness.scenarios.verdicts import FAILURES


def parametrize(metafunc: pytest.Metafunc, suite: str) -> None:
    """Parametrize ``(scenario, flow)`` over ``suite``'s scenarios, with the target's skips and known deviations.

    A known deviation is a strict xfail of its own class only: any other failure of that case still fails.
    """
    if "scenario" not in metafunc.fixturenames:
        return
    spec: TargetSpec | None = metafunc.config.stash[TARGET_KEY]
    deviations = load_expectations(expectations_source(spec))
    params = []
    for scenario in load_catalogue(suite=suite):
        for flow in scenario.flows:
            marks: list[pytest.MarkDecorator] = [getattr(pytest.mark, flow)]
            skip = skip_reason(scenario, flow, spec)
            if skip:
                marks.append(pytest.mark.skip(reason=skip))
            deviation = deviations.get(scenario.id)
            if deviation and flow in deviation.flows:
                reason = f"{deviation.cls}: {deviation.reason}"
                marks.append(pytest.mark.xfail(strict=True, reason=reason, raises=FAILURES[deviation.cls]))
            params.append(pytest.param(scenario, flow, id=f"{scenario.id}-{flow}", marks=marks))
    metafunc.parametrize(("scenario", "flow"), params)


def expectations_source(spec: TargetSpec | None) -> str:
    """Return the expectations file's name in ``fixtures/expectations``, or a path beside the target file."""
    if spec is None:
        return "bundled"
    name = spec.expectations
    if name.endswith(".toml") and not Path(name).is_absolute():
        return str(spec.path.parent / name)
    return name


def skip_reason(scenario: Scenario, flow: str, spec: TargetSpec | None) -> str | None:
    """Say why a case cannot run against an external target (None: it can)."""
    if spec is None:
        return None
    needs = sorted({op.name for op in scenario.setup} & BUNDLED_ONLY)
    if needs:
        return f"changes the bundled SP's settings ({', '.join(needs)}); {spec.name!r} is external"
    if spec.trust is None and {op.name for op in scenario.setup} & NEEDS_TRUST_UPDATE:
        return f"tells the SP a new IdP certificate; {spec.name!r} has no [trust] table saying how"
    if flow == IDP_INITIATED and not (spec.allow_idp_initiated and spec.target.claims.idp_initiated_allowed):
        return f"{spec.name!r} does not accept IdP-initiated sign-in (it claims idp_initiated_allowed = false)"
    if scenario.arrive_at is not None:
        return f"lands on a time bound to the microsecond: only the bundled SP's clock stops; {spec.name!r} is external"
    if scenario.time_at_idp_sign_in and spec.target.claims.clock_control_url is None:
        return f"time must pass for the SP; {spec.name!r} names no [claims] clock_control_url to move its clock"
    return None


def check_scenario(
    scenario: Scenario, flow: str, deployment: Deployment, record_case: Callable[[dict[str, Any]], None]
) -> None:
    """The generic test body: judge, record the case for the reports, fail with the whole story."""
    judged = judge_scenario(scenario, flow, deployment)
    profile = deployment.target.profile
    record_case(
        case_record(
            judged.outcome,
            scenario=judged.scenario,
            flow=flow,
            problems=judged.problems,
            fault=describe_fault(judged.scenario),
            verdict=judged.verdict,
            profile=profile,
        )
        | {"sp_origin": deployment.sp_url, "idp_origin": deployment.idp_url}
    )
    if judged.problems:
        raise AssertionError(failure_message(judged, flow))
    if judged.verdict.fails(profile):
        raise FAILURES[judged.verdict.cls](failure_message(judged, flow))


def failure_message(judged: Judged, flow: str) -> str:
    """Say which scenario, its class and why, what was expected, what happened, and show the trace."""
    scenario, outcome = judged.scenario, judged.outcome
    wanted = scenario.sp_error or scenario.idp_error
    detail = f" ({wanted}, {scenario.reason})" if scenario.reason or scenario.idp_error else ""
    claims = f" [target claims {scenario.adjusted_by}]" if scenario.adjusted_by else ""
    also = f" (also conforms: {', '.join(scenario.acceptable_outcomes)})" if scenario.acceptable else ""
    lines = [
        f"{judged.verdict.cls.upper()}: {judged.verdict.reason}",
        f"scenario {scenario.id} [{flow}]: {scenario.title}",
        f"expected: {scenario.expect}{detail}{also}{claims}",
        f"actual:   {outcome.summary()}",
        *[f"  - {p}" for p in judged.problems],
        "trace:",
        outcome.trace.render(),
    ]
    return "\n".join(lines)
