"""Load the scenario catalogue (``fixtures/scenarios/*.toml``) and check it is well formed.

Scenarios are data: each names a defect, the mutation ops that inject it, and what the SP must do.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saml_harness.agent.flows import FLOWS, SP_INITIATED
from saml_harness.agent.tampering import AGENT_OPS
from saml_harness.data import EXPECTATIONS_DIR, SCENARIO_DIR
from saml_harness.scenarios.arrival import Arrival

EXPECTS = ("accept", "reject", "idp_error", "logout")
LEVELS = ("MUST", "SHOULD", "POLICY")
TROUBLESHOOTING_ROWS = ("Invalid SAML response", "not assigned", "Attributes missing", "Certificate error")
"""The four rows of the help article's Troubleshooting table, spelled as the article spells them."""
PRELUDES = ("", "sign_in_then_out")
SECURITY_PREFIX = "security_"
"""Catalogue files named ``security_*.toml`` form the security suite; the rest are the conformance suite."""
AFTERS = ("", "replay")
LOGOUTS = (
    "sp",
    "okta",
    "unsigned_request",
    "other_key_request",
    "other_person_request",
    "replayed_request",
)
"""How an ``expect = "logout"`` case logs out after signing in: Sign out at JustCall (``sp``) or at Okta (``okta``),
or a LogoutRequest delivered to the SP through the person's browser: unsigned, signed by a key the SP does not
trust, signed by Okta but naming another person, or Okta's own LogoutRequest sent again after a new sign-in."""
SIDES = ("sp", "okta")
"""The two sides a logout case asks who is signed in afterwards (``signed_in_after``)."""
OUTCOMES = ("accept", "reject", "idp_error")
"""What an SP (or the IdP) can do with a login: the words ``expect`` and ``acceptable`` use."""
IMPERSONATION_RULES = ("other_identity", "any_session")
"""``other_identity``: a session for anyone the genuinely signed content does not name is an impersonation;
``any_session``: the identity the SP would read is forged or unsigned, so any session is one."""
JUDGE_MODES = ("outcome", "identity")
"""``outcome``: the SP must do what ``acceptable`` lists; ``identity`` (markup attacks): refusing, or signing in
exactly a signed identity, passes."""
CLAIMS = (
    "clock_skew_s",
    "required_attributes",
    "nameid_format",
    "signed_response_required",
    "signed_assertion_required",
    "sha1_accepted",
    "idp_initiated_allowed",
)
"""The JustCall policies a scenario may depend on, named as ``flows.Claims`` fields."""
MARKUP_OPS = frozenset({"inject_markup"})

FIELDS = {
    "id",
    "title",
    "spec",
    "level",
    "flows",
    "user",
    "setup",
    "agent",
    "pre_sign",
    "post_sign",
    "signing",
    "idp_clock_offset",
    "time_at_idp_sign_in",
    "arrive_at",
    "status",
    "prelude",
    "after",
    "expect",
    "sp_error",
    "reason",
    "idp_error",
    "troubleshooting",
    "advice",
    "policy",
    "requirements",
    "acceptable",
    "impersonation_if",
    "signed_identities",
    "judge",
    "claims",
    "role",
    "logout",
    "signed_in_after",
}


