"""The mutation report counts what the suites killed and fails on any survivor the allowlist does not explain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mutation.report import (
    Equivalent,
    classify,
    forget_survivors,
    load_equivalents,
    load_function_hashes,
    load_results,
    main,
    stale_claims,
    stamp,
)

EXPLAINED = {"m.x_f__mutmut_2": Equivalent("m.x_f__mutmut_2", "a -> b", "same result for every input")}


def test_survivors_outside_the_allowlist_are_gaps() -> None:
    report = classify({"m.x_f__mutmut_1": 1, "m.x_f__mutmut_2": 0, "m.x_f__mutmut_3": 0}, EXPLAINED, [])
    assert (report.killed, report.equivalent, report.survived) == (
        ["m.x_f__mutmut_1"],
        ["m.x_f__mutmut_2"],
        ["m.x_f__mutmut_3"],
    )
    assert report.score == 50.0 and not report.ok


def test_every_real_mutant_killed_is_ok_and_timeouts_count_as_killed() -> None:
    report = classify({"m.x_f__mutmut_1": 1, "m.x_f__mutmut_2": 0, "m.x_f__mutmut_4": 36}, EXPLAINED, [])
    assert report.ok and report.score == 100.0 and len(report.killed) == 2


def test_a_killed_mutant_listed_as_equivalent_is_a_wrong_claim() -> None:
    report = classify({"m.x_f__mutmut_2": 1}, EXPLAINED, [])
    assert report.stale == ["m.x_f__mutmut_2"] and not report.ok


def test_mutants_not_run_are_not_a_pass() -> None:
    report = classify({"m.x_f__mutmut_1": 1, "m.x_g__mutmut_1": None}, EXPLAINED, [])
    assert report.other["not checked"] == 1 and not report.ok


def test_only_restricts_the_report_to_matching_mutants() -> None:
    report = classify({"m.x_f__mutmut_1": 1, "m.x_g__mutmut_1": 0}, EXPLAINED, ["m.x_f__*"])
    assert report.ok and report.killed == ["m.x_f__mutmut_1"]


def test_an_equivalent_without_a_reason_is_refused(tmp_path: Path) -> None:
    allowlist = tmp_path / "equivalent.toml"
    allowlist.write_text('[equivalent."m.x_f__mutmut_1"]\nchange = "a -> b"\n')
    with pytest.raises(ValueError, match="no reason"):
        load_equivalents(allowlist)


def test_the_projects_allowlist_gives_a_reason_for_each_entry() -> None:
    assert all(entry.reason and entry.change for entry in load_equivalents().values())


def test_results_are_read_from_mutmuts_meta_files(tmp_path: Path) -> None:
    meta = tmp_path / "justcall_sp" / "acs" / "x.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"exit_code_by_key": {"a__mutmut_1": 1, "a__mutmut_2": None}}))
    assert load_results(tmp_path) == {"a__mutmut_1": 1, "a__mutmut_2": None}


def test_no_results_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mutation.report.MUTANTS_DIR", tmp_path)
    monkeypatch.setattr("mutation.report.load_results", lambda: {})
    assert main([]) == 2


def _meta(folder: Path, codes: dict[str, int | None], hashes: dict[str, str]) -> Path:
    meta = folder / "m.py.meta"
    meta.write_text(json.dumps({"exit_code_by_key": codes, "hash_by_function_name": hashes}))
    return meta


def test_a_claim_is_checked_again_when_its_function_changed_or_its_mutant_is_gone(tmp_path: Path) -> None:
    _meta(tmp_path, {"m.x_f__mutmut_2": 0, "m.x_g__mutmut_1": 0}, {"x_f": "aaa", "x_g": "bbb"})
    hashes = load_function_hashes(tmp_path)
    assert hashes == {"m.x_f__mutmut_2": "aaa", "m.x_g__mutmut_1": "bbb"}
    claims = {
        "m.x_f__mutmut_2": Equivalent("m.x_f__mutmut_2", "a -> b", "same", function_hash="aaa"),
        "m.x_g__mutmut_1": Equivalent("m.x_g__mutmut_1", "a -> b", "same", function_hash="old"),
        "m.x_h__mutmut_1": Equivalent("m.x_h__mutmut_1", "a -> b", "same", function_hash="ccc"),
    }
    stale = stale_claims(claims, hashes, [])
    assert stale == [
        "m.x_g__mutmut_1: its function changed since the claim was checked",
        "m.x_h__mutmut_1: no such mutant any more",
    ]
    assert stale_claims(claims, hashes, ["m.x_f__*"]) == []


def test_stamping_records_the_current_hash_once_per_claim(tmp_path: Path) -> None:
    allowlist = tmp_path / "equivalent.toml"
    allowlist.write_text(
        '# why\n[equivalent."m.x_f__mutmut_2"]\nchange = "a -> b"\nreason = "same"\nfunction_hash = "old"\n'
    )
    assert stamp(allowlist, {"m.x_f__mutmut_2": "new"}) == 1
    assert stamp(allowlist, {"m.x_f__mutmut_2": "new"}) == 1
    assert load_equivalents(allowlist)["m.x_f__mutmut_2"].function_hash == "new"
    assert allowlist.read_text().count("function_hash") == 1 and allowlist.read_text().startswith("# why\n")


def test_forgetting_survivors_keeps_the_killed_and_reruns_the_rest(tmp_path: Path) -> None:
    codes = {"m.x_f__mutmut_1": 1, "m.x_f__mutmut_2": 0, "m.x_f__mutmut_3": None, "m.x_f__mutmut_4": 0}
    meta = _meta(tmp_path, codes, {"x_f": "h"})
    assert forget_survivors(tmp_path, explained={"m.x_f__mutmut_4"}) == 1
    assert json.loads(meta.read_text())["exit_code_by_key"] == {
        "m.x_f__mutmut_1": 1,
        "m.x_f__mutmut_2": None,
        "m.x_f__mutmut_3": None,
        "m.x_f__mutmut_4": 0,
    }
