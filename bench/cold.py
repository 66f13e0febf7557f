"""Figure 5, cold start: seconds for ``nox -s conformance`` from a clean clone with a warm package cache.

``git clone`` of the repository's committed state into a temporary folder; ``nox -s conformance
--install-only`` there to make sure the package cache is warm; the venv deleted; then the timed ``nox -s
conformance``: venv creation, installing the project and its dev extras from the warm uv cache, and the suite.
Reference: the same command again in the same clone with ``-R`` (venv reused, no installs), so the ratio says
what the cold part costs on top of the suite.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import Figure

ROOT = Path(__file__).resolve().parent.parent


def _nox() -> list[str]:
    """Return the command that runs nox with this interpreter's nox (it finds uv in its own environment)."""
    return [sys.executable, "-m", "nox"]


def timed(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done


def run(*, source: Path = ROOT, keep: bool = False) -> list[Figure]:
    folder = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    clone = folder / "clone"
    try:
        subprocess.run(["git", "clone", "--quiet", str(source), str(clone)], check=True, capture_output=True)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=clone, check=True, capture_output=True, text=True
        ).stdout.strip()
        # Warm the package cache first (a no-op when it is warm already), then start from no venv at all.
        timed([*_nox(), "-s", "conformance", "--install-only"], clone)
        shutil.rmtree(clone / ".nox", ignore_errors=True)
        cold_s, cold = timed([*_nox(), "-s", "conformance"], clone)
        warm_s, warm = timed([*_nox(), "-R", "-s", "conformance"], clone)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    ok = cold.returncode == 0 and warm.returncode == 0
    note = f"clone of {commit}" + ("" if ok else f"; nox failed (rc {cold.returncode}/{warm.returncode})")
    return [
        Figure(
            key="cold",
            label="Cold start: nox -s conformance from a clean clone",
            value=cold_s,
            unit="s",
            reference_label="same command again, venv reused (nox -R)",
            reference_value=warm_s,
            ratio=cold_s / warm_s if warm_s else None,
            note=note,
            details={
                "commit": commit,
                "cold_tail": cold.stdout[-1500:] + cold.stderr[-1500:],
                "warm_returncode": warm.returncode,
            },
        )
    ]
