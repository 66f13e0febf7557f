"""Replay cache, account rules (plan, SSO switch, domains), JIT under concurrency, and one-transaction writes."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sp_helpers import SLUG, Clock, FakeIdp, decode_redirect, expect_rejected, post_acs
from sqlalchemy import func, select

from justcall_sp.db import get_db
from justcall_sp.models import AuthnRequestRecord, ReplayEntry, User
from justcall_sp.service import JustCall


def _count(app: Flask, model: type) -> int:
    with get_db(app).session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_replayed_response_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response()
    assert post_acs(client, xml).status_code == 303
    other_browser = client.application.test_client()
    expect_rejected(jc, post_acs(other_browser, xml), "replay.detected")
    assert other_browser.get("/api/me").status_code == 401


def test_replayed_sp_initiated_response_is_a_replay(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    start = client.post("/login/sso", data={"email": "newbie@acme.example"})
    request, _ = decode_redirect(start.headers["Location"])
    xml = fake_idp.response(in_response_to=request.get("ID"))
    assert post_acs(client, xml).status_code == 303
    expect_rejected(jc, post_acs(client.application.test_client(), xml), "replay.detected")


def test_replay_cache_entry_lives_until_the_confirmation_expires(
    client: FlaskClient, fake_idp: FakeIdp, app: Flask, clock: Clock
) -> None:
    post_acs(client, fake_idp.response())
    with get_db(app).session() as session:
        entry = session.scalars(select(ReplayEntry)).one()
        assert entry.expires_at > clock.now + timedelta(minutes=5)


def test_expired_replay_entries_are_purged(client: FlaskClient, fake_idp: FakeIdp, app: Flask, clock: Clock) -> None:
    post_acs(client, fake_idp.response())
    assert _count(app, ReplayEntry) == 1
    clock.advance(timedelta(hours=1))
    post_acs(client, fake_idp.response())
    assert _count(app, ReplayEntry) == 1  # the old one is gone, the new one is there


def test_concurrent_duplicates_yield_exactly_one_success(fake_idp: FakeIdp, app: Flask, accounts: JustCall) -> None:
    xml = fake_idp.response("racer@acme.example")
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        browser = app.test_client()
        barrier.wait()
        statuses.append(post_acs(browser, xml).status_code)

    _run_threads(post, 4)
    assert sorted(statuses) == [303, 403, 403, 403]
    reasons = sorted(str(e["reason"]) for e in accounts.activity(SLUG))
    assert reasons == ["None", "replay.detected", "replay.detected", "replay.detected"]
    assert len([u for u in accounts.users(SLUG) if u.email == "racer@acme.example"]) == 1


def test_concurrent_first_logins_create_one_user(fake_idp: FakeIdp, app: Flask, accounts: JustCall) -> None:
    responses = [fake_idp.response("twin@acme.example") for _ in range(4)]
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def post(index: int) -> None:
        browser = app.test_client()
        barrier.wait()
        statuses.append(post_acs(browser, responses[index]).status_code)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [303, 303, 303, 303]
    assert len([u for u in accounts.users(SLUG) if u.email == "twin@acme.example"]) == 1


def _run_threads(target: object, count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]  # type: ignore[arg-type]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)


def test_refusal_writes_nothing_but_the_activity_row(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, app: Flask
) -> None:
    start = client.post("/login/sso", data={"email": "newbie@acme.example"})
    request, _ = decode_redirect(start.headers["Location"])
    users_before = _count(app, User)
    # Fails at the very end (account rule) after replay entry, request consumption and JIT would have run.
    jc.set_plan(SLUG, "standard")
    answer = post_acs(client, fake_idp.response(in_response_to=request.get("ID")))
    expect_rejected(jc, answer, "account.plan", "SSO requires the JustCall Business plan")
    assert _count(app, User) == users_before
    assert _count(app, ReplayEntry) == 0
    with get_db(app).session() as session:
        record = session.get(AuthnRequestRecord, request.get("ID"))
        assert record is not None and not record.consumed
    assert len(jc.activity(SLUG)) == 1


def test_refusal_found_while_writing_rolls_back_and_logs_in_a_new_transaction(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, app: Flask
) -> None:
    """The user exists, but in another JustCall account: found after the replay entry and the request were written."""
    jc.add_user("globex", "shared@acme.example", "Sam", "Shared", "Agent")
    start = client.post("/login/sso", data={"email": "shared@acme.example"})
    request, _ = decode_redirect(start.headers["Location"])
    answer = post_acs(client, fake_idp.response("shared@acme.example", in_response_to=request.get("ID")))
    entry = expect_rejected(jc, answer, "account.domain_mismatch", "Your email domain does not belong to this account")
    assert entry["in_response_to"] == request.get("ID") and entry["flow"] == "sp_initiated"
    assert _count(app, ReplayEntry) == 0
    with get_db(app).session() as session:
        record = session.get(AuthnRequestRecord, request.get("ID"))
        assert record is not None and not record.consumed
    assert len(jc.activity(SLUG)) == 1
    assert client.get("/api/me").status_code == 401


def test_sso_disabled_account(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    jc.enable_sso(SLUG, False)
    answer = post_acs(client, fake_idp.response())
    expect_rejected(jc, answer, "account.sso_disabled", "SSO is not enabled for your account")


def test_unconfigured_account(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    answer = post_acs(client, fake_idp.response(), slug="globex")
    assert answer.status_code == 403
    entry = jc.activity("globex")[0]
    assert entry["reason"] == "account.sso_disabled"


def test_unverified_domain(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    answer = post_acs(client, fake_idp.response("pat@acme-pending.example"))
    expect_rejected(jc, answer, "account.domain_unverified", "Your email domain is not verified for SSO")
    assert jc.get_user("pat@acme-pending.example") is None


def test_foreign_domain(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    answer = post_acs(client, fake_idp.response("mallory@globex.example"))
    expect_rejected(jc, answer, "account.domain_mismatch", "Your email domain does not belong to this account")


def test_unknown_domain(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    answer = post_acs(client, fake_idp.response("someone@gmail.example"))
    expect_rejected(jc, answer, "account.domain_mismatch", "Your email domain does not belong to this account")


def test_existing_user_of_another_account_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    jc.add_user("globex", "moved@acme.example", "Mo", "Ved", "Admin")
    answer = post_acs(client, fake_idp.response("moved@acme.example"))
    expect_rejected(jc, answer, "account.domain_mismatch", "Your email domain does not belong to this account")
    user = jc.get_user("moved@acme.example")
    assert user is not None and user.account == "globex"
