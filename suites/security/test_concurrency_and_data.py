"""Concurrency and data integrity over real HTTP: JIT races, concurrent replays, failed saves, a restart.

Everything runs against the live bundled SP and its SQLite file: threads post at once, and a second app
on the same database stands in for the SP after a restart. Concurrent replays also run against an external
target, judged by the who-am-I oracle (at most one session); the rest reads the bundled SP's database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from justcall_sp import create_app
from justcall_sp.models import ReplayEntry
from saml_harness.deploy.wiring import Deployment
from saml_harness.security.attacker import Captured, Delivery, post_to_acs
from saml_harness.security.sp_probe import SettingsPage

BUNDLED_DATABASE = pytest.mark.bundled_only("reads or restarts its database")
"""Reads or restarts the bundled SP's database: an external target cannot be checked this way."""

Genuine = Callable[[], Captured]
Rows = Callable[[], dict[str, int]]

FIRST_LOGINS = 50
SAME_RESPONSE_POSTS = 20


def post_all(deployment: Deployment, captured: list[Captured]) -> list[Delivery]:
    """Post every response at once, each from its own fresh device."""
    fields = [{"SAMLResponse": c.saml_response, "RelayState": "/"} for c in captured]
    with ThreadPoolExecutor(max_workers=len(fields)) as pool:
        return list(pool.map(lambda f: post_to_acs(deployment.target, f), fields))


@pytest.mark.requirement("PROF-4.1.4.5-2")
@BUNDLED_DATABASE
def test_fifty_concurrent_first_logins_create_exactly_one_user(
    deployment: Deployment, genuine: Genuine, rows: Rows
) -> None:
    email = deployment.credentials("assigned").username
    assert deployment.justcall.get_user(email) is None, "the assigned person must be new to JustCall"
    responses = [genuine() for _ in range(FIRST_LOGINS)]
    before = rows()
    deliveries = post_all(deployment, responses)
    assert [d.status for d in deliveries if d.status >= 500] == []
    signed_in = [d.signed_in_as for d in deliveries]
    assert signed_in == [email] * FIRST_LOGINS, signed_in
    after = rows()
    assert after["users"] - before["users"] == 1
    assert after["replay_cache"] - before["replay_cache"] == FIRST_LOGINS
    assert [u.email for u in deployment.justcall.users(deployment.demo.account.slug)].count(email) == 1


@pytest.mark.requirement("PROF-4.1.4.5-2")
def test_one_response_posted_twenty_times_at_once_makes_one_session(
    deployment: Deployment, genuine: Genuine, rows: Rows
) -> None:
    captured = genuine()
    before = rows()
    deliveries = post_all(deployment, [captured] * SAME_RESPONSE_POSTS)
    assert [d.status for d in deliveries if d.status >= 500] == []
    sessions = [d for d in deliveries if d.signed_in_as is not None]
    assert len(sessions) <= 1, [(d.status, d.signed_in_as) for d in deliveries]
    if not deployment.bundled:
        return  # judged from outside: at most one session, no 5xx
    assert len(sessions) == 1, [(d.status, d.signed_in_as) for d in deliveries]
    assert sorted(d.status for d in deliveries) == [303] + [403] * (SAME_RESPONSE_POSTS - 1)
    after = rows()
    assert after["replay_cache"] - before["replay_cache"] == 1
    assert after["sso_activity"] - before["sso_activity"] == SAME_RESPONSE_POSTS
    reasons = [e["reason"] for e in deployment.justcall.activity(deployment.demo.account.slug) if e["reason"]]
    assert reasons == ["replay.detected"] * (SAME_RESPONSE_POSTS - 1)


@BUNDLED_DATABASE
@pytest.mark.parametrize(
    "certificate",
    [
        pytest.param(b"-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n", id="garbage_pem"),
        pytest.param(b"\x00" * 70_000, id="oversized"),
        pytest.param(b"MIIB" * 10, id="truncated_base64"),
    ],
)
def test_failed_settings_save_keeps_the_previous_configuration(
    deployment: Deployment, genuine: Genuine, owner_settings: SettingsPage, certificate: bytes
) -> None:
    slug = deployment.demo.account.slug
    saved, pinned = deployment.justcall.sso_settings(slug), deployment.justcall.pinned_certificate(slug)
    changes = {"idp_issuer": "http://www.okta.com/exkATTACKER", "idp_sso_url": "https://attacker.example/sso/saml"}
    answer = owner_settings.post(changes, certificate)
    assert answer.status_code == 400, answer.text[:500]
    assert "Certificate:" in answer.text and "Default Role must be" not in answer.text
    assert deployment.justcall.sso_settings(slug) == saved
    assert deployment.justcall.pinned_certificate(slug) == pinned
    delivery = post_to_acs(deployment.target, {"SAMLResponse": genuine().saml_response, "RelayState": "/"})
    assert delivery.signed_in_as == deployment.credentials("assigned").username, "SSO must keep working"


@pytest.fixture
def restarted_sp(deployment: Deployment) -> Iterator[Flask]:
    """A second JustCall app on the live database: the SP after a restart (no memory of the first process)."""
    live = deployment.sp_server.app.config
    app = create_app(
        {
            "DATABASE_URL": live["DATABASE_URL"],
            "PUBLIC_URL": deployment.sp_url,
            "API_TOKEN": live["API_TOKEN"],
            "PASSWORD_HASH_METHOD": live["PASSWORD_HASH_METHOD"],
        }
    )
    yield app
    app.extensions["justcall_db"].dispose()


def acs_path(deployment: Deployment) -> str:
    return deployment.target.acs_url.removeprefix(deployment.sp_url)


@pytest.mark.requirement("PROF-4.1.4.5-2")
@BUNDLED_DATABASE
def test_replay_cache_survives_a_restart(deployment: Deployment, genuine: Genuine, restarted_sp: Flask) -> None:
    captured = genuine()
    first = post_to_acs(deployment.target, {"SAMLResponse": captured.saml_response, "RelayState": "/"})
    assert first.signed_in_as == deployment.credentials("assigned").username
    client = restarted_sp.test_client()
    replay = client.post(acs_path(deployment), data={"SAMLResponse": captured.saml_response, "RelayState": "/"})
    assert replay.status_code == 403
    assert client.get("/api/me").status_code == 401
    entry = restarted_sp.extensions["justcall"].activity(deployment.demo.account.slug, limit=1)[0]
    assert entry["reason"] == "replay.detected"


@pytest.mark.requirement("PROF-4.1.4.5-2")
@BUNDLED_DATABASE
def test_expired_replay_entries_are_purged(deployment: Deployment, genuine: Genuine, restarted_sp: Flask) -> None:
    database: Any = restarted_sp.extensions["justcall_db"]
    now = deployment.justcall.now()
    with database.session() as session:
        session.add(ReplayEntry(assertion_id="_expired_long_ago", expires_at=now - timedelta(hours=1)))
        session.add(ReplayEntry(assertion_id="_still_valid", expires_at=now + timedelta(hours=1)))
    post_to_acs(deployment.target, {"SAMLResponse": genuine().saml_response, "RelayState": "/"})
    with database.session() as session:
        assert session.get(ReplayEntry, "_expired_long_ago") is None
        assert session.get(ReplayEntry, "_still_valid") is not None