@dataclass(frozen=True)
class Op:
    """One named operation with its arguments, as written in the catalogue."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Op:
        args = dict(raw)
        name = args.pop("op", None)
        if not isinstance(name, str):
            raise ValueError(f"an op needs an 'op' name: {raw!r}")
        return cls(name, args)


@dataclass(frozen=True)
class Scenario:
    """A named case: a fault to inject (or none) and the SP's expected answer."""

    id: str
    title: str
    expect: str
    source: str
    spec: str = ""
    level: str = "MUST"
    flows: tuple[str, ...] = FLOWS
    user: str = "assigned"
    setup: tuple[Op, ...] = ()
    agent: tuple[Op, ...] = ()
    """What the person's own browser changes in transit (``saml_harness.agent.tampering``), e.g. a signed request."""
    pre_sign: tuple[Op, ...] = ()
    post_sign: tuple[Op, ...] = ()
    signing: Mapping[str, Any] = field(default_factory=dict)
    idp_clock_offset: int = 0
    time_at_idp_sign_in: int = 0
    """Seconds the person spends on Okta's sign-in page: every clock (IdP and SP) moves that far meanwhile."""
    arrive_at: Arrival | None = None
    """The exact instant the SP's clock reads when the response reaches it (``scenarios.arrival``)."""
    status: str = ""
    prelude: str = ""
    after: str = ""
    sp_error: str = ""
    reason: str = ""
    idp_error: str = ""
    troubleshooting: str = ""
    advice: str = ""
    policy: str = ""
    requirements: tuple[str, ...] = ()
    """Ids from ``fixtures/requirements.toml`` this scenario traces (spec traceability)."""
    acceptable: tuple[str, ...] = ()
    """Every outcome that conforms (default: ``expect`` alone); the others are judged by ``level``."""
    impersonation_if: str = ""
    """One of ``IMPERSONATION_RULES`` (default ``other_identity``)."""
    signed_identities: tuple[str, ...] = ()
    """Who the genuinely signed content names (placeholders allowed; default derived from the pre_sign ops)."""
    judge: str = ""
    """One of ``JUDGE_MODES`` (default ``identity`` for markup attacks, else ``outcome``)."""
    claims: tuple[str, ...] = ()
    """The JustCall policies (``CLAIMS``) this scenario's expectation depends on; a target's claims decide them."""
    role: str = ""
    """The role the person must have once signed in (JustCall's group-to-role mapping; its who-am-I says it)."""
    adjusted_by: str = ""
    """Set by ``scenarios.claims.for_target`` (never in TOML): which target claim changed the expectation."""
    logout: str = ""
    """One of ``LOGOUTS`` for ``expect = "logout"``: how the person logs out after signing in."""
    signed_in_after: Mapping[str, bool] = field(default_factory=dict)
    """For ``expect = "logout"``: whether each side (``sp``, ``okta``) must still know the person afterwards."""

    @property
    def acceptable_outcomes(self) -> tuple[str, ...]:
        """Every outcome that conforms: ``acceptable`` when given (it includes ``expect``), else ``expect``."""
        return self.acceptable or (self.expect,)

    @property
    def impersonation_rule(self) -> str:
        return self.impersonation_if or "other_identity"

    @property
    def judge_mode(self) -> str:
        if self.judge:
            return self.judge
        markup = any(op.name in MARKUP_OPS for op in (*self.pre_sign, *self.post_sign))
        return "identity" if markup else "outcome"

    @property
    def signed_identity_templates(self) -> tuple[str, ...]:
        """Who the signed content names: ``signed_identities``, else what pre_sign ops set, plus the user."""
        if self.signed_identities:
            return self.signed_identities
        names: list[str] = []
        overwritten = {"nameid": False, "email": False}
        for op in self.pre_sign:
            if op.name == "set_nameid" and isinstance(op.args.get("value"), str):
                overwritten["nameid"] = True
                names.append(str(op.args["value"]))
            if op.name == "set_attribute_value" and op.args.get("name") == "email":
                overwritten["email"] = True
                if op.args.get("value"):
                    names.append(str(op.args["value"]))
        if not all(overwritten.values()):
            names.append("{email}")
        return tuple(dict.fromkeys(n for n in names if n))

    @property
    def suite(self) -> str:
        """``security`` for scenarios from ``security_*.toml``, else ``conformance`` (each suite runs its own)."""
        return "security" if self.source.startswith(SECURITY_PREFIX) else "conformance"

    @property
    def injects_fault(self) -> bool:
        return bool(self.pre_sign or self.post_sign or self.signing or self.idp_clock_offset or self.status)

    def as_json(self) -> dict[str, Any]:
        """Return the fields tools read from ``saml-harness scenarios --json``."""
        return {
            "id": self.id,
            "title": self.title,
            "flows": list(self.flows),
            "expect": self.expect,
            "sp_error": self.sp_error or None,
            "reason": self.reason or None,
            "idp_error": self.idp_error or None,
            "troubleshooting": self.troubleshooting or None,
            "spec": self.spec or None,
            "level": self.level,
            "advice": self.advice or None,
            "source": self.source,
            "suite": self.suite,
            "requirements": list(self.requirements),
            "acceptable": list(self.acceptable_outcomes),
            "impersonation_if": self.impersonation_rule,
            "signed_identities": list(self.signed_identity_templates),
            "judge": self.judge_mode,
            "claims": list(self.claims),
            "logout": self.logout or None,
            "signed_in_after": dict(self.signed_in_after) or None,
        }


