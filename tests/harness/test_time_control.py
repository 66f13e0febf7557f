"""Time passes only forward, for every clock of a deployment, and a target without a clock control skips the cases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from saml_harness.agent.flows import Claims, Target
from saml_harness.deploy.clock import ClockControlError, MovableClock, move_external_clock
from saml_harness.deploy.targets import TargetError, TargetSpec, load_target
from saml_harness.scenarios.catalogue import lint, parse_scenario
from saml_harness.scenarios.suite import skip_reason

TARGET = """name = "x"
profile = "saml2-sp"
acs_url = "https://sp.example/acs"
entity_id = "https://sp.example/sso"
[login]
url = "https://sp.example/login"
[identity]
url = "https://sp.example/me"
"""


def test_the_movable_clock_runs_ahead_by_what_passed_and_resets() -> None:
    clock = MovableClock()
    clock.advance(660)
    ahead = clock() - datetime.now(UTC)
    assert timedelta(seconds=655) < ahead < timedelta(seconds=665)
    clock.reset()
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)


def test_time_does_not_pass_backwards() -> None:
    with pytest.raises(ValueError, match="forward"):
        MovableClock().advance(-1)


def test_a_target_names_its_clock_control_url(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(TARGET + '[claims]\nclock_control_url = "https://sp.example/_test/clock"\n')
    assert load_target(path).target.claims.clock_control_url == "https://sp.example/_test/clock"
    path.write_text(TARGET + '[claims]\nclock_control_url = "sp.example/clock"\n')
    with pytest.raises(TargetError, match="clock_control_url"):
        load_target(path)


def _spec(clock_control_url: str | None) -> TargetSpec:
    target = Target("ext", "https://sp", "https://sp/acs", "https://sp/sso", "https://sp/login", me_url="https://sp/me")
    target = Target(**{**target.__dict__, "claims": Claims(clock_control_url=clock_control_url)})
    return TargetSpec(name="ext", target=target, path=Path("ext.toml"))


def test_time_cases_skip_with_the_reason_when_the_target_clock_cannot_move() -> None:
    waits = parse_scenario({"id": "w", "title": "t", "expect": "accept", "time_at_idp_sign_in": 660}, "x.toml")
    reason = skip_reason(waits, "sp_initiated", _spec(None))
    assert reason is not None and "clock_control_url" in reason
    assert skip_reason(waits, "sp_initiated", _spec("https://sp/_test/clock")) is None
    assert skip_reason(waits, "sp_initiated", None) is None  # the bundled SP's clock always moves


def test_time_only_passes_forward_in_the_catalogue() -> None:
    backwards = parse_scenario({"id": "w", "title": "t", "expect": "accept", "time_at_idp_sign_in": -5}, "x.toml")
    assert any("time only passes" in p for p in lint([backwards], [], []))


def test_an_external_clock_is_moved_by_post_and_a_refusal_is_an_error() -> None:
    received: list[bytes] = []

    class Control(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204 if self.path == "/clock" else 403)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Control)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        move_external_clock(f"{base}/clock", 660)
        assert received == [b'{"offset_seconds": 660}']
        with pytest.raises(ClockControlError, match="HTTP 403"):
            move_external_clock(f"{base}/elsewhere", 0)
    finally:
        server.shutdown()
        server.server_close()


def test_a_stopped_clock_reads_the_instant_until_reset_and_never_stops_in_the_past() -> None:
    clock = MovableClock()
    instant = datetime.now(UTC) + timedelta(seconds=300, microseconds=7)
    clock.stop_at(instant)
    assert clock() == instant and clock() == instant and clock.stopped_at == instant and clock.moved
    clock.advance(10)
    assert clock() == instant + timedelta(seconds=10)
    with pytest.raises(ValueError, match="forward"):
        clock.stop_at(instant)
    clock.reset()
    assert clock.stopped_at is None and not clock.moved
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)


RESPONSE = (
    b'<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" '
    b'xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" IssueInstant="2026-01-01T00:00:00.000Z">'
    b'<saml2:Assertion IssueInstant="2026-01-01T00:00:00.000Z"><saml2:Conditions '
    b'NotBefore="2025-12-31T23:55:00.000Z" NotOnOrAfter="2026-01-01T00:05:00.250Z"/></saml2:Assertion>'
    b"</saml2p:Response>"
)
REQUEST = (
    b'<saml2p:AuthnRequest xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" '
    b'IssueInstant="2026-01-01T00:00:01.000Z"/>'
)


def test_an_arrival_is_read_from_the_messages_to_the_millisecond() -> None:
    from saml_harness.scenarios.arrival import Arrival

    expired = Arrival.parse({"at": "conditions.NotOnOrAfter", "plus": "skew"})
    assert expired.instant(RESPONSE, None, 90) == datetime(2026, 1, 1, 0, 6, 30, 250000, tzinfo=UTC)
    valid_from = Arrival.parse({"at": "conditions.NotBefore", "plus": "-skew"})
    assert valid_from.instant(RESPONSE, None, 90) == datetime(2025, 12, 31, 23, 53, 30, tzinfo=UTC)
    lifetime = Arrival.parse({"at": "request.IssueInstant", "plus_seconds": 600})
    assert lifetime.instant(RESPONSE, REQUEST, 90) == datetime(2026, 1, 1, 0, 10, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="no AuthnRequest"):
        lifetime.instant(RESPONSE, None, 90)
    with pytest.raises(ValueError, match="one value"):
        Arrival.parse({"at": "subject_confirmation.NotOnOrAfter"}).instant(RESPONSE, None, 90)


@pytest.mark.parametrize(
    ("arrive_at", "message"),
    [
        ({"at": "conditions.Nowhere"}, "arrive_at.at"),
        ({"at": "conditions.NotBefore", "plus": "1s"}, "arrive_at.plus"),
        ({"at": "conditions.NotBefore", "plus_seconds": "600"}, "plus_seconds"),
        ({"at": "conditions.NotBefore", "when": 1}, "unknown keys"),
        ("conditions.NotBefore", "must be a table"),
    ],
)
def test_a_bad_arrive_at_is_one_clear_error(arrive_at: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_scenario({"id": "b", "title": "t", "expect": "accept", "arrive_at": arrive_at}, "x.toml")


def test_arrive_at_lints_its_flow_and_skips_on_external_targets() -> None:
    raw = {"id": "r", "title": "t", "expect": "accept", "arrive_at": {"at": "request.IssueInstant"}}
    both_flows = parse_scenario(raw, "x.toml")
    assert any("needs an AuthnRequest" in p for p in lint([both_flows], [], []))
    one_flow = parse_scenario({**raw, "flows": ["sp_initiated"]}, "x.toml")
    assert not any("arrive_at" in p for p in lint([one_flow], [], []))
    reason = skip_reason(one_flow, "sp_initiated", _spec("https://sp/_test/clock"))
    assert reason is not None and "only the bundled SP's clock stops" in reason
