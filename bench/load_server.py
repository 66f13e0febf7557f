"""Serve the wired demo deployment for load tests, with extra Okta users assigned to JustCall.

``python -m bench.load_server --users 200`` starts the mock Okta org and the bundled JustCall SP exactly as
``saml-harness serve`` does (``saml_harness.deploy.wiring.start_deployment``), adds ``--users`` people to the Okta org
(``load.user.NNN@<demo domain>``, assigned to the JustCall app, not yet JustCall users: their first sign-in
provisions them just in time), prints one JSON line (URLs, users, database URL, pid) and serves until SIGTERM.

``DATABASE_URL`` / ``--database-url`` selects the SP database (default: a fresh SQLite file), e.g.
``postgresql+psycopg://justcall:secret@127.0.0.1:5432/justcall`` (``pip install "psycopg[binary]"``).
Loopback only: the servers bind 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.stopping import wait_until_signalled

LOAD_PASSWORD = "Load-test-password-1"


def load_users(count: int, domain: str) -> list[dict[str, str]]:
    """Return the extra people: email, password, first and last name (deterministic)."""
    return [
        {
            "email": f"load.user.{n:04d}@{domain}",
            "password": LOAD_PASSWORD,
            "first_name": "Load",
            "last_name": f"User {n:04d}",
        }
        for n in range(1, count + 1)
    ]


def describe(deployment: Any, users: list[dict[str, str]], database_url: str) -> dict[str, Any]:
    demo = deployment.demo
    people = [{"email": p.email, "password": p.password} for p in demo.people if p.assigned and p.status == "ACTIVE"]
    return {
        "sp_url": deployment.sp_url,
        "idp_url": deployment.idp_url,
        "idp_metadata_url": deployment.okta.metadata_url(deployment.app),
        "sp_sso_login_url": f"{deployment.sp_url}/login/sso",
        "sp_activity_url": f"{deployment.sp_url}/api/sso/activity",
        "sp_api_token": deployment.api_token,
        "database_url": database_url,
        "users": people + [{"email": u["email"], "password": u["password"]} for u in users],
        "pid": os.getpid(),
    }


class RouteCpu:
    """WSGI middleware: CPU seconds of the serving thread per endpoint (``time.thread_time``), for the load report.

    Why: the process's CPU per login says how far the hardware is from the target; this says which of the eight
    requests of a login spend it (the rest is waitress's own loop and HTTP parsing, outside any view).
    """

    def __init__(self, side: str, app: Any) -> None:
        self.side, self.app, self.wsgi_app = side, app, app.wsgi_app
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started = time.thread_time()
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            spent = time.thread_time() - started
            key = f"{self.side} {environ.get('REQUEST_METHOD')} {self._endpoint(environ)}"
            with self.lock:
                self.seconds[key] = self.seconds.get(key, 0.0) + spent
                self.calls[key] = self.calls.get(key, 0) + 1

    def _endpoint(self, environ: dict[str, Any]) -> str:
        try:
            endpoint, _ = self.app.url_map.bind_to_environ(environ).match(method=environ.get("REQUEST_METHOD"))
        except Exception:
            return str(environ.get("PATH_INFO"))
        return str(endpoint)

    def as_json(self) -> dict[str, dict[str, float]]:
        with self.lock:
            return {key: {"cpu_s": self.seconds[key], "calls": self.calls[key]} for key in self.seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="extra Okta users assigned to JustCall")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="SP database URL")
    parser.add_argument(
        "--sp-workers",
        type=int,
        default=0,
        help="serve the SP from this many separate processes on the same port (SO_REUSEPORT) instead of in-process",
    )
    parser.add_argument("--route-cpu", type=Path, help="write CPU seconds per endpoint here on exit (in-process SP)")
    parser.add_argument(
        "--idp-workers",
        type=int,
        default=0,
        help="serve the IdP from this many processes on one port (SO_REUSEPORT), all with one stored identity",
    )
    parser.add_argument("--idp-state", type=Path, help="the IdP identity (saml-harness idp init); default: a new one")
    args = parser.parse_args(argv)

    from saml_harness.deploy.idp_state import init_identity, load_identity
    from saml_harness.deploy.wiring import start_deployment

    # Under load waitress logs "Task queue depth is N" for every queued request: expected here, not news.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    database_url = args.database_url or f"sqlite:///{folder / 'justcall.sqlite3'}"
    identity = None
    if args.idp_state is not None:
        identity = load_identity(args.idp_state)
    elif args.idp_workers > 0:
        identity = init_identity(folder / "idp-state")
    deployment = start_deployment(database_url=database_url, identity=identity)
    okta, app = deployment.okta, deployment.app
    users = load_users(args.users, deployment.demo.domain)
    for person in users:
        user = okta.add_user(person["email"], person["first_name"], person["last_name"], person["password"])
        okta.assign_user(app.id, user.id)
    worker_files = (
        [] if not args.route_cpu else [args.route_cpu.with_suffix(f".sp{n}.json") for n in range(args.sp_workers)]
    )
    workers = start_sp_workers(deployment, args.sp_workers, worker_files) if args.sp_workers > 0 else []
    idp_workers = []
    if args.idp_workers > 0 and identity is not None:
        idp_workers = start_idp_workers(deployment, args.idp_workers, identity.folder, users)
    meters = []
    if args.route_cpu:
        servers = ([] if idp_workers else [("idp", deployment.idp_server)]) + (
            [] if workers else [("sp", deployment.sp_server)]
        )
        for side, server in servers:
            meter = RouteCpu(side, server.app)
            server.app.wsgi_app = meter
            meters.append(meter)
    info = describe(deployment, users, database_url) | {
        "sp_workers": [w.pid for w in workers],
        "idp_workers": [w.pid for w in idp_workers],
    }
    print(json.dumps(info), flush=True)
    try:
        wait_until_signalled()
    finally:
        for worker in workers + idp_workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers + idp_workers:
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
        deployment.stop()
        if args.route_cpu:
            parts = [meter.as_json() for meter in meters]
            parts += [json.loads(path.read_text()) for path in worker_files if path.exists()]
            args.route_cpu.write_text(json.dumps(merge_route_cpu(parts)))
    return 0


def start_idp_workers(
    deployment: Any, count: int, state: Path, people: list[dict[str, str]]
) -> list[subprocess.Popen[str]]:
    """Move the IdP out of this process: stop its in-process server, serve its port from ``count`` workers.

    Every worker builds the same org from the stored identity in ``state`` (same app ids, issuer and signing
    key), so the SP, configured once, trusts whichever worker answers.
    """
    import secrets

    config = {
        "idp_state": str(state),
        "public_url": deployment.idp_url,
        "secret_key": secrets.token_hex(16),
        "acs_url": deployment.target.acs_url,
        "entity_id": deployment.target.entity_id,
        "people": people,
    }
    port = deployment.idp_server.port
    deployment.idp_server.stop()
    workers = []
    for _ in range(count):
        worker = subprocess.Popen(
            [sys.executable, "-m", "bench.idp_worker", "--port", str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert worker.stdin is not None and worker.stdout is not None
        worker.stdin.write(json.dumps(config) + "\n")
        worker.stdin.flush()
        if worker.stdout.readline().strip() != "ready":
            raise RuntimeError("an IdP worker did not start")
        workers.append(worker)
    return workers


def merge_route_cpu(parts: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Add up the meters of the in-process apps and of every SP worker, endpoint by endpoint."""
    merged: dict[str, dict[str, float]] = {}
    for part in parts:
        for key, value in part.items():
            total = merged.setdefault(key, {"cpu_s": 0.0, "calls": 0})
            total["cpu_s"] += value["cpu_s"]
            total["calls"] += value["calls"]
    return merged


def start_sp_workers(deployment: Any, count: int, route_cpu: list[Path] | None = None) -> list[subprocess.Popen[str]]:
    """Move the SP out of this process: stop its in-process server, serve its port from ``count`` workers."""
    from bench.sp_worker import SHARED_KEYS

    config = deployment.sp_server.app.config
    shared = {key: config[key] for key in SHARED_KEYS if config.get(key) is not None}
    port = deployment.sp_server.port
    deployment.sp_server.stop()
    workers = []
    for n in range(count):
        command = [sys.executable, "-m", "bench.sp_worker", "--port", str(port)]
        if route_cpu:
            command += ["--route-cpu", str(route_cpu[n])]
        worker = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert worker.stdin is not None and worker.stdout is not None
        worker.stdin.write(json.dumps(shared) + "\n")
        worker.stdin.flush()
        if worker.stdout.readline().strip() != "ready":
            raise RuntimeError("an SP worker did not start")
        workers.append(worker)
    return workers


if __name__ == "__main__":
    sys.exit(main())
