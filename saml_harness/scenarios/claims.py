"""Adjust a scenario to what the target claims about its own rules (``flows.Claims``).

The catalogue is written for JustCall's policies; another SP may claim a different skew, other required
attributes or other signature rules. Its expectation then follows its claim, so a deviation from JustCall's
policy is judged against what the SP says it does, not against JustCall.
"""

from __future__ import annotations

import dataclasses

from saml_harness.agent.flows import Claims, Target
from saml_harness.scenarios.catalogue import Scenario

JUSTCALL = Claims()
"""JustCall's own rules: the catalogue's expectations are written for these."""
OKTA_WINDOW_S = 300
"""Okta's validity window either side of IssueInstant (real Okta responses: Conditions NotBefore and NotOnOrAfter)."""
SKEW_MARGIN_S = 30
"""How far inside or beyond the claimed skew a time-window case steps: far more than a flow takes."""
EVERY_ATTRIBUTE = "*"


def skew_offset(written: int, skew_s: int) -> int:
    """Move an IdP clock offset written for JustCall's skew to the same side of ``skew_s``, with the margin.

    A case is "within" when its written offset is inside Okta's window plus JustCall's skew, else "beyond".
    """
    if not written:
        return 0
    limit = OKTA_WINDOW_S + JUSTCALL.clock_skew_s
    step = -SKEW_MARGIN_S if abs(written) <= limit else SKEW_MARGIN_S
    sign = 1 if written > 0 else -1
    return sign * (OKTA_WINDOW_S + skew_s + step)


def withheld_attributes(scenario: Scenario) -> set[str]:
    """Return the attributes the scenario's pre_sign ops remove, rename or empty (``*``: the whole statement)."""
    names: set[str] = set()
    for op in scenario.pre_sign:
        name = op.args.get("name")
        emptied = op.name == "set_attribute_value" and op.args.get("value") == ""
        if isinstance(name, str) and (op.name in ("remove_attribute", "rename_attribute") or emptied):
            names.add(name)
        elif op.name == "remove_element" and str(op.args.get("xpath", "")).endswith("AttributeStatement"):
            names.add(EVERY_ATTRIBUTE)
    return names


def claimed_expectation(claim: str, scenario: Scenario, claims: Claims) -> str | None:
    """Return what ``claims`` make the SP do in this scenario (None: the claim sets no outcome, only the rule)."""
    if claim == "required_attributes":
        withheld = withheld_attributes(scenario)
        required = set(claims.required_attributes)
        needed = bool(required) if EVERY_ATTRIBUTE in withheld else bool(withheld & required)
        return "reject" if needed else "accept"
    if claim == "sha1_accepted":
        return "accept" if claims.sha1_accepted else "reject"
    if claim == "signed_response_required":
        return "reject" if claims.signed_response_required else "accept"
    if claim == "signed_assertion_required":
        return "reject" if claims.signed_assertion_required else "accept"
    return None


def for_target(scenario: Scenario, target: Target) -> Scenario:
    """Return the scenario as it applies to ``target``: clock offsets on its skew, expectations on its claims.

    ``adjusted_by`` names every claim that differs from JustCall's, so a deviation there is a policy difference
    (the skew moves the case onto the claim instead, so a time-window deviation keeps its level).
    """
    claims = target.claims
    changes: dict[str, object] = {}
    differing = []
    expect = scenario.expect
    for claim in scenario.claims:
        if claim == "clock_skew_s":
            changes["idp_clock_offset"] = skew_offset(scenario.idp_clock_offset, claims.clock_skew_s)
        elif claim != "idp_initiated_allowed" and getattr(claims, claim) != getattr(JUSTCALL, claim):
            differing.append(f"{claim} = {getattr(claims, claim)!r}")
        claimed = claimed_expectation(claim, scenario, claims)
        if claimed is not None:
            expect = claimed
    if expect != scenario.expect:
        changes |= {"expect": expect, "acceptable": ()}
        if expect == "accept":
            changes |= {"sp_error": "", "reason": "", "troubleshooting": ""}
    if differing:
        changes["adjusted_by"] = ", ".join(differing)
    return dataclasses.replace(scenario, **changes) if changes else scenario  # type: ignore[arg-type]
