"""Where one conformance case's time goes, in milliseconds per case: ``python -m bench.case_costs``.

Why: the suite figure is bounded by one core per process, and the levers are in different owners'
code (the user agent, the per-test reset, the SP's and the IdP's views, Flask, waitress); this sorts py-spy's
samples of a serial ``pytest suites/conformance`` into those parts. ``py-spy record --gil`` samples only while a
thread holds the GIL, so the parts add up to the one busy core; waits are not counted. Writes
``reports/profiles/suite_case_costs.txt`` (and ``suite_case_costs.collapsed``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence

from bench import flame
from bench.profile import OUT, ROOT, py_spy

RATE_HZ = 250
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "user agent: HTTP transport (saml_harness/agent/transport.py, cookie jar)",
        ("send (saml_harness/agent/transport.py)",),
    ),
    ("per-test reset (Deployment.reset: SP database snapshot, IdP org)", ("Deployment.reset",)),
    ("session start (servers, keys, seeding; outside the measured window)", ("live_deployment",)),
    ("judge: SP's pinned certificate query (trusted_certificate_der)", ("trusted_certificate_der",)),
    ("flows, judging, evidence, trace decoding (not HTTP)", ("Function.runtest",)),
)
SERVER_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SP: ACS view (checks, signatures, one DB transaction)", ("acs (justcall_sp/",)),
    ("SP: other views", ("justcall_sp/",)),
    ("IdP: views (sign-in, SSO, signing)", ("mock_idp/",)),
    ("Flask/werkzeug request handling around the views", ("translate_proxy_headers",)),
    ("waitress (parsing, task dispatch, writing)", ("",)),
)


def part_of(frames: Sequence[str]) -> str:
    """Name the part a sample belongs to (the first matching rule, client side before server side)."""
    text = " ".join(frames)
    if "runtestprotocol" in text:
        return next((name for name, marks in PARTS if any(m in text for m in marks)), "pytest's own per-test work")
    if "Thread._bootstrap" in text:
        return next(name for name, marks in SERVER_PARTS if any(m in text for m in marks))
    return "interpreter start, imports, collection, session end"


def report(stacks: Sequence[flame.Stack], cases: int) -> str:
    ms_per_sample = 1000 / RATE_HZ
    parts: Counter[str] = Counter()
    for stack in stacks:
        parts[part_of(stack.frames)] += stack.count
    outside = ("session start", "interpreter start")
    window = sum(count for name, count in parts.items() if not name.startswith(outside))
    lines = [
        f"pytest suites/conformance, serial: {cases} cases; py-spy --gil at {RATE_HZ} Hz (GIL-holding samples)",
        f"per case: {window * ms_per_sample / cases:.1f} ms in the measured window",
        "",
    ]
    for name, count in parts.most_common():
        share = f"{100 * count / window:4.0f}%" if not name.startswith(outside) else "    -"
        lines.append(f"{count * ms_per_sample / cases:7.1f} ms/case {share}  {name}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", default="suites/conformance")
    args = parser.parse_args(argv)
    spy = py_spy()
    if spy is None:
        print("py-spy not found (pip install py-spy)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    collapsed = OUT / "suite_case_costs.collapsed"
    command = [spy, "record", "--gil", "-r", str(RATE_HZ), "-f", "raw", "-o", str(collapsed), "--"]
    command += [sys.executable, "-m", "pytest", *args.paths.split(","), "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    cases = count_cases(done.stdout)
    stacks = flame.parse(collapsed.read_text().splitlines(), exclude=("_find_and_load",))
    text = report(stacks, cases)
    (OUT / "suite_case_costs.txt").write_text(text)
    print(text)
    return 0


def count_cases(pytest_output: str) -> int:
    """The number of cases from pytest's summary line (``162 passed in 12.3s``)."""
    for line in reversed(pytest_output.splitlines()):
        words = line.replace(",", " ").split()
        if "in" in words and any(w in words for w in ("passed", "failed")):
            return sum(int(words[i - 1]) for i, w in enumerate(words) if w in ("passed", "failed", "xfailed"))
    raise RuntimeError(f"no pytest summary in:\n{pytest_output[-2000:]}")


if __name__ == "__main__":
    sys.exit(main())
