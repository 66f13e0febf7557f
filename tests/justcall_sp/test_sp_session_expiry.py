"""Profiles 4.1.4.3: an SSO session ends at the AuthnStatement's SessionNotOnOrAfter (refused if already past)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask.testing import FlaskClient
from sp_helpers import Clock, FakeIdp, expect_rejected, post_acs
from sp_test_idp import build_unsigned, find, saml_time, sign, tostring

from justcall_sp.acs.policy import ALLOWED_CLOCK_SKEW
from justcall_sp.service import JustCall


def response_with_session_end(fake_idp: FakeIdp, value: str) -> bytes:
    """A good response whose AuthnStatement carries SessionNotOnOrAfter=``value`` (signed after the change)."""
    spec = fake_idp.spec("newbie@acme.example")
    root = build_unsigned(spec)
    find(root, "saml2:Assertion/saml2:AuthnStatement").set("SessionNotOnOrAfter", value)
    return tostring(sign(root, spec))


def at(moment: datetime) -> str:
    return saml_time(moment)


def test_session_ends_when_session_not_on_or_after_passes(client: FlaskClient, fake_idp: FakeIdp, clock: Clock) -> None:
    ends = clock.now + timedelta(minutes=30)
    assert post_acs(client, response_with_session_end(fake_idp, at(ends))).status_code == 303
    assert client.get("/api/me").status_code == 200
    clock.advance(timedelta(minutes=30) + ALLOWED_CLOCK_SKEW - timedelta(seconds=1))
    assert client.get("/api/me").status_code == 200, "the skew is allowed"
    clock.advance(timedelta(seconds=1))
    assert client.get("/api/me").status_code == 401
    clock.advance(-timedelta(hours=1))
    assert client.get("/api/me").status_code == 401, "the ended session was cleared, not just hidden"


def test_session_without_session_not_on_or_after_does_not_expire(
    client: FlaskClient, fake_idp: FakeIdp, clock: Clock
) -> None:
    assert post_acs(client, fake_idp.response("newbie@acme.example")).status_code == 303
    clock.advance(timedelta(days=2))
    assert client.get("/api/me").status_code == 200


def test_session_not_on_or_after_already_passed_is_refused(
    client: FlaskClient, fake_idp: FakeIdp, clock: Clock, jc: JustCall
) -> None:
    xml = response_with_session_end(fake_idp, at(clock.now - ALLOWED_CLOCK_SKEW - timedelta(seconds=1)))
    expect_rejected(jc, post_acs(client, xml), "authn_statement.session_expired")
    assert client.get("/api/me").status_code == 401
    assert jc.get_user("newbie@acme.example") is None


def test_session_not_on_or_after_within_the_skew_is_accepted(
    client: FlaskClient, fake_idp: FakeIdp, clock: Clock
) -> None:
    xml = response_with_session_end(fake_idp, at(clock.now - ALLOWED_CLOCK_SKEW + timedelta(seconds=5)))
    assert post_acs(client, xml).status_code == 303


def test_malformed_session_not_on_or_after_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    expect_rejected(jc, post_acs(client, response_with_session_end(fake_idp, "tomorrow")), "authn_statement.invalid")


def test_tampered_session_cookie_end_counts_as_ended(client: FlaskClient, fake_idp: FakeIdp, clock: Clock) -> None:
    post_acs(client, response_with_session_end(fake_idp, at(clock.now + timedelta(minutes=30))))
    with client.session_transaction() as session:
        session["sso_session_expires"] = "not a time"
    assert client.get("/api/me").status_code == 401
