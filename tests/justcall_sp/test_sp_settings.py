"""Settings -> Security -> Single Sign-On: admins only, plan and domain rules, certificates, Test Connection."""

from __future__ import annotations

from flask.testing import FlaskClient
from sp_helpers import (
    ACS_URL,
    ADMIN,
    AGENT,
    ENTITY_ID,
    IDP_ISSUER,
    IDP_SSO_URL,
    OWNER,
    PASSWORD,
    SLUG,
    FakeIdp,
    become,
    csrf,
    decode_redirect,
    page_text,
    post_acs,
    sign_in,
    upload,
)
from sp_test_idp import KeyPair
from werkzeug.test import TestResponse

from justcall_sp.db import get_db
from justcall_sp.models import AuthnRequestRecord
from justcall_sp.service import JustCall

SETTINGS = "/settings/security/sso"


def _save(client: FlaskClient, certificate: tuple[object, str] | None = None, **fields: str) -> TestResponse:
    data: dict[str, object] = {
        "csrf_token": csrf(client),
        "action": "save",
        "idp_sso_url": IDP_SSO_URL,
        "idp_issuer": IDP_ISSUER,
        "default_role": "Agent",
        "allow_idp_initiated": "1",
    }
    data.update(fields)
    if certificate is not None:
        data["certificate"] = certificate
    return client.post(SETTINGS, data=data, content_type="multipart/form-data")


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    answer = client.get(SETTINGS)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")


def test_non_admins_get_403(client: FlaskClient, jc: JustCall) -> None:
    become(client, jc, AGENT)
    assert client.get(SETTINGS).status_code == 403
    assert client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "disable"}).status_code == 403
    assert jc.sso_settings(SLUG).enabled


def test_owner_sees_the_urls_to_copy(client: FlaskClient) -> None:
    sign_in(client, OWNER)
    page = client.get(SETTINGS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'id="acs-url" type="text" value="{ACS_URL}" readonly' in html
    assert f'id="entity-id" type="text" value="{ENTITY_ID}" readonly' in html
    for label in (
        "ACS URL",
        "Entity ID",
        "SSO URL",
        "Issuer / Entity ID",
        "Certificate",
        "Default Role for new SSO users",
        "Allow sign-in from the Okta dashboard (IdP-initiated)",
    ):
        assert f">{label}</label>" in html
    for button in ("Save Configuration", "Test Connection", "Disable SSO"):
        assert button in html
    assert "SAML 2.0" in html
    assert page_text(page, "certificate-subject") == "CN=acme,OU=SSOProvider,O=Okta,C=US"


def test_admin_can_open_the_page(client: FlaskClient, jc: JustCall) -> None:
    become(client, jc, ADMIN)
    assert client.get(SETTINGS).status_code == 200


def test_standard_plan_shows_the_upgrade_message(client: FlaskClient) -> None:
    sign_in(client, "sam@smallco.example")
    page = client.get(SETTINGS)
    assert page.status_code == 200
    assert "SSO is available on the Business plan" in (page_text(page, "sso-upgrade") or "")
    assert 'name="idp_sso_url"' not in page.get_data(as_text=True)
    assert client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "enable"}).status_code == 403


def _newco(jc: JustCall, verified: bool) -> None:
    jc.create_account("newco", "New Co")
    jc.add_domain("newco", "newco.example", verified=verified)
    jc.add_user("newco", "nora@newco.example", "Nora", "New", "Owner", password=PASSWORD, is_owner=True)


def test_enable_requires_a_verified_domain(client: FlaskClient, jc: JustCall) -> None:
    _newco(jc, verified=False)
    sign_in(client, "nora@newco.example")
    page = client.get(SETTINGS)
    assert "verified email domain is required" in (page_text(page, "domain-required") or "")
    answer = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "enable", "protocol": "saml2"})
    assert answer.status_code == 400
    assert "verified email domain is required" in (page_text(answer, "form-errors") or "")
    assert not jc.sso_settings("newco").enabled


def test_enable_and_disable(client: FlaskClient, jc: JustCall) -> None:
    _newco(jc, verified=True)
    sign_in(client, "nora@newco.example")
    answer = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "enable", "protocol": "saml2"})
    assert answer.status_code == 200 and page_text(answer, "sso-status") == "Enabled"
    assert jc.sso_settings("newco").enabled
    answer = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "disable"})
    assert page_text(answer, "sso-status") == "Disabled"
    assert not jc.sso_settings("newco").enabled


def test_only_saml2_can_be_enabled(client: FlaskClient, jc: JustCall) -> None:
    _newco(jc, verified=True)
    sign_in(client, "nora@newco.example")
    answer = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "enable", "protocol": "oidc"})
    assert answer.status_code == 400 and not jc.sso_settings("newco").enabled


def test_save_with_a_pem_certificate(client: FlaskClient, jc: JustCall, other_keys: KeyPair) -> None:
    sign_in(client, OWNER)
    answer = _save(client, upload(other_keys.cert_pem), default_role="Supervisor")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert page_text(answer, "notice") == "Configuration saved."
    settings = jc.sso_settings(SLUG)
    assert settings.default_role == "Supervisor"
    assert jc.pinned_certificate(SLUG) == other_keys.cert_der


def test_save_with_a_der_certificate(client: FlaskClient, jc: JustCall, other_keys: KeyPair) -> None:
    sign_in(client, OWNER)
    answer = _save(client, upload(other_keys.cert_der, "okta.der"))
    assert answer.status_code == 200
    assert jc.pinned_certificate(SLUG) == other_keys.cert_der


