"""Record when each test's call phase ran (``pytest -p bench.plugins.timing``), for suite throughput.

Writes ``BENCH_TIMING_OUT`` (JSON) at the end of the session on the controlling process; under pytest-xdist the
workers' reports arrive there with their own start and stop times. Setup and teardown are part of a case's
cost (the per-test reset is fixture setup), so a case spans from its setup start to its teardown stop; each
worker's first case also sets up the session fixtures (server start), so ``call_start`` is kept to exclude that.
Without xdist each case also records the process' CPU time at its end (``cpu``), for CPU seconds per case.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

_cases: dict[str, dict[str, Any]] = {}
_session_start = time.time()


def _worker(report: Any) -> str:
    node = getattr(report, "node", None)  # set by pytest-xdist on the controller
    gateway = getattr(node, "gateway", None)
    return str(getattr(gateway, "id", "main"))


def pytest_runtest_logreport(report: Any) -> None:
    case = _cases.setdefault(
        report.nodeid, {"nodeid": report.nodeid, "start": report.start, "stop": report.stop, "worker": _worker(report)}
    )
    case["start"] = min(case["start"], report.start)
    case["stop"] = max(case["stop"], report.stop)
    if report.when == "call":
        case["call_start"] = report.start
    if report.when == "teardown" and not hasattr(report, "node"):  # this process ran the test (no xdist)
        # CPU seconds of every thread of this process (user agent and both servers) so far: other jobs on a
        # shared machine stretch the wall clock, hardly the CPU a case needs.
        case["cpu"] = time.process_time()
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        case["outcome"] = report.outcome


def pytest_sessionfinish(session: Any) -> None:
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller writes the file
        return
    out = os.environ.get("BENCH_TIMING_OUT")
    if not out:
        return
    data = {
        "session_start": _session_start,
        "session_finish": time.time(),
        "cases": [c for c in _cases.values() if "outcome" in c],
    }
    Path(out).write_text(json.dumps(data))
