"""The ACS accepts a good Okta-shaped response: JIT, existing users, flows, RelayState, IdP-initiated policy."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sp_helpers import (
    ACS_URL,
    DOMAIN,
    IDP_ISSUER,
    IDP_SSO_URL,
    SLUG,
    SUPERVISOR,
    FakeIdp,
    decode_redirect,
    expect_rejected,
    last_activity,
    post_acs,
)

from justcall_sp.service import JustCall


def test_good_response_signs_in_a_new_user_with_the_default_role(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    answer = post_acs(client, fake_idp.response("newbie@acme.example", first_name="Nia", last_name="Newman"))
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/"
    me = client.get("/api/me")
    assert me.status_code == 200
    assert me.json == {
        "email": "newbie@acme.example",
        "first_name": "Nia",
        "last_name": "Newman",
        "role": "Agent",
        "account": SLUG,
    }
    user = jc.get_user("newbie@acme.example")
    assert user is not None and user.created_via_sso and user.role == "Agent" and not user.has_password


def test_success_is_logged_with_ids(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    spec = fake_idp.spec("newbie@acme.example")
    from sp_test_idp import build

    post_acs(client, build(spec))
    entry = last_activity(jc)
    assert entry["outcome"] == "success"
    assert entry["flow"] == "idp_initiated"
    assert entry["reason"] is None
    assert entry["email"] == "newbie@acme.example"
    assert (entry["response_id"], entry["assertion_id"]) == (spec.response_id, spec.assertion_id)


def test_landing_page_shows_who_is_signed_in(client: FlaskClient, fake_idp: FakeIdp) -> None:
    post_acs(client, fake_idp.response("newbie@acme.example"))
    page = client.get("/").get_data(as_text=True)
    assert '<span id="signed-in-as">newbie@acme.example</span>' in page
    assert "Acme Inc." in page


def test_existing_user_keeps_their_role(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    answer = post_acs(client, fake_idp.response(SUPERVISOR, first_name="Other", last_name="Name"))
    assert answer.status_code == 303
    me = client.get("/api/me").json
    assert me is not None and me["role"] == "Supervisor"
    user = jc.get_user(SUPERVISOR)
    assert user is not None and user.role == "Supervisor" and not user.created_via_sso


def test_existing_user_is_matched_case_insensitively(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    answer = post_acs(client, fake_idp.response(SUPERVISOR.upper()))
    assert answer.status_code == 303
    assert len([u for u in jc.users(SLUG) if u.email.lower() == SUPERVISOR]) == 1


def test_default_role_comes_from_the_configuration(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, idp_keys: object
) -> None:
    from sp_helpers import IDP_ISSUER as issuer

    result = jc.configure_sso(
        SLUG,
        idp_sso_url=IDP_SSO_URL,
        idp_issuer=issuer,
        certificate=fake_idp.keys.cert_pem,
        default_role="Supervisor",
    )
    assert result.ok
    post_acs(client, fake_idp.response("fresh@acme.example"))
    user = jc.get_user("fresh@acme.example")
    assert user is not None and user.role == "Supervisor"


@pytest.mark.parametrize(
    ("sign_response", "sign_assertion"),
    [(True, False), (False, True), (True, True)],
    ids=["response", "assertion", "both"],
)
def test_either_signature_protects_the_assertion(
    client: FlaskClient, fake_idp: FakeIdp, sign_response: bool, sign_assertion: bool
) -> None:
    xml = fake_idp.response(sign_response=sign_response, sign_assertion=sign_assertion)
    assert post_acs(client, xml).status_code == 303
    assert client.get("/api/me").status_code == 200


def test_sp_initiated_round_trip(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    start = client.post("/login/sso", data={"email": "newbie@acme.example", "next": "/contacts"})
    assert start.status_code == 302
    assert start.headers["Location"].startswith(IDP_SSO_URL + "?")
    request, query = decode_redirect(start.headers["Location"])
    request_id = request.get("ID")
    assert request_id is not None
    answer = post_acs(client, fake_idp.response(in_response_to=request_id), relay_state=query["RelayState"][0])
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/contacts"
    assert client.get("/contacts").status_code == 200
    entry = last_activity(jc)
    assert (entry["flow"], entry["outcome"], entry["in_response_to"]) == ("sp_initiated", "success", request_id)


def test_deep_link_survives_the_sso_round_trip(client: FlaskClient, fake_idp: FakeIdp) -> None:
    first = client.get("/calls")
    assert first.status_code == 302 and first.headers["Location"] == "/login?next=/calls"
    start = client.post("/login/sso", data={"email": "newbie@acme.example", "next": "/calls"})
    request, query = decode_redirect(start.headers["Location"])
    answer = post_acs(client, fake_idp.response(in_response_to=request.get("ID")), relay_state=query["RelayState"][0])
    assert answer.headers["Location"] == "/calls"
    assert "<h1>Calls</h1>" in client.get("/calls").get_data(as_text=True)


@pytest.mark.parametrize(
    "relay_state",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "javascript:alert(1)",
        "calls",
        "/ok\r\nSet-Cookie: x=y",
        "",
    ],
)
def test_off_site_relay_state_is_replaced_by_the_landing_page(
    client: FlaskClient, fake_idp: FakeIdp, relay_state: str
) -> None:
    answer = post_acs(client, fake_idp.response(), relay_state=relay_state)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/"


def test_local_relay_state_with_query_is_kept(client: FlaskClient, fake_idp: FakeIdp) -> None:
    answer = post_acs(client, fake_idp.response(), relay_state="/contacts?tab=recent")
    assert answer.headers["Location"] == "/contacts?tab=recent"


def test_idp_initiated_can_be_disallowed(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    jc.set_allow_idp_initiated(SLUG, False)
    answer = post_acs(client, fake_idp.response())
    expect_rejected(
        jc, answer, "unsolicited.not_allowed", "Sign-in from Okta is disabled for your account; use Sign in with SSO"
    )
    assert client.get("/api/me").status_code == 401


def test_sp_initiated_still_works_when_idp_initiated_is_disallowed(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    jc.set_allow_idp_initiated(SLUG, False)
    start = client.post("/login/sso", data={"email": "newbie@acme.example"})
    request, _ = decode_redirect(start.headers["Location"])
    assert post_acs(client, fake_idp.response(in_response_to=request.get("ID"))).status_code == 303


def test_a_second_login_creates_no_second_user(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    post_acs(client, fake_idp.response("newbie@acme.example"))
    post_acs(client, fake_idp.response("newbie@acme.example"))
    assert [u.email for u in jc.users(SLUG)].count("newbie@acme.example") == 1
    assert [e["outcome"] for e in jc.activity(SLUG)] == ["success", "success"]


def test_acs_url_and_issuer_are_what_the_tests_assume(jc: JustCall, client: FlaskClient) -> None:
    assert jc.sso_urls(SLUG) == (ACS_URL, ACS_URL.removesuffix("/acs"))
    settings = jc.sso_settings(SLUG)
    assert settings.idp_issuer == IDP_ISSUER and settings.enabled and DOMAIN in [d.domain for d in jc.domains(SLUG)]
