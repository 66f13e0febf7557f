"""Give each case outcome one verdict class, so a failure against any SP means something.

A gate that prints an impersonation and a different attribute spelling the same way gets switched off:
the class says how bad a deviation is, and only the bad ones fail a run.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from saml_harness.agent.flows import PROFILES, Target
from saml_harness.agent.outcome import Outcome
from saml_harness.scenarios.catalogue import Scenario, fill

IMPERSONATION = "impersonation"
MUST_VIOLATION = "must_violation"
FALSE_REJECT = "false_reject"
POLICY_DIFFERENCE = "policy_difference"
ACCEPTABLE = "acceptable"
PASS = "pass"

CLASSES = (IMPERSONATION, MUST_VIOLATION, FALSE_REJECT, POLICY_DIFFERENCE, ACCEPTABLE, PASS)
"""Every verdict class, worst first: the order of every report."""
ALWAYS_FAILING = (IMPERSONATION, MUST_VIOLATION, FALSE_REJECT)

_DID = {"accept": "accepted", "reject": "refused", "idp_error": "never got a response (the IdP stopped the flow)"}
_MUST = {"accept": "accept", "reject": "refuse", "idp_error": "stop at the IdP"}


@dataclass(frozen=True)
class Verdict:
    """One case's class and the sentence that says why."""

    cls: str
    reason: str

    def fails(self, profile: str) -> bool:
        return self.cls in failing_classes(profile)

    def as_json(self) -> dict[str, str]:
        return {"class": self.cls, "reason": self.reason}


def holds_justcall_policy(profile: str) -> bool:
    """Whether JustCall's policies apply; an unknown (misspelt) profile keeps them, so a typo never loosens a gate."""
    return profile == "justcall" or profile not in PROFILES


def failing_classes(profile: str) -> tuple[str, ...]:
    """Return the classes that fail a run: a policy difference only where the target claims JustCall's policy."""
    return (*ALWAYS_FAILING, POLICY_DIFFERENCE) if holds_justcall_policy(profile) else ALWAYS_FAILING


def what_the_sp_did(outcome: Outcome) -> str:
    """Return ``accept``, ``reject`` or ``idp_error`` (no response ever reached the SP)."""
    if outcome.accepted:
        return "accept"
    return "idp_error" if outcome.idp_error else "reject"


def signed_identities(scenario: Scenario, values: Mapping[str, str]) -> frozenset[str]:
    """Fill the scenario's signed identity templates (``{email}``...) with this run's values, lower-cased."""
    return frozenset(str(fill(template, values)).lower() for template in scenario.signed_identity_templates)


def classify(scenario: Scenario, outcome: Outcome, target: Target, signed: Collection[str]) -> Verdict:
    """Decide the class from who the SP signed in (``signed``: whom the genuinely signed content names) and its answer.

    ``scenario`` is the one ``claims.for_target`` adjusted for ``target``.
    """
    did = what_the_sp_did(outcome)
    impersonation = _impersonation(scenario, outcome, {s.lower() for s in signed})
    if impersonation:
        return Verdict(IMPERSONATION, impersonation)
    if scenario.expect == "logout":
        return _logout(scenario, outcome, target)
    if scenario.judge_mode == "identity" and did in ("accept", "reject"):
        return _by_identity(scenario, outcome, target, did)
    if did in scenario.acceptable_outcomes:
        if did != scenario.expect:
            return Verdict(ACCEPTABLE, f"the SP {_DID[did]}; {' and '.join(scenario.acceptable_outcomes)} both conform")
        return _details(scenario, outcome, target) or Verdict(PASS, f"the SP {_DID[did]}, as required")
    wanted = f"must {_MUST[scenario.expect]}"
    if scenario.adjusted_by:
        return Verdict(POLICY_DIFFERENCE, f"the SP {_DID[did]}; with its claim {scenario.adjusted_by} it {wanted}")
    if scenario.level != "MUST":
        policy = f" ({scenario.policy})" if scenario.policy else ""
        return Verdict(POLICY_DIFFERENCE, f"the SP {_DID[did]}; JustCall's {scenario.level} rule{policy}: {wanted}")
    if scenario.expect == "accept":
        return Verdict(FALSE_REJECT, f"the SP {_DID[did]} a valid response it must accept")
    clause = f" ({scenario.spec})" if scenario.spec else ""
    return Verdict(MUST_VIOLATION, f"the SP {_DID[did]} what a SAML MUST forbids{clause}: {scenario.title}")


