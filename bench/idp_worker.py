"""One mock Okta IdP process for load tests, sharing the primary's port (SO_REUSEPORT), with the run's identity.

Why: several IdP processes can serve one load test only if the SP sees one org: the stored identity
(``saml-harness idp init``) gives every worker the same app ids, issuer, SSO URL and signing key.
``python -m bench.idp_worker --port P`` reads JSON on stdin (``idp_state``, ``public_url``, ``secret_key``,
``acs_url``, ``entity_id``, ``people``: the load users), builds the demo org and the JustCall app as
``saml_harness.deploy.wiring`` does, and serves it on 127.0.0.1:P until SIGTERM. A person's IdP session and
pending sign-in live in the worker that started them: a Locust user keeps its connection alive, so the
kernel keeps it on one worker for the whole login.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from bench.stopping import wait_until_signalled


def build_org_app(config: dict[str, Any]) -> Any:
    """Return the IdP Flask app of one worker: demo people, the identity's JustCall app, the load users."""
    from mock_idp import create_app
    from saml_harness.deploy.demo import build_demo
    from saml_harness.deploy.idp_state import load_identity
    from saml_harness.deploy.wiring import assign_people, create_okta_app, seed_okta

    identity = load_identity(Path(config["idp_state"]))
    demo = build_demo()
    app = create_app(
        {
            "ORG_NAME": identity.org_name,
            "SECRET_KEY": config["secret_key"],
            "PUBLIC_URL": config["public_url"],
            "ORG_ID_SUFFIX": identity.id_suffix,
        }
    )
    okta = app.extensions["mock_okta"]
    okta.public_url = config["public_url"]
    user_ids, group_ids = seed_okta(okta, demo)
    justcall = create_okta_app(okta, demo, config["acs_url"], config["entity_id"], identity)
    assign_people(okta, demo, justcall, user_ids, group_ids)
    for person in config["people"]:
        user = okta.add_user(person["email"], person["first_name"], person["last_name"], person["password"])
        okta.assign_user(justcall.id, user.id)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    config = json.loads(sys.stdin.readline())

    from saml_harness.deploy.live import LiveServer

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = LiveServer(build_org_app(config), "127.0.0.1", args.port, threads=args.threads, reuse_port=True).start()
    print("ready", flush=True)
    try:
        wait_until_signalled()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
