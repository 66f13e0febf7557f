"""Password sign-in rules, Sign in with SSO (AuthnRequest), sign-out, /api/me and login-required pages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sp_helpers import (
    ACS_URL,
    ADMIN,
    AGENT,
    ENTITY_ID,
    IDP_SSO_URL,
    NOW,
    OWNER,
    PASSWORD,
    SLUG,
    csrf,
    decode_redirect,
    page_text,
    sign_in,
)
from sqlalchemy import func, select

from justcall_sp import create_app
from justcall_sp.db import get_db
from justcall_sp.models import AuthnRequestRecord
from justcall_sp.service import JustCall
from justcall_sp.timeutil import parse_instant
from saml_xmlns import BINDING_POST, NAMEID_EMAIL, SAML, SAMLP, q


def test_password_sign_in_works_without_sso(client: FlaskClient) -> None:
    answer = sign_in(client, "sam@smallco.example")
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    me = client.get("/api/me").json
    assert me is not None and me["email"] == "sam@smallco.example" and me["account"] == "smallco"


def test_sso_account_refuses_password_sign_in(client: FlaskClient) -> None:
    answer = sign_in(client, AGENT)
    assert answer.status_code == 403
    assert "Sign in with SSO" in (page_text(answer, "login-error") or "")
    assert client.get("/api/me").status_code == 401


def test_sso_refusal_does_not_depend_on_the_user_existing(client: FlaskClient) -> None:
    answer = sign_in(client, "nobody@acme.example", "whatever")
    assert answer.status_code == 403
    assert "Sign in with SSO" in (page_text(answer, "login-error") or "")


def test_owner_keeps_a_break_glass_password_login(client: FlaskClient) -> None:
    answer = sign_in(client, OWNER)
    assert answer.status_code == 303
    me = client.get("/api/me").json
    assert me is not None and me["email"] == OWNER and me["role"] == "Owner"


def test_owner_with_a_wrong_password_is_refused(client: FlaskClient) -> None:
    assert sign_in(client, OWNER, "wrong").status_code == 403
    assert client.get("/api/me").status_code == 401


def test_wrong_password_without_sso(client: FlaskClient) -> None:
    answer = sign_in(client, "sam@smallco.example", "wrong")
    assert answer.status_code == 401
    assert page_text(answer, "login-error") == "Invalid email or password."


def test_password_works_again_when_sso_is_disabled(client: FlaskClient, jc: JustCall) -> None:
    jc.enable_sso(SLUG, False)
    assert sign_in(client, AGENT).status_code == 303


def test_login_form_links_to_sso(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page_text(page, "sign-in-with-sso") == "Sign in with SSO"
    assert 'href="/login/sso"' in page.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client: FlaskClient) -> None:
    answer = client.post("/login", data={"email": OWNER, "password": PASSWORD})
    assert answer.status_code == 400
    assert client.get("/api/me").status_code == 401


def test_login_with_empty_fields_is_400(client: FlaskClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"email": "", "password": "", "csrf_token": csrf(client)})
    assert answer.status_code == 400


def test_login_redirects_to_a_safe_next(client: FlaskClient) -> None:
    client.get("/login")
    data = {"email": OWNER, "password": PASSWORD, "csrf_token": csrf(client), "next": "/calls"}
    assert client.post("/login", data=data).headers["Location"] == "/calls"
    client.post("/logout", data={"csrf_token": csrf(client)})
    client.get("/login")
    data = {"email": OWNER, "password": PASSWORD, "csrf_token": csrf(client), "next": "https://evil.example/"}
    assert client.post("/login", data=data).headers["Location"] == "/"


# -- Sign in with SSO ---------------------------------------------------------------------------------------------


def test_sign_in_with_sso_sends_an_authn_request(client: FlaskClient, app: object) -> None:
    answer = client.post("/login/sso", data={"email": "newbie@acme.example", "next": "/calls"})
    assert answer.status_code == 302
    request, query = decode_redirect(answer.headers["Location"])
    assert request.tag == q(SAMLP, "AuthnRequest")
    request_id = request.get("ID")
    assert request_id is not None and request_id.startswith("_") and len(request_id) == 33
    assert request.get("Version") == "2.0"
    assert parse_instant(request.get("IssueInstant")) == NOW
    assert request.get("Destination") == IDP_SSO_URL
    assert request.get("AssertionConsumerServiceURL") == ACS_URL
    assert request.get("ProtocolBinding") == BINDING_POST
    issuer = request.find(q(SAML, "Issuer"))
    assert issuer is not None and issuer.text == ENTITY_ID
    policy = request.find(q(SAMLP, "NameIDPolicy"))
    assert policy is not None and policy.get("Format") == NAMEID_EMAIL and policy.get("AllowCreate") == "true"
    assert query["RelayState"] == ["/calls"]
    with get_db(client.application).session() as session:
        record = session.get(AuthnRequestRecord, request_id)
        assert record is not None
        assert (record.purpose, record.relay_state, record.consumed) == ("login", "/calls", False)
        assert (record.expires_at - NOW).total_seconds() == 600


def test_sign_in_with_sso_via_get_link(client: FlaskClient) -> None:
    answer = client.get("/login/sso?email=newbie@acme.example")
    assert answer.status_code == 302
    _, query = decode_redirect(answer.headers["Location"])
    assert query["RelayState"] == ["/"]


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example", "/" + "x" * 80])
def test_relay_state_is_a_short_local_path(client: FlaskClient, next_path: str) -> None:
    answer = client.post("/login/sso", data={"email": "newbie@acme.example", "next": next_path})
    _, query = decode_redirect(answer.headers["Location"])
    assert query["RelayState"] == ["/"]


def test_sso_form_page_has_the_email_field(client: FlaskClient) -> None:
    page = client.get("/login/sso?next=/calls").get_data(as_text=True)
    assert 'name="email"' in page and 'value="/calls"' in page


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("someone@unknown.example", "No JustCall account uses single sign-on for unknown.example"),
        ("not-an-email", "Enter your company email address."),
    ],
    ids=["unknown-domain", "garbage"],
)
def test_sign_in_with_sso_explains_form_problems(client: FlaskClient, jc: JustCall, email: str, message: str) -> None:
    answer = client.post("/login/sso", data={"email": email})
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    error = page_text(answer, "sso-start-error")
    assert error is not None and message in error
    assert jc.activity() == []


@pytest.mark.parametrize(
    ("email", "slug", "reason", "category"),
    [
        ("pat@acme-pending.example", SLUG, "account.domain_unverified", "Your email domain is not verified for SSO"),
        ("sam@smallco.example", "smallco", "account.plan", "SSO requires the JustCall Business plan"),
        ("gina@globex.example", "globex", "account.sso_disabled", "SSO is not enabled for your account"),
    ],
    ids=["unverified", "standard-plan", "not-configured"],
)
def test_sign_in_with_sso_refusals_are_logged_with_a_reference(
    client: FlaskClient, jc: JustCall, email: str, slug: str, reason: str, category: str
) -> None:
    answer = client.post("/login/sso", data={"email": email})
    assert answer.status_code == 403
    assert "Location" not in answer.headers
    assert page_text(answer, "sso-error") == category
    assert page_text(answer, "sso-error-detail")
    entries = jc.activity(reference=page_text(answer, "sso-reference"))
    assert len(entries) == 1
    assert (entries[0]["reason"], entries[0]["account"], entries[0]["email"]) == (reason, slug, email)
    assert (entries[0]["flow"], entries[0]["outcome"]) == ("sp_initiated", "failure")
    assert reason not in answer.get_data(as_text=True)


def test_sign_in_with_sso_when_disabled(client: FlaskClient, jc: JustCall) -> None:
    jc.enable_sso(SLUG, False)
    answer = client.post("/login/sso", data={"email": "newbie@acme.example"})
    assert answer.status_code == 403
    assert page_text(answer, "sso-error") == "SSO is not enabled for your account"
    with get_db(client.application).session() as session:
        assert session.scalar(select(func.count()).select_from(AuthnRequestRecord)) == 0


# -- session pages ------------------------------------------------------------------------------------------------


def test_api_me_without_session(client: FlaskClient) -> None:
    answer = client.get("/api/me")
    assert answer.status_code == 401
    assert answer.json == {"error": "not signed in"}


def test_logout_ends_the_session(client: FlaskClient) -> None:
    sign_in(client, OWNER)
    assert client.get("/api/me").status_code == 200
    answer = client.post("/logout", data={"csrf_token": csrf(client)})
    assert answer.status_code == 303
    assert client.get("/api/me").status_code == 401


def test_logout_needs_the_csrf_token(client: FlaskClient) -> None:
    sign_in(client, OWNER)
    assert client.post("/logout").status_code == 400
    assert client.get("/api/me").status_code == 200


@pytest.mark.parametrize("path", ["/calls", "/contacts"])
def test_deep_links_require_sign_in(client: FlaskClient, path: str) -> None:
    answer = client.get(path + "?x=1")
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/login" and parse_qs(location.query) == {"next": [path + "?x=1"]}
    sign_in(client, OWNER)
    page = client.get(path)
    assert page.status_code == 200 and page_text(page, "signed-in-as") == OWNER


def test_landing_page_shows_the_signed_in_user(client: FlaskClient) -> None:
    sign_in(client, OWNER)
    page = client.get("/")
    assert page_text(page, "signed-in-as") == OWNER
    assert page_text(page, "user-role") == "Owner"
    assert page_text(page, "user-account") == "Acme Inc."
    assert 'action="/logout"' in page.get_data(as_text=True)


def test_landing_page_anonymous(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page_text(page, "signed-in-as") is None


def test_deleted_user_session_is_ignored(client: FlaskClient, jc: JustCall) -> None:
    sign_in(client, ADMIN)
    jc.reset()
    assert client.get("/api/me").status_code == 401


def test_unknown_page_is_a_plain_404(client: FlaskClient) -> None:
    answer = client.get("/no/such/page")
    assert answer.status_code == 404
    assert page_text(answer, "error-title") == "404 Not Found"


def test_post_to_an_unknown_page_is_404_not_a_csrf_error(client: FlaskClient) -> None:
    assert client.post("/no/such/page").status_code == 404
    assert client.post("/").status_code == 405


def test_session_cookie_is_named_justcall_session(client: FlaskClient) -> None:
    answer = sign_in(client, OWNER)
    assert any(h.startswith("justcall_session=") for h in answer.headers.getlist("Set-Cookie"))
    assert client.get_cookie("justcall_session") is not None


def test_unexpected_errors_show_a_plain_500_page(tmp_path: Path) -> None:
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'e.sqlite3'}"})

    def explode() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    answer = app.test_client().get("/explode")
    assert answer.status_code == 500
    body = answer.get_data(as_text=True)
    assert page_text(answer, "error-title") == "500 Internal Server Error"
    assert "secret internals" not in body and "Traceback" not in body
    app.extensions["justcall_db"].dispose()
