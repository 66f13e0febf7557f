"""Judge one case: run it on the target's claims, classify what the SP did, and check the run itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from saml_harness.agent.outcome import Outcome
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment
from saml_harness.scenarios.catalogue import Scenario
from saml_harness.scenarios.claims import for_target
from saml_harness.scenarios.evidence import check_evidence, issue_instant
from saml_harness.scenarios.evidence_kit import TIME_TOLERANCE, parse
from saml_harness.scenarios.request_evidence import request_problems
from saml_harness.scenarios.runner import placeholders, run_scenario
from saml_harness.scenarios.verdicts import PASS, POLICY_DIFFERENCE, Verdict, classify, signed_identities


def harness_problems(outcome: Outcome) -> list[str]:
    """Return what no case may show whatever its class: a 5xx on any hop (bad input gets one clear 4xx)."""
    return [f"HTTP {hop.status} from {hop.method} {hop.url}" for hop in outcome.trace.hops if hop.status >= 500]


def needs_delivery(scenario: Scenario) -> bool:
    """Whether the IdP must have sent a response carrying the fault (so its evidence can be checked)."""
    return scenario.expect not in ("idp_error", "logout") and (
        scenario.injects_fault
        or bool(scenario.time_at_idp_sign_in)
        or scenario.arrive_at is not None
        or any(op.name.startswith("okta_") for op in scenario.setup)
    )


def time_passed_problems(scenario: Scenario, response_xml: bytes) -> list[str]:
    """Check the response was made after the scenario's time passed: its IssueInstant is that far ahead of real time."""
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


def arrival_problems(scenario: Scenario, outcome: Outcome, deployment: Deployment) -> list[str]:
    """Check the SP's clock read exactly the scenario's instant when the response reached it (the clock stopped)."""
    if scenario.arrive_at is None or outcome.trace.last_response is None or outcome.trace.last_response.xml is None:
        return []
    requests = outcome.trace.messages("SAMLRequest")
    request_xml = requests[-1].xml if requests else None
    skew = deployment.target.claims.clock_skew_s
    expected = scenario.arrive_at.instant(outcome.trace.last_response.xml, request_xml, skew)
    stopped = deployment.clock.stopped_at
    if stopped != expected:
        shown = "running" if stopped is None else f"stopped at {stopped.isoformat()}"
        return [f"the SP's clock was {shown}, not stopped at {expected.isoformat()} ({scenario.arrive_at.describe()})"]
    return []


def same_account(scenario: Scenario, outcome: Outcome, verdict: Verdict, bundled: bool, email: str) -> Verdict:
    """On the bundled SP an accepted person must be signed in to their own user, shown with its stored email.

    The bundled SP shows the email of the user it signed in; the demo person's, letter for letter, unless it made
    a second account (e.g. for an upper-cased copy of an existing user's email). External SPs may echo the email
    as sent, so only the bundled SP is held to this.
    """
    if not bundled or verdict.cls != PASS or scenario.expect != "accept" or outcome.identity in (None, email):
        return verdict
    return Verdict(
        POLICY_DIFFERENCE, f"the SP signed in {outcome.identity}, not the user {email} (a second account for them?)"
    )


def same_role(scenario: Scenario, outcome: Outcome, verdict: Verdict) -> Verdict:
    """A case that names a role (group-to-role mapping) passes only if the person got it: a wrong role is a wrong login.

    Group mapping is JustCall's rule, not SAML's, so a different role is a policy difference (red on the justcall
    profile); the SP must say the role in its who-am-I answer.
    """
    if not scenario.role or verdict.cls != PASS or not outcome.accepted or outcome.role == scenario.role:
        return verdict
    shown = "no role" if outcome.role is None else f"role {outcome.role}"
    return Verdict(POLICY_DIFFERENCE, f"the SP signed in {outcome.identity} with {shown}, not {scenario.role}")


def idp_problems(scenario: Scenario, outcome: Outcome) -> list[str]:
    """An ``idp_error`` case is about our mock Okta: it must show the page and send no response."""
    if scenario.expect != "idp_error" or outcome.accepted:
        return []
    problems = []
    if outcome.idp_error != scenario.idp_error:
        problems.append(f"expected the IdP page {scenario.idp_error!r}, got {outcome.idp_error!r}")
    if outcome.trace.messages("SAMLResponse"):
        problems.append("expected no SAMLResponse from the IdP, but one was sent")
    return problems


def okta_logout_problems(scenario: Scenario, outcome: Outcome) -> list[str]:
    """A logout case also checks our mock Okta: its session must have ended (or stayed) as the scenario says."""
    after = outcome.signed_in_after
    if scenario.expect != "logout" or after is None:
        return []
    wanted = scenario.signed_in_after.get("okta")
    if after.get("okta") is wanted:
        return []
    return [f"Okta's session {'stayed' if after.get('okta') else 'ended'}, expected signed_in_after.okta = {wanted}"]


@dataclass
class Judged:
    """One case judged: the scenario as it applies to the target, what happened, its class, harness problems."""

    scenario: Scenario
    outcome: Outcome
    verdict: Verdict
    problems: list[str]
    """Failures of the run itself (a fault not delivered, a 5xx): they fail the case whatever its class."""


def judge_scenario(scenario: Scenario, flow: str, deployment: Deployment, ua: UserAgent | None = None) -> Judged:
    """Run the case on the target's claims and classify what the SP did."""
    scenario = for_target(scenario, deployment.target)
    outcome = run_scenario(deployment, scenario, flow, ua)
    identity = deployment.demo.person(scenario.user).email
    values = placeholders(deployment, identity)
    verdict = classify(scenario, outcome, deployment.target, signed_identities(scenario, values))
    verdict = same_account(scenario, outcome, verdict, deployment.bundled, identity)
    verdict = same_role(scenario, outcome, verdict)
    problems = harness_problems(outcome) + idp_problems(scenario, outcome) + okta_logout_problems(scenario, outcome)
    problems += [f"request not as the case needs: {p}" for p in request_problems(scenario, outcome, values)]
    response = outcome.trace.last_response
    problems += arrival_problems(scenario, outcome, deployment)
    if needs_delivery(scenario):
        if response is None or response.xml is None:
            problems.append("the IdP sent no decodable SAMLResponse, so the fault was never delivered")
        else:
            evidence = check_evidence(
                scenario,
                response.xml,
                values,
                deployment.trusted_certificate_der,
                decryption_key=deployment.sp_decryption_key,
            )
            if scenario.time_at_idp_sign_in:
                evidence += time_passed_problems(scenario, response.xml)
            problems += [f"fault not present in the XML sent: {p}" for p in evidence]
    return Judged(scenario, outcome, verdict, problems)


def judge_outcome(scenario: Scenario, outcome: Outcome, deployment: Deployment) -> Verdict:
    """Classify an outcome already run (``scenario`` as ``for_target`` adjusted it)."""
    values = placeholders(deployment, deployment.demo.person(scenario.user).email)
    return classify(scenario, outcome, deployment.target, signed_identities(scenario, values))
