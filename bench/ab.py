"""A/B the proposed changes on the serial conformance suite: ``python -m bench.ab reset ua --runs 3``.

Runs ``pytest suites/conformance`` alternately without and with ``bench.plugins.proposals`` (only the named
proposals), ``--runs`` times each, and prints the median cases/s of both and the gain. Alternating cancels
most of the drift of a shared machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from bench.suite import run_suite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("proposals", nargs="+", help="names from bench.plugins.proposals.ALL")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--paths", default="suites/conformance")
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args(argv)
    paths = args.paths.split(",")
    names = ",".join(args.proposals)
    base: list[float] = []
    patched: list[float] = []
    for _ in range(args.runs):
        base.append(run_suite(paths, args.workers).rate)
        patched.append(
            run_suite(paths, args.workers, ["-p", "bench.plugins.proposals"], {"BENCH_PROPOSALS": names}).rate
        )
    result = {
        "proposals": names,
        "baseline_cases_per_s": base,
        "patched_cases_per_s": patched,
        "baseline_median": statistics.median(base),
        "patched_median": statistics.median(patched),
        "gain": statistics.median(p / b for p, b in zip(patched, base, strict=True)),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
