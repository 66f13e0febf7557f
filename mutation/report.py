"""Sort mutmut's results into killed / survived / equivalent and say whether the suites killed every real mutant.

mutmut (``nox -s mutants``) mutates the SP's checks and runs the conformance and security suites against each
mutant; a mutant is killed when a suite turns red (a verdict changed, or a case crashed). A survivor is either
*equivalent* (no input can tell it from the original by who gets signed in: listed with the reason in
``mutation/equivalent.toml``) or a gap in the suites. Exit 1 when a survivor is not explained, so CI goes red.

    python -m mutation.report [--only PATTERN ...] [--json reports/mutation.json]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
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


def load_equivalents(path: Path = ALLOWLIST) -> dict[str, Equivalent]:
    """Load ``[equivalent."<mutant>"] change = ... reason = ...``; an entry without a reason is an error."""
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    found: dict[str, Equivalent] = {}
    for name, entry in document.get("equivalent", {}).items():
        reason = str(entry.get("reason", "")).strip()
        if not reason:
            raise ValueError(f"{path}: {name} has no reason; an equivalent mutant must say why")
        found[name] = Equivalent(name, str(entry.get("change", "")), reason)
    return found


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

    @property
    def score(self) -> float:
        """Killed among the mutants that can be killed (equivalent ones excluded), in percent."""
        judged = len(self.killed) + len(self.survived)
        return 100.0 if judged == 0 else 100.0 * len(self.killed) / judged

    @property
    def ok(self) -> bool:
        return not self.survived and not self.stale and not self.other


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
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=[], help="mutant name globs to report on (default: all)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    results = load_results()
    if not results:
        print("no mutmut results under mutants/: run `nox -s mutants` first", file=sys.stderr)
        return 2
    report = classify(results, load_equivalents(), args.only)
    print(render(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        summary = {
            "killed": len(report.killed),
            "survived": report.survived,
            "equivalent": len(report.equivalent),
            "stale_equivalents": report.stale,
            "other": dict(report.other),
            "score_percent": round(report.score, 1),
        }
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