def fill(value: Any, values: Mapping[str, str]) -> Any:
    """Fill ``{placeholders}`` in a string argument (lists too); other values pass unchanged."""
    if isinstance(value, str):
        return value.format_map(values)
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value


def parse_scenario(raw: Mapping[str, Any], source: str) -> Scenario:
    """Build a Scenario from one ``[[scenario]]`` table; unknown keys are an error."""
    unknown = set(raw) - FIELDS
    if "adjusted_by" in raw:
        unknown.add("adjusted_by")
    if unknown:
        raise ValueError(f"{source}: {raw.get('id', '?')}: unknown keys {sorted(unknown)}")
    data = dict(raw)
    for stage in ("setup", "agent", "pre_sign", "post_sign"):
        data[stage] = tuple(Op.parse(op) for op in data.get(stage, ()))
    if "flows" in data:
        data["flows"] = tuple(data["flows"])
    if "arrive_at" in data:
        if not isinstance(data["arrive_at"], Mapping):
            raise ValueError(f"{source}: {raw.get('id', '?')}: arrive_at must be a table")
        try:
            data["arrive_at"] = Arrival.parse(data["arrive_at"])
        except ValueError as exc:
            raise ValueError(f"{source}: {raw.get('id', '?')}: {exc}") from None
    for key in ("requirements", "acceptable", "signed_identities", "claims"):
        if key in data:
            if not isinstance(data[key], list):
                raise ValueError(f"{source}: {raw.get('id', '?')}: {key} must be a list")
            data[key] = tuple(data[key])
    return Scenario(source=source, **data)


def load_catalogue(folder: Path = SCENARIO_DIR, suite: str | None = None) -> list[Scenario]:
    """Load every ``*.toml`` under ``folder``, in file then entry order (only ``suite``'s, when given)."""
    scenarios: list[Scenario] = []
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as handle:
            document = tomllib.load(handle)
        for raw in document.get("scenario", []):
            scenarios.append(parse_scenario(raw, path.name))
    return [s for s in scenarios if suite is None or s.suite == suite]


def by_id(scenarios: Iterable[Scenario]) -> dict[str, Scenario]:
    return {s.id: s for s in scenarios}


