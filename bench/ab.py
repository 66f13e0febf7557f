"""A/B a change on the conformance suite, alternating runs so that a shared machine's drift cancels.

Two ways to get the B side:

* ``python -m bench.ab NAME --runs 3``: the named monkeypatched proposals (``bench.plugins.proposals``; none pending).
* ``python -m bench.ab --against HEAD --runs 3``: a copy of the working tree (B) against a copy where the harness
  files (``--revert``, default the suite's driver: ``saml_harness``, ``conftest.py``, ``suites/conformance``)
  are as in the git revision ``HEAD`` (A). Only those paths are reverted, so other people's uncommitted work
  elsewhere (the SP, the IdP) is the same on both sides.

Prints the median cases/s of both sides and the median of the paired gains; ``--workers 2`` runs pytest-xdist,
and then the xdist speedup of each side is measured too (each xdist run is paired with a serial run of its side),
next to the speedup two processes get on a pure CPU loop in the same round (the machine's ceiling).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.suite import ROOT, SuiteRun, parallel_ceiling, run_suite

DEFAULT_REVERT = ("saml_harness", "conftest.py", "suites/conformance")
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".nox", ".mypy_cache", ".ruff_cache", ".hypothesis", "__pycache__", "reports"
)


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def checkout_with_reverted(revision: str, paths: list[str], into: Path) -> list[str]:
    """Copy the working tree to ``into`` with ``paths`` as in ``revision``; return the files that differ."""
    shutil.copytree(ROOT, into, ignore=COPY_IGNORE, dirs_exist_ok=True)
    changed = git("diff", "--name-only", revision, "--", *paths).split()
    changed += git("ls-files", "--others", "--exclude-standard", "--", *paths).split()
    for name in changed:
        target = into / name
        listed = subprocess.run(
            ["git", "cat-file", "-e", f"{revision}:{name}"], cwd=ROOT, capture_output=True, check=False
        )
        if listed.returncode == 0:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(
                subprocess.run(["git", "show", f"{revision}:{name}"], cwd=ROOT, capture_output=True, check=True).stdout
            )
        elif target.exists():
            target.unlink()
    return sorted(set(changed))


def alternate(
    runs: int, sides: dict[str, Callable[[], SuiteRun]], ceiling: Callable[[float], None] | None = None
) -> dict[str, list[SuiteRun]]:
    """Run every side once per round, ``runs`` rounds, in the same order each round.

    With ``ceiling``, each round also measures the machine's two-process ceiling (``parallel_ceiling``).
    """
    done: dict[str, list[SuiteRun]] = {name: [] for name in sides}
    for _ in range(runs):
        for name, run in sides.items():
            done[name].append(run())
        line = "   ".join(f"{name} {describe(done[name][-1])}" for name in sides)
        if ceiling is not None:
            measured = parallel_ceiling()
            ceiling(measured)
            line += f"   two-process ceiling {measured:.2f}"
        print(f"  {line}", file=sys.stderr, flush=True)
    return done


def describe(run: SuiteRun) -> str:
    cpu = f" ({run.cpu_ms_per_case:.0f} ms CPU/case)" if run.cpu_ms_per_case is not None else ""
    return f"{run.rate:6.2f} cases/s{cpu}"


def summary(name: str, a: list[SuiteRun], b: list[SuiteRun]) -> dict[str, Any]:
    return {
        f"{name}_a_cases_per_s": [r.rate for r in a],
        f"{name}_b_cases_per_s": [r.rate for r in b],
        f"{name}_a_median": statistics.median(r.rate for r in a),
        f"{name}_b_median": statistics.median(r.rate for r in b),
        f"{name}_gain": statistics.median(y.rate / x.rate for x, y in zip(a, b, strict=True)),
        f"{name}_failed": [r.outcomes for r in a + b if set(r.outcomes) - {"passed", "skipped", "xfailed"}],
        **cpu_summary(name, a, b),
    }


def cpu_summary(name: str, a: list[SuiteRun], b: list[SuiteRun]) -> dict[str, Any]:
    """CPU ms per case of each side (serial runs only): what other jobs on a shared machine hardly disturb."""
    cpu_a = [r.cpu_ms_per_case for r in a if r.cpu_ms_per_case is not None]
    cpu_b = [r.cpu_ms_per_case for r in b if r.cpu_ms_per_case is not None]
    if len(cpu_a) != len(a) or len(cpu_b) != len(b):
        return {}
    return {
        f"{name}_a_cpu_ms_per_case": cpu_a,
        f"{name}_b_cpu_ms_per_case": cpu_b,
        f"{name}_cpu_ratio_b_over_a": statistics.median(y / x for x, y in zip(cpu_a, cpu_b, strict=True)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("proposals", nargs="*", help="names from bench.plugins.proposals.ALL (B side)")
    parser.add_argument(
        "--against", metavar="REVISION", help="A side: the working tree with --revert paths at REVISION"
    )
    parser.add_argument("--revert", default=",".join(DEFAULT_REVERT), help="comma list of paths reverted on the A side")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--paths", default="suites/conformance")
    parser.add_argument("--workers", type=int, default=0, help="also A/B pytest-xdist -n WORKERS and its speedup")
    args = parser.parse_args(argv)
    if bool(args.proposals) == bool(args.against):
        parser.error("name proposals or give --against REVISION (one of them)")
    paths = args.paths.split(",")
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as folder:
        if args.against:
            result["against"] = args.against
            result["reverted"] = checkout_with_reverted(args.against, args.revert.split(","), Path(folder) / "a")
            a_root, b_root, b_extra, b_env = Path(folder) / "a", Path(folder) / "b", [], {}
            shutil.copytree(ROOT, b_root, ignore=COPY_IGNORE)  # frozen: edits during the runs change neither side
        else:
            result["proposals"] = ",".join(args.proposals)
            a_root, b_root = ROOT, ROOT
            b_extra, b_env = ["-p", "bench.plugins.proposals"], {"BENCH_PROPOSALS": result["proposals"]}

        def side(root: Path, workers: int, extra: list[str], env: dict[str, str]) -> Callable[[], SuiteRun]:
            return lambda: run_suite(paths, workers, extra, env, root)

        sides = {"serial_a": side(a_root, 0, [], {}), "serial_b": side(b_root, 0, b_extra, b_env)}
        if args.workers:
            sides["xdist_a"] = side(a_root, args.workers, [], {})
            sides["xdist_b"] = side(b_root, args.workers, b_extra, b_env)
        ceilings: list[float] = []
        done = alternate(args.runs, sides, ceilings.append if args.workers else None)
    result |= summary("serial", done["serial_a"], done["serial_b"])
    if args.workers:
        result |= summary(f"xdist_{args.workers}", done["xdist_a"], done["xdist_b"])
        for name in ("a", "b"):
            pairs = zip(done[f"serial_{name}"], done[f"xdist_{name}"], strict=True)
            speedups = [x.rate / s.rate for s, x in pairs]
            result[f"xdist_speedup_{name}"] = speedups
            result[f"xdist_speedup_{name}_median"] = statistics.median(speedups)
        result["two_process_ceiling"] = ceilings
        result["two_process_ceiling_median"] = statistics.median(ceilings)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
