"""``bench.load_server --idp-workers N``: N IdP processes on one port, one stored identity, every login trusted."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
import requests

from saml_harness.agent.flows import Credentials, Target, sp_initiated
from saml_harness.agent.user_agent import UserAgent


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, Any]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.load_server", "--users", "2", "--idp-workers", "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        if process.stdout is not None:
            process.stdout.close()


def test_two_idp_workers_serve_the_idp_port_and_every_login_succeeds(served: dict[str, Any]) -> None:
    workers = served["idp_workers"]
    assert len(workers) == 2 and all(psutil.pid_exists(pid) for pid in workers)
    port = int(served["idp_url"].rsplit(":", 1)[1])
    listeners = {
        c.pid for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port and c.status == "LISTEN"
    }
    assert listeners == set(workers), "the IdP port is served by the workers, not the in-process IdP"
    target = Target(
        name="bundled",
        sp_url=served["sp_url"],
        acs_url="",
        entity_id="",
        sso_start_url=served["sp_sso_login_url"],
        me_url=f"{served['sp_url']}/api/me",
    )
    people = served["users"][-2:]
    for attempt in range(6):  # fresh connections: the kernel spreads them over both workers
        person = people[attempt % 2]
        with UserAgent() as ua:
            outcome = sp_initiated(ua, target, Credentials(person["email"], person["password"]))
        assert outcome.accepted and outcome.identity == person["email"], outcome.explain()


def test_every_worker_publishes_the_same_issuer_and_certificate(served: dict[str, Any]) -> None:
    seen = set()
    for _ in range(12):  # a fresh connection per request: both workers answer over a dozen tries
        with requests.Session() as fresh:
            answer = fresh.get(served["idp_metadata_url"], timeout=10)
        assert answer.status_code == 200
        issuer = re.search(r'entityID="([^"]+)"', answer.text)
        certificate = re.search(r"<ds:X509Certificate>([^<]+)<", answer.text)
        assert issuer and certificate
        seen.add((issuer.group(1), "".join(certificate.group(1).split())))
    assert len(seen) == 1
