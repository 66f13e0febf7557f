"""One extra process of the bundled JustCall SP for load tests, sharing the primary's port (SO_REUSEPORT).

``python -m bench.sp_worker --port P`` reads the SP's settings as JSON on stdin (``PUBLIC_URL``,
``DATABASE_URL``, ``SECRET_KEY``, ``API_TOKEN``, ``PASSWORD_HASH_METHOD``), builds the same app with
``justcall_sp.create_app`` and serves it on 127.0.0.1:P until SIGTERM. All workers share the database and the
session-cookie key, so any of them can answer any request: the kernel spreads connections over them, as
several gunicorn workers behind one socket would. Started by ``bench.load_server --sp-workers``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from bench.stopping import wait_until_signalled

SHARED_KEYS = ("PUBLIC_URL", "DATABASE_URL", "SECRET_KEY", "API_TOKEN", "PASSWORD_HASH_METHOD")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--route-cpu", type=Path, help="write CPU seconds per endpoint here on exit")
    args = parser.parse_args(argv)
    config = json.loads(sys.stdin.readline())

    from justcall_sp import create_app
    from saml_harness.deploy.live import LiveServer

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    app = create_app({k: config[k] for k in SHARED_KEYS if k in config})
    meter = None
    if args.route_cpu:
        from bench.load_server import RouteCpu

        meter = RouteCpu("sp", app)
        app.wsgi_app = meter  # type: ignore[method-assign]
    server = LiveServer(app, "127.0.0.1", args.port, threads=args.threads, reuse_port=True).start()
    print("ready", flush=True)
    try:
        wait_until_signalled()
    finally:
        server.stop()
        if meter is not None and args.route_cpu:
            args.route_cpu.write_text(json.dumps(meter.as_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
