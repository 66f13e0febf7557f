"""Sort mutmut's results into killed / survived / equivalent and say whether the suites killed every real mutant.

mutmut (``nox -s mutants``) mutates the SP's checks and runs the conformance and security suites against each
mutant; a mutant is killed when a suite turns red (a verdict changed, or a case crashed). A survivor is either
*equivalent* (no input can tell it from the original by who gets signed in: listed with the reason in
``mutation/equivalent.toml``) or a gap in the suites. Exit 1 when a survivor is not explained, so CI goes red.

    python -m mutation.report [--only PATTERN ...] [--json reports/mutation.json]
    python -m mutation.report --stamp               # after checking the claims in equivalent.toml
    python -m mutation.report --forget-survivors    # before `mutmut run`, to re-check survivors (nox --resume)
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS_DIR = ROOT / "mutants"
ALLOWLIST = ROOT / "mutation" / "equivalent.toml"

STATUS_BY_EXIT_CODE = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped"}
"""mutmut 3's exit-code meanings (``mutmut.stats``); timeouts count as killed (the suite did not pass)."""
TIMEOUT_CODES = {36, 24, -24, 152, 255}


@dataclass(frozen=True)
class Equivalent:
    """A surviving mutant explained: what it changes and why no verdict can tell it from the original."""

    name: str
    change: str
    reason: str
    function_hash: str = ""
    """mutmut's hash of the mutated function when the claim was checked: mutant numbers move when it changes."""


def status(exit_code: int | None) -> str:
    if exit_code is None:
        return "not checked"
    if exit_code in TIMEOUT_CODES:
        return "killed"
    return STATUS_BY_EXIT_CODE.get(exit_code, "suspicious")


def load_results(mutants_dir: Path = MUTANTS_DIR) -> dict[str, int | None]:
    """Return every mutant's exit code from mutmut's ``*.meta`` files (None: not run yet)."""
    results: dict[str, int | None] = {}
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        results.update(data.get("exit_code_by_key", {}))
    return results


def function_of(mutant: str) -> str:
    """``pkg.mod.x_f__mutmut_3`` -> ``x_f``: the mangled function name mutmut keys its hashes by."""
    return mutant.rsplit("__mutmut_", 1)[0].rsplit(".", 1)[-1]


def load_function_hashes(mutants_dir: Path = MUTANTS_DIR) -> dict[str, str]:
    """Return each mutant's function hash (mutmut's ``hash_by_function_name``), by mutant name."""
    hashes: dict[str, str] = {}
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        by_function = data.get("hash_by_function_name", {})
        for name in data.get("exit_code_by_key", {}):
            hashes[name] = str(by_function.get(function_of(name), ""))
    return hashes


def load_equivalents(path: Path = ALLOWLIST) -> dict[str, Equivalent]:
    """Load ``[equivalent."<mutant>"] change = ... reason = ...``; an entry without a reason is an error."""
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    found: dict[str, Equivalent] = {}
    for name, entry in document.get("equivalent", {}).items():
        reason = str(entry.get("reason", "")).strip()
        if not reason:
            raise ValueError(f"{path}: {name} has no reason; an equivalent mutant must say why")
        found[name] = Equivalent(name, str(entry.get("change", "")), reason, str(entry.get("function_hash", "")))
    return found


def stale_claims(equivalents: dict[str, Equivalent], hashes: dict[str, str], only: list[str]) -> list[str]:
    """Return the claims that may now name another change: the mutant is gone, or its function changed since.

    mutmut numbers a function's mutants in order, so after an edit ``x_f__mutmut_21`` can be a different mutation
    than the one whose equivalence was argued; such a claim must be checked again (and re-stamped).
    """
    stale = []
    for name, claim in sorted(equivalents.items()):
        if only and not any(fnmatch.fnmatch(name, pattern) for pattern in only):
            continue
        if name not in hashes:
            stale.append(f"{name}: no such mutant any more")
        elif not claim.function_hash:
            stale.append(f"{name}: no function_hash (check the claim, then `python -m mutation.report --stamp`)")
        elif claim.function_hash != hashes[name]:
            stale.append(f"{name}: its function changed since the claim was checked")
    return stale


def stamp(path: Path, hashes: dict[str, str]) -> int:
    """Write each entry's current ``function_hash`` into the allowlist (after its claim was checked)."""
    lines = path.read_text().splitlines()
    out: list[str] = []
    current: str | None = None
    stamped = 0
    for line in lines:
        if line.startswith("[equivalent."):
            current = line[len("[equivalent.") :].rstrip("]").strip('"')
        elif line.startswith("function_hash = "):
            continue
        out.append(line)
        if current is not None and line.startswith("reason = ") and hashes.get(current):
            out.append(f'function_hash = "{hashes[current]}"')
            stamped += 1
    path.write_text("\n".join(out) + "\n")
    return stamped


