"""Keep the strangers' target files and expectations honest: every entry names a real scenario and says why.

An entry is a known deviation of a library (a strict xfail). Without its class, the spec clause and the library's
behaviour nobody can tell a real looseness from a harness false alarm parked there to make CI green.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from saml_harness.agent.flows import FLOWS, PROFILES
from saml_harness.deploy.targets import load_target
from saml_harness.scenarios.catalogue import load_catalogue, load_expectations

STRANGERS = Path(__file__).resolve().parents[1] / "strangers"
TARGETS = sorted(STRANGERS.glob("*/target.toml"))
CLASSES = {"impersonation", "must_violation", "false_reject"}
"""Verdicts that fail a case on a "saml2-sp" target (a policy difference is reported, not failing); ``pass`` and
``acceptable`` need no entry."""


def test_there_are_three_strangers() -> None:
    assert [p.parent.name for p in TARGETS] == ["node_saml", "pysaml2", "python3_saml"]


@pytest.mark.parametrize("path", TARGETS, ids=lambda p: p.parent.name)
def test_target_file_loads_and_keeps_its_expectations_beside_it(path: Path) -> None:
    """The current loader takes the final shape (profile, claims, trust) and finds the expectations file."""
    spec = load_target(path, fetch=False)
    document = tomllib.loads(path.read_text())
    assert document["profile"] in PROFILES
    assert document["trust"]["mode"] == "metadata_url"
    assert spec.launch is not None and "{idp_metadata_url}" in spec.launch.command
    assert Path(spec.expectations) == path.parent / "expectations.toml"
    assert load_expectations(spec.expectations), "no entries loaded: wrong path?"


@pytest.mark.parametrize("path", TARGETS, ids=lambda p: p.parent.name)
def test_every_expectation_names_a_scenario_a_class_a_clause_and_a_behaviour(path: Path) -> None:
    known = {s.id: s for s in load_catalogue()}
    entries = tomllib.loads((path.parent / "expectations.toml").read_text())["xfail"]
    for scenario_id, entry in entries.items():
        assert scenario_id in known, f"{scenario_id}: no such scenario"
        assert entry.get("class") in CLASSES, f"{scenario_id}: class {entry.get('class')!r}"
        assert entry.get("spec", "").startswith(("saml-", "xmldsig")), f"{scenario_id}: spec {entry.get('spec')!r}"
        assert len(entry.get("reason", "")) > 20, f"{scenario_id}: say what the library does"
        flows = tuple(entry.get("flows", FLOWS))
        assert set(flows) <= set(known[scenario_id].flows), f"{scenario_id}: flows {flows}"
