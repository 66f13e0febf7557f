"""JustCall's Single Logout: settings, Sign out with a signed LogoutRequest, Okta's LogoutResponse and LogoutRequest.

Okta's side of these tests is the mock Okta's message builder and signer (a second, independent implementation);
JustCall's query signatures are checked with the mock Okta's verifier.
"""

from __future__ import annotations

import base64
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sp_helpers import (
    ADMIN,
    ENTITY_ID,
    IDP_ISSUER,
    SLUG,
    FakeIdp,
    csrf,
    expect_rejected,
    page_text,
    post_acs,
)
from sp_test_idp import KeyPair

from justcall_sp.certificates import load_certificate
from justcall_sp.service import JustCall
from mock_idp.keys import Credential
from mock_idp.request_signature import verify_redirect_signature
from mock_idp.signing import sign_message
from mock_idp.slo import messages as okta_messages
from saml_xmlns import SAML, SAMLP, STATUS_SUCCESS, q

OKTA_SLO_URL = "http://idp.test/app/acme_justcall_1/exk5zt0r12Edi4rD20h7/slo/saml"
SLO_URL = f"{ENTITY_ID}/slo"
NEWBIE = "newbie@acme.example"


@pytest.fixture
def slo_on(accounts: JustCall) -> JustCall:
    assert accounts.set_single_logout(SLUG, True, OKTA_SLO_URL) == []
    return accounts


def _sso_sign_in(client: FlaskClient, fake_idp: FakeIdp, email: str = NEWBIE) -> None:
    assert post_acs(client, fake_idp.response(email)).status_code == 303
    assert client.get("/api/me").status_code == 200


def _okta_request(jc: JustCall, keys: KeyPair, name_id: str = NEWBIE, message_id: str | None = None) -> str:
    root = okta_messages.logout_request(IDP_ISSUER, SLO_URL, name_id, "_session", jc.now())
    if message_id is not None:
        root.set("ID", message_id)
    sign_message(root, Credential(keys.key, keys.cert))
    return okta_messages.post_value(root)


def _okta_response(jc: JustCall, keys: KeyPair, in_response_to: str, signed: bool = True) -> str:
    root = okta_messages.logout_response(IDP_ISSUER, SLO_URL, in_response_to, jc.now())
    if signed:
        sign_message(root, Credential(keys.key, keys.cert))
    return okta_messages.post_value(root)


def _inflate(location: str, param: str) -> etree._Element:
    query = parse_qs(urlsplit(location).query)
    return etree.fromstring(zlib.decompress(base64.b64decode(query[param][0]), -15))


def test_admin_switches_single_logout_on_and_sees_what_to_copy_into_okta(client: FlaskClient, jc: JustCall) -> None:
    from sp_helpers import become

    become(client, jc, ADMIN)
    token = csrf(client)
    missing = client.post("/settings/security/sso/single-logout", data={"csrf_token": token, "single_logout": "on"})
    assert missing.status_code == 400 and not jc.single_logout_settings(SLUG).enabled
    page = client.post(
        "/settings/security/sso/single-logout",
        data={"csrf_token": token, "single_logout": "on", "idp_slo_url": OKTA_SLO_URL},
    )
    assert page.status_code == 200
    assert page_text(page, "slo-status") == "On"
    assert page_text(page, "slo-url") == SLO_URL and page_text(page, "slo-sp-issuer") == ENTITY_ID
    assert jc.single_logout_settings(SLUG).idp_slo_url == OKTA_SLO_URL
    assert jc.advanced_settings(SLUG).signing_certificate_pem is not None
    assert jc.slo_urls(SLUG) == (SLO_URL, ENTITY_ID)


def test_sign_out_ends_the_session_and_sends_okta_a_signed_logout_request(
    client: FlaskClient, slo_on: JustCall, fake_idp: FakeIdp, idp_keys: KeyPair
) -> None:
    _sso_sign_in(client, fake_idp)
    out = client.post("/logout", data={"csrf_token": csrf(client)})
    assert out.status_code == 303 and out.headers["Location"].startswith(OKTA_SLO_URL + "?SAMLRequest=")
    assert client.get("/api/me").status_code == 401
    certificate = load_certificate(slo_on.signing_certificate(SLUG))
    verify_redirect_signature(urlsplit(out.headers["Location"]).query.encode(), certificate, "SAMLRequest")
    request = _inflate(out.headers["Location"], "SAMLRequest")
    assert request.tag == q(SAMLP, "LogoutRequest") and request.get("Destination") == OKTA_SLO_URL
    assert request.findtext(q(SAML, "Issuer")) == ENTITY_ID
    assert request.findtext(q(SAML, "NameID")) == NEWBIE
    assert request.findtext(q(SAMLP, "SessionIndex"))
    answer = {"SAMLResponse": _okta_response(slo_on, idp_keys, str(request.get("ID")))}
    done = client.post(f"/sso/saml/{SLUG}/slo", data=answer)
    assert done.status_code == 303 and urlsplit(done.headers["Location"]).path == "/login"
    again = client.post(f"/sso/saml/{SLUG}/slo", data=answer)
    expect_rejected(slo_on, again, "slo.in_response_to_unknown")