def lint(
    scenarios: list[Scenario],
    idp_ops: Iterable[str],
    setup_ops: Iterable[str],
    signing_keys: Iterable[str] = (),
    requirement_ids: Iterable[str] | None = None,
) -> list[str]:
    """Return one message per problem: duplicate ids, unknown ops, missing or impossible expectations.

    ``requirement_ids`` (the ids of ``fixtures/requirements.toml``), when given, checks each scenario's
    ``requirements``; a scenario of the security suite must trace at least one.
    """
    problems: list[str] = []
    idp, setup, signing = set(idp_ops), set(setup_ops), set(signing_keys)
    known_requirements = None if requirement_ids is None else set(requirement_ids)
    seen: set[str] = set()
    for s in scenarios:
        where = f"{s.source}: {s.id}"
        if s.id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(s.id)
        if not s.title:
            problems.append(f"{where}: no title")
        if s.expect not in EXPECTS:
            problems.append(f"{where}: expect {s.expect!r} is not one of {EXPECTS}")
        if s.level not in LEVELS:
            problems.append(f"{where}: level {s.level!r} is not one of {LEVELS}")
        if not s.flows or set(s.flows) - set(FLOWS):
            problems.append(f"{where}: flows {s.flows!r} must be a non-empty subset of {FLOWS}")
        if s.troubleshooting and s.troubleshooting not in TROUBLESHOOTING_ROWS:
            problems.append(f"{where}: troubleshooting {s.troubleshooting!r} is not a row of the help article")
        if s.expect == "reject" and not (s.sp_error and s.reason):
            problems.append(f"{where}: a rejection needs sp_error (what the user sees) and reason")
        if s.expect == "idp_error" and not s.idp_error:
            problems.append(f"{where}: an idp_error case needs idp_error (the IdP page title)")
        if s.expect == "accept" and (s.sp_error or s.reason or s.idp_error):
            problems.append(f"{where}: an accepted case cannot also expect an error")
        if s.expect != "accept" and not s.advice:
            problems.append(f"{where}: a failure case needs advice (the fix to tell the customer)")
        if s.level == "POLICY" and not s.policy:
            problems.append(f"{where}: a POLICY case must document the policy")
        if s.prelude not in PRELUDES:
            problems.append(f"{where}: prelude {s.prelude!r} is not one of {PRELUDES}")
        if s.time_at_idp_sign_in < 0:
            problems.append(f"{where}: time_at_idp_sign_in must be zero or more seconds (time only passes)")
        if s.after not in AFTERS:
            problems.append(f"{where}: after {s.after!r} is not one of {AFTERS}")
        if s.arrive_at is not None and s.arrive_at.needs_request and s.flows != (SP_INITIATED,):
            problems.append(f"{where}: arrive_at {s.arrive_at.at} needs an AuthnRequest: flows = ['sp_initiated']")
        if s.arrive_at is not None and (s.after or s.time_at_idp_sign_in):
            problems.append(f"{where}: arrive_at stops the clock; it cannot be combined with after or time passing")
        problems += _lint_verdict_fields(s, where)
        problems += _lint_logout(s, where)
        for op in (*s.pre_sign, *s.post_sign):
            if op.name not in idp:
                problems.append(f"{where}: unknown IdP mutation op {op.name!r}")
        for op in s.setup:
            if op.name not in setup:
                problems.append(f"{where}: unknown setup op {op.name!r}")
        for op in s.agent:
            if op.name not in AGENT_OPS:
                problems.append(f"{where}: unknown agent op {op.name!r}; known: {sorted(AGENT_OPS)}")
        if s.agent and s.flows != (SP_INITIATED,):
            problems.append(f"{where}: agent ops change the SP's request, so the case runs only {SP_INITIATED!r}")
        if signing:
            for key in s.signing:
                if key not in signing:
                    problems.append(f"{where}: unknown signing override {key!r}")
        if known_requirements is not None:
            for requirement in s.requirements:
                if requirement not in known_requirements:
                    problems.append(f"{where}: unknown requirement id {requirement!r}")
            if s.suite == "security" and not s.requirements:
                problems.append(f"{where}: a security scenario must trace at least one requirement")
    return problems


def _lint_logout(s: Scenario, where: str) -> list[str]:
    """A logout case says how the person logs out and what each side must know of them afterwards."""
    problems: list[str] = []
    if s.expect != "logout":
        if s.logout or s.signed_in_after:
            problems.append(f"{where}: logout and signed_in_after belong to expect = 'logout' cases")
        return problems
    if s.logout not in LOGOUTS:
        problems.append(f"{where}: logout {s.logout!r} is not one of {LOGOUTS}")
    if set(s.signed_in_after) != set(SIDES) or not all(isinstance(v, bool) for v in s.signed_in_after.values()):
        problems.append(f"{where}: signed_in_after must give true or false for each of {SIDES}")
    if s.injects_fault or s.after or s.prelude or s.acceptable or s.arrive_at is not None:
        problems.append(f"{where}: a logout case injects no response fault and has no after, prelude or acceptable")
    return problems


