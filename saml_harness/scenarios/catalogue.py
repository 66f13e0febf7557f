"""Load the scenario catalogue (``fixtures/scenarios/*.toml``) and check it is well formed.

Scenarios are data: each names a defect, the mutation ops that inject it, and what the SP must do.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saml_harness.agent.flows import FLOWS
from saml_harness.data import EXPECTATIONS_DIR, SCENARIO_DIR

EXPECTS = ("accept", "reject", "idp_error")
LEVELS = ("MUST", "SHOULD", "POLICY")
TROUBLESHOOTING_ROWS = ("Invalid SAML response", "not assigned", "Attributes missing", "Certificate error")
"""The four rows of the help article's Troubleshooting table, spelled as the article spells them."""
PRELUDES = ("", "sign_in_then_out")
SECURITY_PREFIX = "security_"
"""Catalogue files named ``security_*.toml`` form the security suite; the rest are the conformance suite."""
AFTERS = ("", "replay")

FIELDS = {
    "id",
    "title",
    "spec",
    "level",
    "flows",
    "user",
    "setup",
    "pre_sign",
    "post_sign",
    "signing",
    "idp_clock_offset",
    "time_at_idp_sign_in",
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
    pre_sign: tuple[Op, ...] = ()
    post_sign: tuple[Op, ...] = ()
    signing: Mapping[str, Any] = field(default_factory=dict)
    idp_clock_offset: int = 0
    time_at_idp_sign_in: int = 0
    """Seconds the person spends on Okta's sign-in page: every clock (IdP and SP) moves that far meanwhile."""
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
    if unknown:
        raise ValueError(f"{source}: {raw.get('id', '?')}: unknown keys {sorted(unknown)}")
    data = dict(raw)
    for stage in ("setup", "pre_sign", "post_sign"):
        data[stage] = tuple(Op.parse(op) for op in data.get(stage, ()))
    if "flows" in data:
        data["flows"] = tuple(data["flows"])
    if "requirements" in data:
        data["requirements"] = tuple(data["requirements"])
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
        for op in (*s.pre_sign, *s.post_sign):
            if op.name not in idp:
                problems.append(f"{where}: unknown IdP mutation op {op.name!r}")
        for op in s.setup:
            if op.name not in setup:
                problems.append(f"{where}: unknown setup op {op.name!r}")
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


@dataclass(frozen=True)
class Deviation:
    """A known deviation of one target from a scenario's expectation: a strict xfail with a reason."""

    scenario: str
    reason: str
    flows: tuple[str, ...] = FLOWS


def load_expectations(target: str, folder: Path = EXPECTATIONS_DIR) -> dict[str, Deviation]:
    """Load ``fixtures/expectations/{target}.toml`` (``[xfail."scenario.id"] reason = ...``)."""
    path = folder / f"{target}.toml"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    deviations: dict[str, Deviation] = {}
    for scenario_id, entry in document.get("xfail", {}).items():
        deviations[scenario_id] = Deviation(scenario_id, entry["reason"], tuple(entry.get("flows", FLOWS)))
    return deviations