@dataclass
class Report:
    killed: list[str]
    survived: list[str]
    """Survivors not explained as equivalent: gaps in the suites."""
    equivalent: list[str]
    stale: list[str]
    """Listed as equivalent but killed: the claim is wrong (or the code changed); remove the entry."""
    other: Counter[str]
    """Not checked, no tests, skipped, suspicious."""
    changed_claims: list[str] = field(default_factory=list)
    """Equivalence claims whose mutant is gone or whose function changed since (``stale_claims``)."""

    @property
    def score(self) -> float:
        """Killed among the mutants that can be killed (equivalent ones excluded), in percent."""
        judged = len(self.killed) + len(self.survived)
        return 100.0 if judged == 0 else 100.0 * len(self.killed) / judged

    @property
    def ok(self) -> bool:
        return not self.survived and not self.stale and not self.other and not self.changed_claims


def classify(results: dict[str, int | None], equivalents: dict[str, Equivalent], only: list[str]) -> Report:
    """Sort the mutants ``only`` names (globs; all when empty) by status, the allowlist applied."""
    report = Report([], [], [], [], Counter())
    for name, exit_code in sorted(results.items()):
        if only and not any(fnmatch.fnmatch(name, pattern) for pattern in only):
            continue
        verdict = status(exit_code)
        if verdict == "killed":
            (report.stale if name in equivalents else report.killed).append(name)
        elif verdict == "survived":
            (report.equivalent if name in equivalents else report.survived).append(name)
        else:
            report.other[verdict] += 1
    return report


def diff_of(name: str) -> str:
    """Return mutmut's diff of one mutant (for the survivors' list)."""
    beside = Path(sys.executable).with_name("mutmut")  # the venv's mutmut, even when the venv is not activated
    try:
        shown = subprocess.run(
            [str(beside) if beside.exists() else "mutmut", "show", name],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
    except OSError:
        return "  (mutmut not found: `mutmut show NAME` prints the change)"
    changed = [line for line in shown.stdout.splitlines() if line[:1] in "-+" and line[1:2] != line[:1]]
    return "\n".join(changed)


def render(report: Report, with_diffs: bool = True) -> str:
    lines = [
        f"mutants: {len(report.killed)} killed, {len(report.survived)} survived, "
        f"{len(report.equivalent)} equivalent (mutation/equivalent.toml)"
        + "".join(f", {count} {what}" for what, count in sorted(report.other.items())),
        f"score: {report.score:.1f}% of non-equivalent mutants killed by the suites",
    ]
    for name in report.survived:
        lines.append(f"SURVIVED {name}" + (f"\n{diff_of(name)}" if with_diffs else ""))
    for name in report.stale:
        lines.append(f"KILLED BUT LISTED AS EQUIVALENT {name}: remove it from mutation/equivalent.toml")
    for claim in report.changed_claims:
        lines.append(f"CHECK THE CLAIM AGAIN {claim}")
    return "\n".join(lines)


def forget_survivors(mutants_dir: Path = MUTANTS_DIR, explained: Collection[str] = ()) -> int:
    """Mark each unexplained surviving mutant not run, so the next ``mutmut run`` checks it against today's suites.

    mutmut keeps a result while the mutated function is unchanged, even when new scenarios would now kill a
    survivor; killed mutants stay killed (a suite that killed them still does, unless cases were removed), and so
    do the ``explained`` ones (equivalence claims, re-checked by their function hash instead).
    """
    forgotten = 0
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        codes = data.get("exit_code_by_key", {})
        survivors = [
            name
            for name, code in codes.items()
            if code is not None and status(code) != "killed" and name not in explained
        ]
        for name in survivors:
            codes[name] = None
        if survivors:
            meta.write_text(json.dumps(data))
            forgotten += len(survivors)
    return forgotten


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=[], help="mutant name globs to report on (default: all)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--stamp", action="store_true", help="record each equivalence claim's function hash (after checking them)"
    )
    parser.add_argument(
        "--forget-survivors", action="store_true", help="mark survivors not run, to re-check them (nox --resume)"
    )
    args = parser.parse_args(argv)
    if args.forget_survivors:
        print(f"{forget_survivors(explained=load_equivalents())} unexplained survivors will be checked again")
        return 0
    results = load_results()
    if not results:
        print("no mutmut results under mutants/: run `nox -s mutants` first", file=sys.stderr)
        return 2
    hashes = load_function_hashes()
    if args.stamp:
        print(f"stamped {stamp(ALLOWLIST, hashes)} claims in {ALLOWLIST.relative_to(ROOT)}")
        return 0
    report = classify(results, load_equivalents(), args.only)
    report.changed_claims = stale_claims(load_equivalents(), hashes, args.only)
    print(render(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        summary = {
            "killed": len(report.killed),
            "survived": report.survived,
            "equivalent": len(report.equivalent),
            "stale_equivalents": report.stale,
            "claims_to_check_again": report.changed_claims,
            "other": dict(report.other),
            "score_percent": round(report.score, 1),
        }
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
