"""Check that the request the IdP received carries what a signed-request case is about (the evidence of the case).

A case where Okta refuses an unsigned request proves nothing if JustCall had signed it; a tampered request proves
nothing unless the IdP received the change with the original signature. So the AuthnRequest as sent is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from saml_harness.agent.outcome import Outcome
from saml_harness.agent.tampering import SENT_CHECKS
from saml_harness.agent.trace import Hop
from saml_harness.scenarios.catalogue import Scenario, fill
from saml_harness.scenarios.setup_ops import ABOUT_SIGNED_REQUESTS, SIGNS_REQUESTS


def _last_request_hop(outcome: Outcome) -> Hop | None:
    hops = [hop for hop in outcome.trace.hops if any(m.param == "SAMLRequest" for m in hop.saml)]
    return hops[-1] if hops else None


def request_problems(scenario: Scenario, outcome: Outcome, values: Mapping[str, str]) -> list[str]:
    """Return what the AuthnRequest sent lacks for this case (nothing for cases not about the request)."""
    setup = {op.name for op in scenario.setup}
    if not (setup & ABOUT_SIGNED_REQUESTS or scenario.agent):
        return []
    hop = _last_request_hop(outcome)
    if hop is None:
        return ["no SAMLRequest reached the IdP"]
    query = parse_qs(urlsplit(hop.url).query)
    signed = "Signature" in query and "SigAlg" in query
    problems = []
    if setup & SIGNS_REQUESTS and not signed:
        problems.append("the SP was to sign its AuthnRequest, but the request sent carries no SigAlg and Signature")
    if not setup & SIGNS_REQUESTS and signed:
        problems.append("the case is about an unsigned AuthnRequest, but the request sent is signed")
    message = next(m for m in hop.saml if m.param == "SAMLRequest")
    for op in scenario.agent:
        if message.xml is None:
            problems.append(f"the request sent cannot be decoded: {message.error}")
            break
        check = SENT_CHECKS.get(op.name)
        problem = check(message.xml, **{k: fill(v, values) for k, v in op.args.items()}) if check else None
        if problem:
            problems.append(problem)
    return problems
