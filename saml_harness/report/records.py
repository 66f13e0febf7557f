"""Turn a test's Outcome into a JSON-ready case record that survives xdist and rebuilds reports later."""

from __future__ import annotations

from typing import Any

from saml_harness.agent.outcome import Outcome
from saml_harness.agent.trace import Trace

PROPERTY = "saml_case"
"""``user_properties`` key under which a test leaves its case record (xdist ships those to the controller)."""


def anchor(nodeid: str) -> str:
    """Return the id of a case's section in report.html (JUnit links to it; ``/`` and ``:`` are not id-safe)."""
    return nodeid.replace("/", "_").replace(":", "_")


def hops(trace: Trace) -> list[dict[str, Any]]:
    """Return the hop list without bodies: method, URL, status, redirect target, SAML kinds, note."""
    return [
        {
            "method": hop.method,
            "url": hop.url,
            "status": hop.status,
            "location": hop.location,
            "saml": [f"{m.param} ({m.binding})" for m in hop.saml],
            "note": hop.note,
        }
        for hop in trace.hops
    ]


def messages(trace: Trace) -> dict[str, str]:
    """Return the last AuthnRequest and Response, decoded and pretty-printed."""
    found = {}
    if trace.last_request is not None:
        found["AuthnRequest"] = trace.last_request.pretty
    if trace.last_response is not None:
        found["Response"] = trace.last_response.pretty
    return found


def case_record(
    outcome: Outcome,
    *,
    scenario: Any = None,
    flow: str | None = None,
    problems: list[str] | None = None,
    fault: str = "",
    verdict: Any = None,
    profile: str = "justcall",
) -> dict[str, Any]:
    """Describe one flow run: what was expected (from the scenario), what happened, its class, and the evidence."""
    record: dict[str, Any] = {
        "flow": flow,
        "actual": {
            "accepted": outcome.accepted,
            "identity": outcome.identity,
            "sp_error": outcome.sp_error,
            "sp_error_detail": outcome.sp_error_detail,
            "reason": outcome.reason,
            "idp_error": outcome.idp_error,
            "final_url": outcome.final_url,
            "final_status": outcome.final_status,
            "sp_status": outcome.sp_status,
            "sp_said": outcome.sp_said,
            "summary": outcome.summary(),
            "signed_in_after": outcome.signed_in_after,
        },
        "profile": profile,
        "problems": list(problems or []),
        "hops": hops(outcome.trace),
        "messages": messages(outcome.trace),
        "fault": fault,
    }
    if verdict is not None:
        record["verdict"] = verdict.as_json() | {"fails": verdict.fails(profile)}
    if scenario is not None:
        record |= {
            "scenario": scenario.id,
            "title": scenario.title,
            "spec": scenario.spec,
            "level": scenario.level,
            "troubleshooting": scenario.troubleshooting,
            "advice": scenario.advice,
            "expected": {
                "expect": scenario.expect,
                "sp_error": scenario.sp_error or None,
                "reason": scenario.reason or None,
                "idp_error": scenario.idp_error or None,
                "acceptable": list(scenario.acceptable_outcomes),
                "claims": getattr(scenario, "adjusted_by", "") or None,
                "signed_in_after": dict(getattr(scenario, "signed_in_after", {})) or None,
            },
        }
    return record


def describe_fault(scenario: Any) -> str:
    """Return the injected fault in one line for people, e.g. ``pre_sign set_audience(value=...)``."""
    parts = []
    for stage in ("setup", "pre_sign", "post_sign"):
        for op in getattr(scenario, stage):
            args = ", ".join(f"{k}={v!r}" for k, v in op.args.items())
            parts.append(f"{stage} {op.name}({args})")
    if scenario.signing:
        parts.append("signing " + ", ".join(f"{k}={v!r}" for k, v in scenario.signing.items()))
    if scenario.idp_clock_offset:
        parts.append(f"IdP clock {scenario.idp_clock_offset:+d} s")
    if getattr(scenario, "time_at_idp_sign_in", 0):
        parts.append(f"{scenario.time_at_idp_sign_in} s pass at Okta's sign-in page")
    if getattr(scenario, "arrive_at", None) is not None:
        parts.append(scenario.arrive_at.describe())
    if scenario.status:
        parts.append(f"status {scenario.status}")
    if scenario.prelude:
        parts.append(f"prelude {scenario.prelude}")
    if scenario.after:
        parts.append(f"then {scenario.after}")
    return "; ".join(parts) or "none (Okta's normal response)"