def _lint_verdict_fields(s: Scenario, where: str) -> list[str]:
    """Check the fields the verdict classes read: acceptable outcomes, impersonation rule, judge mode, claims."""
    problems: list[str] = []
    for outcome in s.acceptable:
        if outcome not in OUTCOMES:
            problems.append(f"{where}: acceptable {outcome!r} is not one of {OUTCOMES}")
    if s.acceptable and s.expect not in s.acceptable:
        problems.append(f"{where}: acceptable {list(s.acceptable)} must include expect {s.expect!r}")
    if s.acceptable and len(set(s.acceptable)) != len(s.acceptable):
        problems.append(f"{where}: acceptable lists an outcome twice")
    if s.impersonation_if and s.impersonation_if not in IMPERSONATION_RULES:
        problems.append(f"{where}: impersonation_if {s.impersonation_if!r} is not one of {IMPERSONATION_RULES}")
    if s.impersonation_rule == "any_session" and s.expect == "accept":
        problems.append(f"{where}: impersonation_if = 'any_session' contradicts expect = 'accept'")
    if s.judge and s.judge not in JUDGE_MODES:
        problems.append(f"{where}: judge {s.judge!r} is not one of {JUDGE_MODES}")
    if s.judge_mode == "identity" and s.expect == "idp_error":
        problems.append(f"{where}: judge = 'identity' needs a response the SP judges, not an idp_error case")
    for claim in s.claims:
        if claim not in CLAIMS:
            problems.append(f"{where}: claims {claim!r} is not one of {CLAIMS}")
    if "required_attributes" in s.claims:
        from saml_harness.scenarios.claims import withheld_attributes  # claims builds on this module

        if not withheld_attributes(s):
            problems.append(f"{where}: a required_attributes case must remove, rename or empty an attribute")
    if "clock_skew_s" in s.claims and not s.idp_clock_offset:
        problems.append(f"{where}: a clock_skew_s case needs idp_clock_offset (written for JustCall's 90 s skew)")
    for template in s.signed_identities:
        if not isinstance(template, str) or not template:
            problems.append(f"{where}: signed_identities must be non-empty strings")
    return problems


DEVIATION_CLASSES = ("impersonation", "must_violation", "false_reject", "policy_difference")
"""The verdict classes that fail a case, hence the ones a known deviation may name."""


@dataclass(frozen=True)
class Deviation:
    """A known deviation of one target from a scenario: a strict xfail of exactly one verdict class."""

    scenario: str
    reason: str
    cls: str
    flows: tuple[str, ...] = FLOWS
    spec: str = ""
    """The clause the target deviates from."""


def load_expectations(target: str, folder: Path = EXPECTATIONS_DIR) -> dict[str, Deviation]:
    """Load ``fixtures/expectations/{target}.toml`` (``[xfail."scenario.id"] class = ..., reason = ...``).

    ``target`` may also be a path to the file. An entry must name the verdict class it expects, so a
    known looseness never hides a worse failure (an impersonation where a must_violation was known).
    """
    path = Path(target) if target.endswith(".toml") else folder / f"{target}.toml"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    deviations: dict[str, Deviation] = {}
    for scenario_id, entry in document.get("xfail", {}).items():
        cls = entry.get("class")
        if cls not in DEVIATION_CLASSES:
            raise ValueError(f"{path}: {scenario_id}: class {cls!r} must be one of {DEVIATION_CLASSES}")
        if not entry.get("reason"):
            raise ValueError(f"{path}: {scenario_id}: a known deviation needs its reason")
        flows = tuple(entry.get("flows", FLOWS))
        deviations[scenario_id] = Deviation(scenario_id, entry["reason"], cls, flows, str(entry.get("spec", "")))
    return deviations
