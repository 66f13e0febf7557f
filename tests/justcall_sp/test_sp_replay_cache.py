"""Profiles 4.1.4.5: the replay cache lives in the database: it survives a restart and expired entries are purged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sp_helpers import API_TOKEN, PUBLIC_URL, Clock, FakeIdp, expect_rejected, post_acs

from justcall_sp import create_app
from justcall_sp.acs.policy import ALLOWED_CLOCK_SKEW
from justcall_sp.models import ReplayEntry
from justcall_sp.service import JustCall


@pytest.fixture
def restarted(app: Flask, clock: Clock) -> Iterator[Flask]:
    """A second app process on the same database file (the first one's memory is gone)."""
    second = create_app(
        {
            "TESTING": True,
            "PUBLIC_URL": PUBLIC_URL,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "API_TOKEN": API_TOKEN,
            "CLOCK": clock,
        }
    )
    yield second
    second.extensions["justcall_db"].dispose()


def replay_rows(app: Flask) -> list[str]:
    with app.extensions["justcall_db"].session() as session:
        return sorted(row.assertion_id for row in session.query(ReplayEntry))


def test_replay_is_refused_after_a_restart(app: Flask, accounts: JustCall, fake_idp: FakeIdp, restarted: Flask) -> None:
    xml = fake_idp.response()
    assert post_acs(app.test_client(), xml).status_code == 303
    answer = post_acs(restarted.test_client(), xml)
    expect_rejected(restarted.extensions["justcall"], answer, "replay.detected")


def test_entry_is_kept_until_the_confirmation_expires_then_purged(
    app: Flask, accounts: JustCall, fake_idp: FakeIdp, clock: Clock
) -> None:
    client = app.test_client()
    assert post_acs(client, fake_idp.response()).status_code == 303
    assert len(replay_rows(app)) == 1
    # Okta's bearer confirmation is valid for 5 minutes; the entry lives until then plus the skew.
    clock.advance(timedelta(minutes=5) + ALLOWED_CLOCK_SKEW - timedelta(seconds=1))
    post_acs(client, "garbage")
    assert len(replay_rows(app)) == 1
    clock.advance(timedelta(seconds=2))
    post_acs(client, "garbage")
    assert replay_rows(app) == [], "the expired entry was not purged"