def test_sign_out_without_single_logout_stays_local(client: FlaskClient, accounts: JustCall, fake_idp: FakeIdp) -> None:
    _sso_sign_in(client, fake_idp)
    out = client.post("/logout", data={"csrf_token": csrf(client)})
    assert out.status_code == 303 and urlsplit(out.headers["Location"]).path == "/login"


def test_unsigned_logout_response_is_refused(
    client: FlaskClient, slo_on: JustCall, fake_idp: FakeIdp, idp_keys: KeyPair
) -> None:
    _sso_sign_in(client, fake_idp)
    request = _inflate(client.post("/logout", data={"csrf_token": csrf(client)}).headers["Location"], "SAMLRequest")
    unsigned = _okta_response(slo_on, idp_keys, str(request.get("ID")), signed=False)
    expect_rejected(slo_on, client.post(f"/sso/saml/{SLUG}/slo", data={"SAMLResponse": unsigned}), "signature.missing")


def test_okta_logout_request_ends_only_the_named_persons_sessions_and_is_answered(
    app: object, client: FlaskClient, slo_on: JustCall, fake_idp: FakeIdp, idp_keys: KeyPair
) -> None:
    other = client.application.test_client()
    _sso_sign_in(client, fake_idp, NEWBIE)
    _sso_sign_in(other, fake_idp, ADMIN)
    # Okta's LogoutRequest for the newbie arrives through the admin's browser: only the newbie is logged out.
    answer = other.post(f"/sso/saml/{SLUG}/slo", data={"SAMLRequest": _okta_request(slo_on, idp_keys)})
    assert answer.status_code == 303 and answer.headers["Location"].startswith(OKTA_SLO_URL + "?SAMLResponse=")
    assert other.get("/api/me").get_json()["email"] == ADMIN
    assert client.get("/api/me").status_code == 401
    response = _inflate(answer.headers["Location"], "SAMLResponse")
    assert response.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}").get("Value") == STATUS_SUCCESS  # type: ignore[union-attr]
    verify_redirect_signature(
        urlsplit(answer.headers["Location"]).query.encode(),
        load_certificate(slo_on.signing_certificate(SLUG)),
        "SAMLResponse",
    )
    # A new sign-in after the logout is a new session.
    _sso_sign_in(client, fake_idp, NEWBIE)


def test_replayed_okta_logout_request_is_refused(
    client: FlaskClient, slo_on: JustCall, fake_idp: FakeIdp, idp_keys: KeyPair
) -> None:
    _sso_sign_in(client, fake_idp)
    message = _okta_request(slo_on, idp_keys, message_id="id-replayed-1")
    assert client.post(f"/sso/saml/{SLUG}/slo", data={"SAMLRequest": message}).status_code == 303
    _sso_sign_in(client, fake_idp)
    expect_rejected(slo_on, client.post(f"/sso/saml/{SLUG}/slo", data={"SAMLRequest": message}), "slo.replay")
    assert client.get("/api/me").status_code == 200


def test_badly_signed_or_unsigned_okta_logout_request_keeps_the_session(
    client: FlaskClient, slo_on: JustCall, fake_idp: FakeIdp, other_keys: KeyPair, idp_keys: KeyPair
) -> None:
    _sso_sign_in(client, fake_idp)
    forged = client.post(f"/sso/saml/{SLUG}/slo", data={"SAMLRequest": _okta_request(slo_on, other_keys)})
    assert expect_rejected(slo_on, forged, "signature.untrusted_key", "Certificate error")
    root = okta_messages.logout_request(IDP_ISSUER, SLO_URL, NEWBIE, None, slo_on.now())
    unsigned = client.post(f"/sso/saml/{SLUG}/slo", data={"SAMLRequest": okta_messages.post_value(root)})
    expect_rejected(slo_on, unsigned, "signature.missing")
    assert client.get("/api/me").status_code == 200


def test_logout_messages_are_refused_while_single_logout_is_off(
    client: FlaskClient, accounts: JustCall, fake_idp: FakeIdp, idp_keys: KeyPair
) -> None:
    _sso_sign_in(client, fake_idp)
    refused = client.post(f"/sso/saml/{SLUG}/slo", data={"SAMLRequest": _okta_request(accounts, idp_keys)})
    expect_rejected(accounts, refused, "slo.disabled")
    assert client.get("/api/me").status_code == 200
