"""Malformed ACS input gets a 4xx page and exactly one activity row, never a 500 and never other rows."""

from __future__ import annotations

import base64

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sp_helpers import SLUG, FakeIdp, expect_rejected, post_acs

from justcall_sp.service import JustCall

ACS = f"/sso/saml/{SLUG}/acs"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _assert_nothing_but_the_log(jc: JustCall, users_before: int) -> None:
    assert len(jc.users(SLUG)) == users_before
    assert len(jc.activity(SLUG)) == 1


@pytest.mark.parametrize(
    ("posted", "reason"),
    [
        ("!!!not base64!!!", "input.base64"),
        ("PD94bWw-dmVyc2lvbj0iMS4wIj8_", "input.base64"),  # URL-safe alphabet
        ("PHNhbWxwOlJlc3BvbnN", "input.base64"),  # length not a multiple of 4
        ("PHg+PC94Pg==\u00e9", "input.base64"),  # non-ASCII
        ("PHg+PC94Pg==PHg+", "input.base64"),  # padding in the middle
        (_b64(b"this is not xml"), "input.not_xml"),
        (_b64(b"<a><b></a>"), "input.not_xml"),
        (_b64(b"<a/><b/>"), "input.not_xml"),  # two root elements (CVE-2022-39299 shape)
        (_b64("<a>\u00e9</a>".encode("utf-16")), "input.not_xml"),
        (_b64(b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'), "input.dtd"),
        (_b64(b'<?xml version="1.0"?><!DOCTYPE Response SYSTEM "http://127.0.0.1:9/x"><Response/>'), "input.dtd"),
        (_b64(b"<r><!-- <!ENTITY in a comment is refused too --></r>"), "input.dtd"),
    ],
    ids=[
        "bad-chars",
        "urlsafe",
        "bad-length",
        "non-ascii",
        "inner-padding",
        "text",
        "unbalanced",
        "two-roots",
        "utf16",
        "entity",
        "external-dtd",
        "entity-marker",
    ],
)
def test_malformed_input_is_refused_with_400(client: FlaskClient, jc: JustCall, posted: str, reason: str) -> None:
    before = len(jc.users(SLUG))
    answer = post_acs(client, posted)
    expect_rejected(jc, answer, reason, status=400)
    _assert_nothing_but_the_log(jc, before)


def test_base64_with_line_breaks_is_accepted(client: FlaskClient, fake_idp: FakeIdp) -> None:
    text = _b64(fake_idp.response())
    wrapped = "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    assert post_acs(client, wrapped).status_code == 303


def test_missing_saml_response(client: FlaskClient, jc: JustCall) -> None:
    answer = client.post(ACS, data={"RelayState": "/"})
    expect_rejected(jc, answer, "input.missing", status=400)


def test_wrong_content_type_is_a_missing_response(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    answer = client.post(ACS, json={"SAMLResponse": _b64(fake_idp.response())})
    expect_rejected(jc, answer, "input.missing", status=400)
    assert client.get("/api/me").status_code == 401


def test_two_saml_responses_are_ambiguous(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    good = _b64(fake_idp.response())
    answer = client.post(ACS, data={"SAMLResponse": [good, good]})
    expect_rejected(jc, answer, "input.ambiguous", status=400)


def test_response_in_the_query_string_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    good = _b64(fake_idp.response())
    answer = client.post(ACS, query_string={"SAMLResponse": good}, data={"SAMLResponse": good})
    expect_rejected(jc, answer, "input.ambiguous", status=400)


def test_oversized_response_is_refused_before_decoding(client: FlaskClient, jc: JustCall) -> None:
    limit = client.application.config["MAX_RESPONSE_BYTES"]
    answer = post_acs(client, "A" * (limit + 4))
    entry = expect_rejected(jc, answer, "input.too_large", status=400)
    assert str(limit) in entry["detail"]


def test_huge_request_body_is_cut_off_with_413(client: FlaskClient) -> None:
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    answer = client.post(ACS, data={"SAMLResponse": "A" * (limit + 10)})
    assert answer.status_code == 413
    assert "Traceback" not in answer.get_data(as_text=True)


def test_get_on_the_acs_is_405_with_a_page(client: FlaskClient) -> None:
    answer = client.get(ACS)
    assert answer.status_code == 405
    assert "POST" in answer.headers["Allow"]
    assert 'id="error-title"' in answer.get_data(as_text=True)


def test_unknown_account_is_404(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    answer = post_acs(client, fake_idp.response(), slug="nosuchaccount")
    assert answer.status_code == 404
    assert jc.activity() == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(posted=st.one_of(st.text(max_size=300), st.binary(max_size=300).map(_b64)))
def test_arbitrary_input_never_causes_a_server_error(client: FlaskClient, posted: str) -> None:
    answer = client.post(ACS, data={"SAMLResponse": posted})
    assert answer.status_code in (400, 403)
    assert 'id="sso-reference"' in answer.get_data(as_text=True)
