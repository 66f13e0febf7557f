"""Reproduce one scenario for a person: the fault, the messages with the changed part marked, the verdict, the fix.

Support runs ``saml-harness repro audience.trailing_slash`` when a customer reports an error: the
harness starts the mock Okta org and the SP (bundled, or ``--target``), runs a baseline login and the
faulty one, and prints the difference between the two Responses next to what the SP answered.
"""

from __future__ import annotations

import difflib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saml_harness.agent.flows import run_flow
from saml_harness.agent.outcome import Outcome
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.targets import TargetSpec
from saml_harness.deploy.wiring import Deployment, start_deployment, start_external_deployment
from saml_harness.report.records import case_record, describe_fault
from saml_harness.scenarios.catalogue import Scenario
from saml_harness.scenarios.judging import judge_scenario
from saml_harness.scenarios.verdicts import Verdict

VOLATILE = [
    (
        re.compile(r'(ID|InResponseTo|IssueInstant|NotBefore|NotOnOrAfter|AuthnInstant|SessionIndex|URI)="[^"]*"'),
        r'\1="…"',
    ),
    (re.compile(r"<(ds:DigestValue|ds:SignatureValue)>[^<]*</"), r"<\1>…</"),
]
"""Values that differ between any two logins (ids, times, digests): masked before comparing Responses."""


@dataclass
class Repro:
    """One scenario run in one flow, with the baseline it is compared against."""

    scenario: Scenario
    flow: str
    outcome: Outcome
    problems: list[str]
    baseline_response: str | None
    marked_response: list[tuple[str, str]] = field(default_factory=list)
    idp_url: str = ""
    """Pretty-printed Response lines as (mark, line): mark "+" = changed by the fault, " " = as Okta sends it."""
    verdict: Verdict | None = None
    profile: str = "justcall"

    @property
    def met(self) -> bool:
        return not self.problems and not (self.verdict is not None and self.verdict.fails(self.profile))

    @property
    def posted_response(self) -> str | None:
        """The SAMLResponse form value exactly as the browser posted it (base64)."""
        response = self.outcome.trace.last_response
        return response.raw if response is not None else None

    @property
    def exact_xml(self) -> str | None:
        """The decoded Response byte for byte (the signed form; pretty-printing it breaks the signatures)."""
        response = self.outcome.trace.last_response
        if response is None or response.xml is None:
            return None
        return response.xml.decode("utf-8", "replace")

    def as_json(self) -> dict[str, Any]:
        return case_record(
            self.outcome,
            scenario=self.scenario,
            flow=self.flow,
            problems=self.problems,
            fault=describe_fault(self.scenario),
            verdict=self.verdict,
            profile=self.profile,
        ) | {
            "met": self.met,
            "changed_lines": [line for mark, line in self.marked_response if mark == "+"],
            "saml_response": self.posted_response,
            "response_xml": self.exact_xml,
        }


def normalise(xml: str) -> list[str]:
    """Return the pretty-printed lines with per-login values masked, for a meaningful diff."""
    lines = []
    for line in xml.splitlines():
        for pattern, replacement in VOLATILE:
            line = pattern.sub(replacement, line)
        lines.append(line)
    return lines


def mark_changes(baseline: str | None, faulty: str) -> list[tuple[str, str]]:
    """Mark the lines of ``faulty`` that differ from ``baseline`` (ignoring ids, times and digests)."""
    faulty_lines = faulty.splitlines()
    if baseline is None:
        return [(" ", line) for line in faulty_lines]
    old, new = normalise(baseline), normalise(faulty)
    marks = [" "] * len(new)
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            for j in range(j1, j2):
                marks[j] = "+"
    return list(zip(marks, faulty_lines, strict=True))


def start_for(spec: TargetSpec | None) -> Deployment:
    """Start the deployment the repro runs against: the bundled SP, or the mock IdP for an external target."""
    folder = Path(tempfile.mkdtemp(prefix="saml-harness-repro-"))
    if spec is None:
        return start_deployment(database_url=f"sqlite:///{folder / 'justcall.sqlite3'}")
    return start_external_deployment(spec, folder / "trust")


def reproduce(deployment: Deployment, scenario: Scenario, flow: str) -> Repro:
    """Run a baseline login and the scenario's login in ``flow``; compare both Responses."""
    deployment.reset()
    baseline = run_flow(flow, UserAgent(), deployment.target, deployment.idp, deployment.credentials(scenario.user))
    baseline_xml = baseline.trace.last_response.pretty if baseline.trace.last_response else None
    deployment.reset()
    judged = judge_scenario(scenario, flow, deployment)
    outcome = judged.outcome
    response = outcome.trace.last_response
    marked = mark_changes(baseline_xml, response.pretty) if response is not None else []
    return Repro(
        judged.scenario,
        flow,
        outcome,
        judged.problems,
        baseline_xml,
        marked,
        deployment.idp_url,
        judged.verdict,
        deployment.target.profile,
    )