def _impersonation(scenario: Scenario, outcome: Outcome, signed: set[str]) -> str | None:
    """Say how the session is an impersonation (None: it is not one, or there is no session)."""
    if not outcome.accepted:
        return None
    who = outcome.identity or "someone"
    if scenario.impersonation_rule == "any_session":
        return f"the SP signed in {who} from forged or unsigned content"
    if outcome.identity is not None and outcome.identity.lower() not in signed:
        names = ", ".join(sorted(signed)) or "nobody"
        return f"the SP signed in {outcome.identity}, whom the genuinely signed content does not name ({names})"
    return None


# A session that should have ended and did not, and a session ended by a logout message the SP must refuse (no
# signature, an untrusted key, a replay), are both must_violations (SAML Profiles 4.4.4.1, Core 3.7.3): the second
# lets anyone on the network sign a person out, but nobody gains a session by it, so it is not an impersonation.
def _logout(scenario: Scenario, outcome: Outcome, target: Target) -> Verdict:
    after = outcome.signed_in_after
    if after is None:
        return Verdict(FALSE_REJECT, f"the sign-in before the logout failed: {outcome.summary()}")
    kept = after.get("sp") is not None
    clause = f" ({scenario.spec})" if scenario.spec else ""
    if scenario.signed_in_after.get("sp") is False and kept:
        return Verdict(MUST_VIOLATION, f"the SP kept {after['sp']}'s session after the logout{clause}")
    if scenario.signed_in_after.get("sp") is True and not kept:
        return Verdict(MUST_VIOLATION, f"the SP ended the session on a logout it must refuse{clause}: {scenario.title}")
    if target.bundled and scenario.reason and outcome.reason != scenario.reason:
        return Verdict(
            POLICY_DIFFERENCE, f"the SP kept the session but logged reason {outcome.reason!r}, not {scenario.reason!r}"
        )
    return Verdict(PASS, "the SP session " + ("stayed, as required" if kept else "ended, as required"))


def _by_identity(scenario: Scenario, outcome: Outcome, target: Target, did: str) -> Verdict:
    """Markup attacks: refusing, or signing in exactly a signed identity, conforms (JustCall's profile: ``expect``)."""
    what = f"signed in exactly the signed value {outcome.identity}" if did == "accept" else "refused"
    if did not in scenario.acceptable_outcomes and holds_justcall_policy(target.profile):
        return Verdict(POLICY_DIFFERENCE, f"the SP {what}; JustCall's rule is to {_MUST[scenario.expect]}")
    return _details(scenario, outcome, target) or Verdict(PASS, f"the SP {what}")


def _details(scenario: Scenario, outcome: Outcome, target: Target) -> Verdict | None:
    """On the bundled SP, a refusal must also show the help article's text and log the scenario's reason."""
    if not target.bundled or scenario.expect != "reject" or outcome.accepted or outcome.idp_error:
        return None
    differences = []
    if scenario.sp_error and outcome.sp_error != scenario.sp_error:
        differences.append(f"showed {outcome.sp_error!r}, not {scenario.sp_error!r}")
    if scenario.reason and outcome.reason != scenario.reason:
        differences.append(f"logged reason {outcome.reason!r}, not {scenario.reason!r}")
    if not differences:
        return None
    return Verdict(POLICY_DIFFERENCE, "the SP refused, but " + " and ".join(differences))


class VerdictFailure(AssertionError):
    """A case failed with a verdict class; a known deviation xfails exactly its own class's failure."""


class ImpersonationFailure(VerdictFailure):
    pass


class MustViolationFailure(VerdictFailure):
    pass


class FalseRejectFailure(VerdictFailure):
    pass


class PolicyDifferenceFailure(VerdictFailure):
    pass


FAILURES: dict[str, type[VerdictFailure]] = {
    IMPERSONATION: ImpersonationFailure,
    MUST_VIOLATION: MustViolationFailure,
    FALSE_REJECT: FalseRejectFailure,
    POLICY_DIFFERENCE: PolicyDifferenceFailure,
}
"""The exception a failing case raises, per class (``pytest.mark.xfail(raises=...)`` keys on it)."""
