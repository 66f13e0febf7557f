"""``nox -s bench``: measure every figure against its reference in the same run; table + ``reports/bench.json``.

``python -m bench.run [--quick] [--only idp,sp,suite,browser,cold] [--with-proposals] [--out PATH]``

Figures (see each module's docstring for exactly what is measured):

1. ``bench.idp``: IdP responses with both signatures per second vs 1 / (2 x one RSA-2048 signature).
2. ``bench.sp``: the SP's ACS pipeline without HTTP vs python3-saml ``is_valid`` (and pysaml2).
3. ``bench.suite``: conformance cases per second, serial and ``-n 2``.
4. ``bench.browser``: median SP-initiated sign-in in Chromium vs the protocol user agent.
5. ``bench.cold``: ``nox -s conformance`` from a clean clone vs the same run with the venv reused.

``--quick`` shortens the micro benchmarks, runs the SP-initiated half of the suite and fewer browser cases
(the cold start is always the full command). ``--with-proposals`` adds suite rows with the changes proposed
for files outside ``bench/`` applied by monkeypatching (``bench.plugins.proposals``).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.stats import REQUIRED_KEYS, Figure, fmt, missing_keys

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("idp", "sp", "suite", "browser", "cold")
ENVIRONMENT_RSA_SIGNS_PER_S = 3976
"""RSA-2048 signatures/s measured on the reference machine the performance targets were set on."""


def machine_rsa_rate(seconds: float = 1.0) -> float:
    """RSA-2048 PKCS#1 v1.5 SHA-256 signatures per second here and now: how fast this machine is today."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from bench.stats import measure_rate

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return measure_rate(lambda: key.sign(b"x" * 1000, padding.PKCS1v15(), hashes.SHA256()), seconds)


def collect(parts: list[str], quick: bool, proposals: bool) -> tuple[list[Figure], dict[str, str]]:
    from bench import browser, cold, idp, sp, suite

    runners: dict[str, Callable[[], list[Figure]]] = {
        "idp": lambda: idp.run(rounds=5 if quick else 9, seconds=0.3 if quick else 0.6),
        "sp": lambda: sp.run(rounds=3 if quick else 6, per_round=40 if quick else 120),
        "suite": lambda: suite.run(quick=quick),
        "browser": lambda: browser.run(cases=6 if quick else 15),
        "cold": lambda: cold.run(),
    }
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    for part in parts:
        started = time.perf_counter()
        print(f"[bench] {part} ...", file=sys.stderr, flush=True)
        try:
            figures += runners[part]()
            if part == "suite" and proposals:
                figures += suite.run(quick=quick, proposals=True)
        except Exception as exc:  # one broken part must not hide the others
            errors[part] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        print(f"[bench] {part} done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return figures, errors


def report(figures: list[Figure], errors: dict[str, str], rsa_rate: float, quick: bool) -> dict[str, Any]:
    by_key = {f.key: f for f in figures}

    def value(key: str, attr: str = "value") -> float | None:
        figure = by_key.get(key)
        return None if figure is None else getattr(figure, attr)

    data: dict[str, Any] = {
        "idp_responses_per_s": value("idp"),
        "idp_sign_ratio": value("idp", "ratio"),
        "sp_validations_per_s": value("sp"),
        "sp_vs_python3saml_ratio": value("sp", "ratio"),
        "sp_core_validations_per_s": value("sp_core"),
        "sp_core_vs_python3saml_ratio": value("sp_core", "ratio"),
        "suite_cases_per_s": value("suite"),
        "xdist_speedup": value("suite_xdist", "ratio"),
        "browser_login_median_s": value("browser"),
        "cold_conformance_s": value("cold"),
        "machine_rsa_signs_per_s": rsa_rate,
        "machine_speed_vs_reference": rsa_rate / ENVIRONMENT_RSA_SIGNS_PER_S,
        "quick": quick,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "cpus": _cpus(),
        "figures": [f.as_json() for f in figures],
        "errors": errors,
    }
    data = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in data.items()}
    data["missing"] = missing_keys(data)
    return data


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0)


def print_table(figures: list[Figure], errors: dict[str, str], rsa_rate: float) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="saml-harness benchmarks (each figure against its reference, same run)")
    for column, justify in (
        ("figure", "left"),
        ("value", "right"),
        ("reference", "left"),
        ("ref. value", "right"),
        ("ratio", "right"),
        ("target", "left"),
        ("met?", "center"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for f in figures:
        target = "-" if f.target is None else f"{f.target_on} {f.target}"
        style = {"PASS": "green", "MISS": "red"}.get(f.verdict, "")
        table.add_row(
            f.label,
            f"{fmt(f.value)} {f.unit}",
            f.reference_label,
            fmt(f.reference_value),
            fmt(f.ratio),
            target,
            f"[{style}]{f.verdict}[/{style}]" if style else f.verdict,
        )
    console = Console(width=max(Console().width, 160))
    console.print(table)
    for f in figures:
        if f.note:
            console.print(f"  {f.key}: {f.note}")
    console.print(
        f"  machine: {rsa_rate:,.0f} RSA-2048 signatures/s now "
        f"({rsa_rate / ENVIRONMENT_RSA_SIGNS_PER_S:.2f} x the reference machine's {ENVIRONMENT_RSA_SIGNS_PER_S:,}/s)"
    )
    for part, error in errors.items():
        console.print(f"[red]  {part} failed: {error.splitlines()[0]}[/red]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks; print a table and write reports/bench.json.")
    parser.add_argument("--quick", action="store_true", help="a short run (see the module docstring)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma list of parts: {','.join(PARTS)}")
    parser.add_argument("--with-proposals", action="store_true", help="also run the suite with proposals applied")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench.json")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown parts {unknown}; choose from {PARTS}")
    rsa_rate = machine_rsa_rate()
    figures, errors = collect(parts, args.quick, args.with_proposals)
    data = report(figures, errors, rsa_rate, args.quick)
    if set(parts) != set(PARTS) and args.out.exists():
        # A partial run updates the figures it measured and keeps the others from the last full run.
        previous = json.loads(args.out.read_text())
        kept = {f["key"]: f for f in previous.get("figures", [])}
        kept.update({f["key"]: f for f in data["figures"]})
        data = previous | {k: v for k, v in data.items() if v is not None} | {"figures": list(kept.values())}
        data["missing"] = missing_keys(data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2, default=str))
    print_table(figures, errors, rsa_rate)
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    if errors or data["missing"]:
        print(f"missing keys: {data['missing']}" if data["missing"] else "", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["PARTS", "REQUIRED_KEYS", "main"]
