"""``nox -s load``: Locust against the bundled SP on loopback, headless and bounded; writes ``reports/load.json``.

1. starts ``python -m bench.load_server`` (the demo deployment as ``saml-harness serve`` wires it, plus
   ``--people`` extra Okta users assigned to JustCall) and reads its JSON line;
2. runs ``locust -f bench/locustfile.py --headless`` with ``--users`` simulated browsers for at most
   ``--run-time`` and ``--max-logins`` logins (``--processes`` > 1 forks Locust workers);
3. counts SP users per email (case-insensitive) in the SP database afterwards: ``duplicate_users`` is the number
   of emails with more than one row; cross-checks the successful logins against the SP's activity log;
4. writes logins/s, p50/p95/p99 latency of a whole login, errors and duplicates to ``reports/load.json``.

Targets (this 2-core machine, SQLite): >= 100 full SP-initiated logins/s, zero errors, zero duplicate users.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stats import Target, duplicate_users, latency_summary

ROOT = Path(__file__).resolve().parent.parent
LOGINS_TARGET = Target(">=", 100)


def start_server(
    people: int,
    database_url: str | None,
    sp_workers: int = 0,
    route_cpu: Path | None = None,
    idp_workers: int = 0,
    idp_state: Path | None = None,
) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    command = [sys.executable, "-m", "bench.load_server", "--users", str(people), "--sp-workers", str(sp_workers)]
    command += ["--idp-workers", str(idp_workers)] + (["--idp-state", str(idp_state)] if idp_state else [])
    if route_cpu is not None:
        command += ["--route-cpu", str(route_cpu)]
    if database_url:
        command += ["--database-url", database_url]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(10)
        raise RuntimeError(f"load server exited (rc={process.returncode}) before printing its JSON")
    return process, json.loads(line)


def stop_server(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def run_locust(
    target_file: Path, result_file: Path, *, host: str, users: int, run_time: str, max_logins: int, processes: int
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        host,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        run_time,
        "--stop-timeout",
        "10",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    if processes > 1:
        command += ["--processes", str(processes)]
    env = os.environ | {
        "LOAD_TARGET_JSON": str(target_file),
        "LOAD_RESULT_JSON": str(result_file),
        "LOAD_MAX_LOGINS": str(max_logins if processes <= 1 else max(1, max_logins // processes)),
    }
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def process_tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live children (the SP workers)."""
    import psutil  # a Locust dependency

    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def reaped_children_cpu_s() -> float:
    """CPU seconds of this process's finished (reaped) children: Locust, once ``run_locust`` returned."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_budget(server_cpu_s: float, locust_cpu_s: float, logins: int, window_s: float) -> dict[str, float]:
    """CPU milliseconds per login on each side, and the logins/s all cores could sustain at that cost."""
    cores = os.cpu_count() or 1
    per_login = lambda seconds: 1000 * seconds / logins if logins else 0.0  # noqa: E731
    total_ms = per_login(server_cpu_s + locust_cpu_s)
    return {
        "server_cpu_ms_per_login": per_login(server_cpu_s),
        "locust_cpu_ms_per_login": per_login(locust_cpu_s),
        "total_cpu_ms_per_login": total_ms,
        "cores": cores,
        "cpu_bound_logins_per_s": 1000 * cores / total_ms if total_ms else 0.0,
        "cpu_busy_share": (server_cpu_s + locust_cpu_s) / (cores * window_s) if window_s else 0.0,
    }


def cpu_by_endpoint(route_cpu: dict[str, dict[str, float]], logins: int) -> dict[str, dict[str, float]]:
    """CPU ms per login and per call of each endpoint (the serving thread's time inside the Flask app)."""
    if not logins:
        return {}
    ranked = sorted(route_cpu.items(), key=lambda item: -item[1]["cpu_s"])
    return {
        key: {
            "cpu_ms_per_login": 1000 * value["cpu_s"] / logins,
            "cpu_ms_per_call": 1000 * value["cpu_s"] / value["calls"] if value["calls"] else 0.0,
            "calls_per_login": value["calls"] / logins,
        }
        for key, value in ranked
    }


def sp_user_emails(database_url: str) -> list[str]:
    """Every SP user row's email (one entry per row)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [str(row[0]) for row in connection.execute(text("SELECT email FROM users"))]
    finally:
        engine.dispose()


def sp_successful_logins(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT COUNT(*) FROM sso_activity WHERE outcome = 'success' AND flow = 'sp_initiated'")
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def merge_results(files: list[Path]) -> dict[str, Any]:
    """Merge the recorders of one or more Locust processes."""
    merged: dict[str, Any] = {
        "attempts": 0,
        "logins": 0,
        "errors": 0,
        "failures": {},
        "latencies_s": [],
        "window_s": 0.0,
    }
    for path in files:
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        for key in ("attempts", "logins", "errors"):
            merged[key] += data[key]
        merged["latencies_s"] += data["latencies_s"]
        merged["window_s"] = max(merged["window_s"], data["window_s"])
        for reason, n in data["failures"].items():
            merged["failures"][reason] = merged["failures"].get(reason, 0) + n
    return merged


def run(
    *,
    users: int = 32,
    run_time: str = "30s",
    max_logins: int = 5000,
    people: int = 200,
    processes: int = 1,
    sp_workers: int = 1,
    database_url: str | None = None,
    out: Path = ROOT / "reports" / "load.json",
    idp_workers: int = 0,
    idp_state: Path | None = None,
) -> dict[str, Any]:
    route_cpu_file = Path(tempfile.mkdtemp(prefix="bench-load-cpu-")) / "route_cpu.json"
    server, info = start_server(people, database_url, sp_workers, route_cpu_file, idp_workers, idp_state)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
            target_file = Path(folder) / "target.json"
            target_file.write_text(json.dumps(info))
            result_file = Path(folder) / "result.json"
            started = time.perf_counter()
            server_cpu, locust_cpu = process_tree_cpu_s(server.pid), reaped_children_cpu_s()
            done = run_locust(
                target_file,
                result_file,
                host=info["sp_url"],
                users=users,
                run_time=run_time,
                max_logins=max_logins,
                processes=processes,
            )
            wall = time.perf_counter() - started
            server_cpu = process_tree_cpu_s(server.pid) - server_cpu
            locust_cpu = reaped_children_cpu_s() - locust_cpu
            result = merge_results([result_file])
        if not result["attempts"]:
            raise RuntimeError(
                f"Locust made no login (rc={done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            )
        emails = sp_user_emails(info["database_url"])
        duplicates = duplicate_users(emails)
        sp_logins = sp_successful_logins(info["database_url"])
    finally:
        stop_server(server)
    route_cpu = json.loads(route_cpu_file.read_text()) if route_cpu_file.exists() else {}
    latencies = result.pop("latencies_s")
    summary = latency_summary(latencies)
    logins_per_s = result["logins"] / result["window_s"] if result["window_s"] else 0.0
    report: dict[str, Any] = {
        "logins_per_s": logins_per_s,
        "p50_s": summary["p50_s"],
        "p95_s": summary["p95_s"],
        "p99_s": summary["p99_s"],
        "max_s": summary["max_s"],
        "errors": result["errors"],
        "duplicate_users": len(duplicates),
        "logins": result["logins"],
        "attempts": result["attempts"],
        "window_s": result["window_s"],
        "failures": result["failures"],
        "duplicates": duplicates,
        "sp_user_rows": len(emails),
        "sp_activity_successes": sp_logins,
        "settings": {
            "users": users,
            "run_time": run_time,
            "max_logins": max_logins,
            "people": len(info["users"]),
            "locust_processes": processes,
            "database": "postgresql" if info["database_url"].startswith("postgresql") else "sqlite",
            "sp_workers": sp_workers,
            "idp_workers": idp_workers,
            "server": (
                f"bench.load_server: IdP in one process, SP in {sp_workers} worker processes sharing its port"
                if sp_workers
                else "bench.load_server: IdP + SP in one process (waitress via saml_harness.deploy.live)"
            ),
        },
        "targets": {
            "logins_per_s": str(LOGINS_TARGET),
            "errors": "== 0",
            "duplicate_users": "== 0",
        },
        "met": {
            "logins_per_s": LOGINS_TARGET.met(logins_per_s),
            "errors": result["errors"] == 0,
            "duplicate_users": not duplicates,
        },
        "cpu": cpu_budget(server_cpu, locust_cpu, result["attempts"], wall),
        "cpu_by_endpoint": cpu_by_endpoint(route_cpu, result["attempts"]),
        "locust_wall_s": wall,
        "locust_returncode": done.returncode,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return report


def print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Load: full SP-initiated logins (Locust, loopback)")
    for column in ("figure", "value", "target", "met?"):
        table.add_column(column)
    met = report["met"]
    rows = [
        ("logins per s", f"{report['logins_per_s']:.1f}", ">= 100", met["logins_per_s"]),
        ("p50 login latency", f"{report['p50_s'] * 1000:.0f} ms", "-", None),
        ("p95 login latency", f"{report['p95_s'] * 1000:.0f} ms", "-", None),
        ("errors", str(report["errors"]), "== 0", met["errors"]),
        ("duplicate users", str(report["duplicate_users"]), "== 0", met["duplicate_users"]),
    ]
    for name, value, target, ok in rows:
        table.add_row(name, value, target, "-" if ok is None else ("PASS" if ok else "MISS"))
    Console(width=max(Console().width, 100)).print(table)
    print(
        f"{report['logins']} logins of {report['settings']['people']} people by {report['settings']['users']} "
        f"simulated browsers in {report['window_s']:.1f} s; SP rows {report['sp_user_rows']}, "
        f"SP success log entries {report['sp_activity_successes']}"
    )
    cpu = report["cpu"]
    print(
        f"CPU per login: {cpu['server_cpu_ms_per_login']:.1f} ms servers (IdP + SP) + "
        f"{cpu['locust_cpu_ms_per_login']:.1f} ms Locust = {cpu['total_cpu_ms_per_login']:.1f} ms; "
        f"{cpu['cores']} cores bound this at {cpu['cpu_bound_logins_per_s']:.0f} logins/s "
        f"(CPU busy {cpu['cpu_busy_share']:.0%} of the run)"
    )
    endpoints = report["cpu_by_endpoint"]
    if endpoints:
        inside = sum(v["cpu_ms_per_login"] for v in endpoints.values())
        print(f"inside the Flask apps: {inside:.1f} ms per login; by endpoint (ms per login):")
        for key, value in endpoints.items():
            print(f"  {value['cpu_ms_per_login']:6.1f}  {key} ({value['calls_per_login']:.1f} calls per login)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Locust load test of full SP-initiated logins (loopback).")
    parser.add_argument("--users", type=int, default=32, help="simulated browsers (Locust users)")
    parser.add_argument("--run-time", default="30s", help="upper bound on the run (Locust --run-time)")
    parser.add_argument("--max-logins", type=int, default=5000, help="upper bound on logins")
    parser.add_argument("--people", type=int, default=200, help="extra Okta people assigned to JustCall")
    parser.add_argument("--processes", type=int, default=1, help="Locust processes (--processes)")
    parser.add_argument(
        "--sp-workers",
        type=int,
        default=1,
        help="SP worker processes (default 1: IdP and SP each get a process, so both cores; 0: one process)",
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="SP database URL")
    parser.add_argument(
        "--idp-workers",
        default="0",
        help="IdP processes sharing one stored identity; a list (1,2) runs once per count (0: IdP in-process)",
    )
    parser.add_argument("--idp-state", type=Path, help="the IdP identity for --idp-workers (default: a new one)")
    parser.add_argument("--quick", action="store_true", help="short run: 10 s, 500 logins")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "load.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.run_time, args.max_logins = "10s", 500
    try:
        counts = [int(n) for n in str(args.idp_workers).split(",")]
    except ValueError:
        parser.error(f"--idp-workers takes a count or a list of counts (1,2,4), got {args.idp_workers!r}")
    if any(n < 0 for n in counts):
        parser.error("--idp-workers counts must be >= 0")
    by_workers: dict[str, float] = {}
    for count in counts:
        report = run(
            users=args.users,
            run_time=args.run_time,
            max_logins=args.max_logins,
            people=args.people,
            processes=args.processes,
            sp_workers=args.sp_workers,
            database_url=args.database_url,
            out=args.out,
            idp_workers=count,
            idp_state=args.idp_state,
        )
        by_workers[str(count)] = report["logins_per_s"]
        print_report(report)
    if any(counts):
        # The last run's report, plus the logins/s of every IdP worker count of this invocation.
        report["logins_per_s_by_idp_workers"] = by_workers
        args.out.write_text(json.dumps(report, indent=2))
        print("logins/s by IdP worker count: " + ", ".join(f"{n}: {v:.1f}" for n, v in by_workers.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