def test_not_a_certificate_keeps_the_previous_configuration(
    client: FlaskClient, jc: JustCall, idp_keys: KeyPair
) -> None:
    sign_in(client, OWNER)
    before = jc.sso_settings(SLUG)
    answer = _save(
        client, upload(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"), idp_sso_url="https://x.test/"
    )
    assert answer.status_code == 400
    assert "not an X.509 certificate" in (page_text(answer, "form-errors") or "")
    assert jc.sso_settings(SLUG) == before
    assert jc.pinned_certificate(SLUG) == idp_keys.cert_der


def test_expired_certificate_is_saved_with_a_warning(client: FlaskClient, jc: JustCall, expired_keys: KeyPair) -> None:
    sign_in(client, OWNER)
    answer = _save(client, upload(expired_keys.cert_pem))
    assert answer.status_code == 200
    assert "expired" in (page_text(answer, "form-warnings") or "")
    assert page_text(answer, "certificate-expired") is not None
    assert jc.pinned_certificate(SLUG) == expired_keys.cert_der


def test_save_without_a_file_keeps_the_certificate(client: FlaskClient, jc: JustCall, idp_keys: KeyPair) -> None:
    sign_in(client, OWNER)
    answer = _save(client, None, allow_idp_initiated="")
    assert answer.status_code == 200
    assert jc.pinned_certificate(SLUG) == idp_keys.cert_der


def test_unchecked_box_disallows_idp_initiated(client: FlaskClient, jc: JustCall) -> None:
    sign_in(client, OWNER)
    data = {"csrf_token": csrf(client), "action": "save", "idp_sso_url": IDP_SSO_URL, "idp_issuer": IDP_ISSUER}
    assert client.post(SETTINGS, data=data).status_code == 200
    assert not jc.sso_settings(SLUG).allow_idp_initiated


def test_bad_url_is_refused_and_nothing_changes(client: FlaskClient, jc: JustCall) -> None:
    sign_in(client, OWNER)
    before = jc.sso_settings(SLUG)
    answer = _save(client, None, idp_sso_url="ftp://idp.test/sso")
    assert answer.status_code == 400
    assert "SSO URL must be an absolute http:// or https:// URL." in (page_text(answer, "form-errors") or "")
    assert jc.sso_settings(SLUG) == before


def test_empty_issuer_and_bad_role_are_refused(client: FlaskClient, jc: JustCall) -> None:
    sign_in(client, OWNER)
    answer = _save(client, None, idp_issuer=" ", default_role="Owner")
    errors = page_text(answer, "form-errors") or ""
    assert answer.status_code == 400
    assert "Issuer / Entity ID is required." in errors and "Default Role must be one of" in errors


def test_missing_csrf_token_is_refused(client: FlaskClient, jc: JustCall) -> None:
    sign_in(client, OWNER)
    assert client.post(SETTINGS, data={"action": "disable"}).status_code == 400
    assert jc.sso_settings(SLUG).enabled


def test_unknown_action_is_400(client: FlaskClient) -> None:
    sign_in(client, OWNER)
    assert client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "explode"}).status_code == 400


def _start_test(client: FlaskClient) -> str:
    answer = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "test"})
    assert answer.status_code == 302 and answer.headers["Location"].startswith(IDP_SSO_URL)
    request, query = decode_redirect(answer.headers["Location"])
    assert query["RelayState"] == [SETTINGS]
    request_id = request.get("ID")
    assert request_id is not None
    with get_db(client.application).session() as session:
        record = session.get(AuthnRequestRecord, request_id)
        assert record is not None and record.purpose == "test"
    return request_id


def test_test_connection_success_is_shown_without_signing_in(
    client: FlaskClient, jc: JustCall, fake_idp: FakeIdp
) -> None:
    sign_in(client, OWNER)
    request_id = _start_test(client)
    answer = post_acs(client, fake_idp.response("tester@acme.example", in_response_to=request_id), SETTINGS)
    assert answer.status_code == 303 and answer.headers["Location"] == SETTINGS
    me = client.get("/api/me").json
    assert me is not None and me["email"] == OWNER  # the admin's own session is untouched
    assert jc.get_user("tester@acme.example") is None  # no JIT for a test
    page = client.get(SETTINGS)
    assert "Test Connection succeeded" in (page_text(page, "test-result") or "")
    assert page_text(page, "test-identity") == "tester@acme.example"
    assert jc.activity(SLUG)[0]["flow"] == "test"


def test_test_connection_failure_shows_the_exact_reason(client: FlaskClient, jc: JustCall, fake_idp: FakeIdp) -> None:
    sign_in(client, OWNER)
    request_id = _start_test(client)
    xml = fake_idp.response(in_response_to=request_id, audience=ENTITY_ID + "/")
    answer = post_acs(client, xml, SETTINGS)
    assert answer.status_code == 303 and answer.headers["Location"] == SETTINGS
    page = client.get(SETTINGS)
    assert "Test Connection failed" in (page_text(page, "test-result") or "")
    assert page_text(page, "test-reason") == "audience.mismatch"
    assert ENTITY_ID + "/" in (page_text(page, "test-detail") or "")


def test_test_connection_needs_a_saved_configuration(client: FlaskClient, jc: JustCall) -> None:
    _newco(jc, verified=True)
    sign_in(client, "nora@newco.example")
    answer = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "test"})
    assert answer.status_code == 400
    assert "before testing" in (page_text(answer, "form-errors") or "")


def test_activity_page_for_admins(client: FlaskClient, jc: JustCall, fake_idp: FakeIdp) -> None:
    post_acs(client.application.test_client(), fake_idp.response(audience="urn:wrong"))
    become(client, jc, AGENT)
    assert client.get(SETTINGS + "/activity").status_code == 403
    sign_in(client, OWNER)
    page = client.get(SETTINGS + "/activity")
    assert page.status_code == 200
    table = page_text(page, "sso-activity") or ""
    assert "audience.mismatch" in table and "failure" in table
