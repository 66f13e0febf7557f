"""Run one scenario in one flow against the deployment and compare the Outcome with its expectation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mock_idp.faults import FaultPlan
from mock_idp.faults import Op as IdpOp
from saml_harness.agent.flows import SP_INITIATED, judge, run_flow
from saml_harness.agent.outcome import Outcome
from saml_harness.agent.tampering import rewriter
from saml_harness.agent.trace import decode_post
from saml_harness.agent.user_agent import UserAgent
from saml_harness.deploy.wiring import Deployment
from saml_harness.scenarios.arrival import Arrival
from saml_harness.scenarios.catalogue import Op, Scenario, fill
from saml_harness.scenarios.logout_runs import run_logout
from saml_harness.scenarios.setup_ops import apply_setup


def placeholders(deployment: Deployment, email: str) -> dict[str, str]:
    """Return the values a scenario's op arguments may name, e.g. ``{sp_entity_id}/``."""
    target = deployment.target
    issuer = deployment.okta.issuer(deployment.okta_app)
    local_part = email.split("@", 1)[0]
    return {
        "sp_url": target.sp_url,
        "sp_entity_id": target.entity_id,
        "sp_entity_id_upper": target.entity_id.upper(),
        "acs_url": target.acs_url,
        "acs_url_https": target.acs_url.replace("http://", "https://", 1),
        "idp_issuer": issuer,
        "idp_issuer_https": issuer.replace("http://", "https://", 1),
        "email": email,
        "email_upper": email.upper(),
        "local_part": local_part,
    } | deployment.scenario_values


def fault_plan(scenario: Scenario, values: dict[str, str]) -> FaultPlan | None:
    """Translate the scenario's IdP-side fault into the mock IdP's ``FaultPlan`` (None when it injects none)."""
    if not scenario.injects_fault:
        return None

    def ops(items: tuple[Op, ...]) -> tuple[IdpOp, ...]:
        return tuple(IdpOp(op.name, {k: fill(v, values) for k, v in op.args.items()}) for op in items)

    return FaultPlan(
        pre_sign=ops(scenario.pre_sign),
        post_sign=ops(scenario.post_sign),
        signing=dict(scenario.signing),
        clock_offset_seconds=scenario.idp_clock_offset,
        status=scenario.status or None,
    )


def arm_scenario(deployment: Deployment, scenario: Scenario, email: str) -> None:
    """Take the scenario's setup steps and arm the IdP so ``email``'s next login carries its fault."""
    apply_setup(deployment, scenario.setup, email)
    plan = fault_plan(scenario, placeholders(deployment, email))
    if plan is not None:
        deployment.okta.set_next_login_plan(email, plan)


def run_scenario(deployment: Deployment, scenario: Scenario, flow: str, ua: UserAgent | None = None) -> Outcome:
    """Prepare the deployment as the scenario says, run ``flow`` for its user, and return the Outcome."""
    ua = ua or UserAgent()
    if scenario.expect == "logout":
        arm_scenario(deployment, scenario, deployment.credentials(scenario.user).username)
        return run_logout(deployment, scenario, flow, ua)
    credentials = deployment.credentials(scenario.user)
    if scenario.prelude == "sign_in_then_out":
        first = run_flow(SP_INITIATED, ua, deployment.target, deployment.idp, credentials)
        if not first.accepted:
            raise AssertionError(f"prelude sign-in failed: {first.explain()}")
        sign_out_of_sp(ua, deployment)
    arm_scenario(deployment, scenario, credentials.username)
    delay = scenario.time_at_idp_sign_in
    before_sign_in = (lambda: deployment.let_time_pass(delay)) if delay else None
    before_response_post = None
    if scenario.arrive_at is not None:
        before_response_post = stop_the_clock_on_arrival(deployment, scenario.arrive_at, ua)
    if scenario.agent:
        values = placeholders(deployment, credentials.username)
        ua.rewrite_redirect = rewriter(
            (op.name, {k: fill(v, values) for k, v in op.args.items()}) for op in scenario.agent
        )
    try:
        outcome = run_flow(
            flow,
            ua,
            deployment.target,
            deployment.idp,
            credentials,
            before_sign_in=before_sign_in,
            before_response_post=before_response_post,
        )
    finally:
        ua.rewrite_redirect = None
    if scenario.after == "replay":
        outcome = replay(deployment, outcome)
    return outcome


def stop_the_clock_on_arrival(deployment: Deployment, arrival: Arrival, ua: UserAgent) -> Callable[[str], None]:
    """Stop the clocks for a case that lands on a bound; return the hook that sets the SP's instant on arrival.

    A bound read from the AuthnRequest (the SP's request lifetime) needs the SP to have written it on a stopped
    clock too, at a whole second: the SP's stored expiry and the IssueInstant it wrote (milliseconds) then agree.
    """
    if arrival.needs_request:
        now = deployment.clock()
        deployment.stop_sp_clock_at(now.replace(microsecond=0) + timedelta(seconds=1))

    def on_arrival(saml_response: str) -> None:
        requests = ua.trace.messages("SAMLRequest")
        request_xml = requests[-1].xml if requests else None
        skew = deployment.target.claims.clock_skew_s
        deployment.stop_sp_clock_at(arrival.instant(decode_post(saml_response), request_xml, skew))

    return on_arrival


def sign_out_of_sp(ua: UserAgent, deployment: Deployment) -> None:
    """End the SP session and keep the IdP's: JustCall's Sign out button, or the target's logout URL."""
    target = deployment.target
    if not target.bundled:
        if target.logout_url:
            ua.navigate(target.logout_method, target.logout_url)
        else:
            # No logout URL: forget the SP's cookies, keep Okta's session cookie (sid).
            for cookie in [c for c in ua.http.cookies if c.name != "sid"]:
                ua.http.cookies.clear(cookie.domain, cookie.path, cookie.name)
        return
    page = ua.get(f"{deployment.sp_url}/")
    form = page.form_with("csrf_token")
    if form is None:
        raise AssertionError("JustCall's landing page has no sign-out form")
    ua.submit(page, form)


def replay(deployment: Deployment, first: Outcome) -> Outcome:
    """Post the SAMLResponse captured from ``first`` again, from another device (an attacker's)."""
    captured = first.trace.last_response
    if not first.accepted or captured is None:
        raise AssertionError(f"nothing to replay: the first login did not succeed: {first.explain()}")
    attacker = UserAgent()
    page = attacker.navigate("POST", deployment.target.acs_url, {"SAMLResponse": captured.raw, "RelayState": "/"})
    return judge(attacker, deployment.target, page)
