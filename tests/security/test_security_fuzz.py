"""The fuzzer's mutations are deterministic and replayable, and its oracle flags what it must."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from lxml import etree
from security_support import Idp

from saml_harness.security import fuzz


@pytest.fixture(scope="module")
def genuine(idp: Idp) -> bytes:
    return idp.issue()


def test_byte_steps(genuine: bytes) -> None:
    assert fuzz.apply_bytes([("flip", 0, 1)], b"A") == b"C"
    assert fuzz.apply_bytes([("insert", 1, b"xy")], b"AB") == b"AxyB"
    assert fuzz.apply_bytes([("delete", 1, 5)], b"ABC") == b"A"
    assert fuzz.apply_bytes([("boundary_insert", 0, b"<!---->")], b"<a>t</a>") == b"<a><!---->t</a>"
    assert fuzz.apply_bytes([("text_flip", 0, 0)], b"<a>t</a>") == b"<a>u</a>"


def test_tree_steps_keep_well_formed_xml(genuine: bytes) -> None:
    steps = [("wrap", 5, "Wrapper", ""), ("comment", 9, 3), ("rename", 2, "Object", "urn:fuzz"), ("swap", 4, 7)]
    mutated = fuzz.apply_tree(steps, genuine)
    assert mutated != genuine
    assert etree.fromstring(mutated) is not None  # parses: still well-formed XML


@settings(max_examples=60, deadline=None)
@given(mutation=fuzz.mutations())
def test_mutations_are_deterministic_and_round_trip_through_json(mutation: fuzz.Mutation) -> None:
    xml = b'<?xml version="1.0"?><r xmlns="urn:r"><a ID="1">text</a><b>more</b></r>'
    again = fuzz.Mutation.from_json(json.loads(json.dumps(mutation.as_json())))
    assert again == mutation
    assert fuzz.apply(again, xml) == fuzz.apply(mutation, xml)


def test_oracle(genuine: bytes) -> None:
    signed = fuzz.SignedClaims.of(genuine)
    me = {"email": signed.email.upper(), "first_name": signed.first_name, "last_name": signed.last_name}
    assert fuzz.judge([303, 200], me, signed) == []
    assert fuzz.judge([403, 401], None, signed) == []
    assert fuzz.judge([500, 401], None, signed) == ["HTTP 500"]
    assert fuzz.judge([303, 200], me | {"email": "owner@acme.example"}, signed) != []
    assert fuzz.judge([303, 200], me | {"last_name": "Lee<!---->"}, signed) != []


def test_cases_are_saved_with_a_replay_command(tmp_path: object, genuine: bytes) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    case = fuzz.Case({"level": "bytes", "steps": [["flip", 1, 2]]}, True, ["HTTP 500"], "b64", "b64m", [500])
    path = fuzz.save(case, folder)
    saved = json.loads(path.read_text())
    assert saved["replay"] == f"python -m saml_harness.security.fuzz replay {path}"
    assert fuzz.Mutation.from_json(saved["mutation"]).steps == (("flip", 1, 2),)


def test_budget_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fuzz.FUZZ_EXAMPLES_ENV, raising=False)
    assert fuzz.budget() == fuzz.DEFAULT_EXAMPLES
    monkeypatch.setenv(fuzz.FUZZ_EXAMPLES_ENV, "7")
    assert fuzz.budget() == 7
