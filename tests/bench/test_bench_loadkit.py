"""The Locust profile's page parsing (what a browser would submit) and the load report's merge."""

from __future__ import annotations

import json
from pathlib import Path

from bench.load import merge_results
from bench.loadkit import Recorder, form_action, hidden_fields, signed_in_as

SSO_PAGE = """<form method="post" action="/login/sso">
<input type="hidden" name="csrf_token" value="a&amp;b">
<input type="hidden" name="next" value="/">
<input id="email" name="email" type="email" value="" required><button type="submit">Continue</button></form>"""

AUTO_POST = """<form method="post" action="http://127.0.0.1:6000/sso/saml/acme/acs">
<input type="hidden" name="SAMLResponse" value="PHNhbWw+"/><input type="hidden" name="RelayState" value="/calls"/>
<noscript><input type="submit" value="Continue"/></noscript></form>"""


def test_hidden_fields_are_unescaped_and_visible_ones_skipped() -> None:
    assert hidden_fields(SSO_PAGE) == {"csrf_token": "a&b", "next": "/"}
    assert hidden_fields(AUTO_POST) == {"SAMLResponse": "PHNhbWw+", "RelayState": "/calls"}


def test_form_action_is_absolute() -> None:
    assert form_action(SSO_PAGE, "http://127.0.0.1:7000/login/sso") == "http://127.0.0.1:7000/login/sso"
    assert form_action(AUTO_POST, "http://127.0.0.1:5000/x") == "http://127.0.0.1:6000/sso/saml/acme/acs"


def test_signed_in_as_reads_the_landing_page() -> None:
    assert signed_in_as('<p>Hi <span id="signed-in-as">ann@acme.example</span></p>') == "ann@acme.example"
    assert signed_in_as("<p>nobody</p>") is None


def test_recorder_caps_logins_and_counts_failures() -> None:
    recorder = Recorder(max_logins=2)
    assert recorder.claim() and recorder.claim()
    assert not recorder.claim()
    recorder.done(0.2, None)
    recorder.done(0.5, "7 POST sp acs: HTTP 403")
    data = recorder.as_json()
    assert (data["attempts"], data["logins"], data["errors"]) == (2, 1, 1)
    assert data["failures"] == {"7 POST sp acs: HTTP 403": 1}


def test_merge_results_adds_up_processes(tmp_path: Path) -> None:
    one, two = tmp_path / "1.json", tmp_path / "2.json"
    base = {"attempts": 3, "logins": 2, "errors": 1, "failures": {"x": 1}, "latencies_s": [0.1, 0.2], "window_s": 5.0}
    one.write_text(json.dumps(base))
    two.write_text(json.dumps(base | {"window_s": 6.0, "failures": {"x": 2, "y": 1}}))
    merged = merge_results([one, two, tmp_path / "missing.json"])
    assert (merged["attempts"], merged["logins"], merged["errors"]) == (6, 4, 2)
    assert merged["window_s"] == 6.0
    assert merged["failures"] == {"x": 3, "y": 1}
    assert len(merged["latencies_s"]) == 4
