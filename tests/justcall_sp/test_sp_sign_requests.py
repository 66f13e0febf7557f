"""Sign AuthnRequests: Sign in with SSO and Test Connection sign the HTTP-Redirect query (SAML Bindings 3.4.4.1).

xmlsec (python3-saml's library) verifies the query signature with the certificate the admin downloads for Okta.
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from flask.testing import FlaskClient
from lxml import etree
from sp_helpers import ADMIN, IDP_SSO_URL, SLUG, become, csrf, decode_redirect, page_text

from justcall_sp.service import JustCall
from saml_xmlns import ALG_RSA_SHA256, DS, MD, q

Saml2Utils = pytest.importorskip("onelogin.saml2.utils", reason="python3-saml is a dev dependency").OneLogin_Saml2_Utils
Saml2Auth = pytest.importorskip("onelogin.saml2.auth").OneLogin_Saml2_Auth

SETTINGS = "/settings/security/sso"


def _verified_by_xmlsec(location: str, certificate_pem: bytes) -> bool:
    query = urlsplit(location).query
    signed_octets = Saml2Auth._build_sign_query_from_qs(query, "SAMLRequest")
    signature = base64.b64decode(parse_qs(query)["Signature"][0])
    return bool(Saml2Utils.validate_binary_sign(signed_octets, signature, certificate_pem.decode(), ALG_RSA_SHA256))


def _switch(client: FlaskClient, action: str) -> str | None:
    answer = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": action})
    assert answer.status_code == 200
    return page_text(answer, "sign-requests-status")


def test_sign_in_with_sso_signs_the_request_only_when_switched_on(client: FlaskClient, jc: JustCall) -> None:
    unsigned = client.post("/login/sso", data={"email": "newbie@acme.example"}).headers["Location"]
    assert set(parse_qs(urlsplit(unsigned).query)) == {"SAMLRequest", "RelayState"}
    become(client, jc, ADMIN)
    assert _switch(client, "sign_requests_on") == "On" and jc.advanced_settings(SLUG).sign_authn_requests
    client.post("/logout", data={"csrf_token": csrf(client)})
    location = client.post("/login/sso", data={"email": "newbie@acme.example", "next": "/calls"}).headers["Location"]
    assert location.startswith(IDP_SSO_URL + "?SAMLRequest=")
    request, query = decode_redirect(location)
    assert list(query) == ["SAMLRequest", "RelayState", "SigAlg", "Signature"]
    assert query["SigAlg"] == [ALG_RSA_SHA256] and query["RelayState"] == ["/calls"]
    assert request.find(f".//{q(DS, 'Signature')}") is None  # Redirect binding: no XML signature inside
    certificate = jc.signing_certificate(SLUG)
    assert _verified_by_xmlsec(location, certificate)
    tampered = location.replace("RelayState=%2Fcalls", "RelayState=%2Fadmin")
    assert not _verified_by_xmlsec(tampered, certificate)


def test_test_connection_signs_and_a_new_key_no_longer_matches_the_old_certificate(
    client: FlaskClient, jc: JustCall
) -> None:
    become(client, jc, ADMIN)
    _switch(client, "sign_requests_on")
    old = jc.signing_certificate(SLUG)
    first = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "test"}).headers["Location"]
    assert "&Signature=" in first and _verified_by_xmlsec(first, old)
    assert _switch(client, "rotate_signing") == "On"
    second = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "test"}).headers["Location"]
    assert not _verified_by_xmlsec(second, old) and _verified_by_xmlsec(second, jc.signing_certificate(SLUG))
    assert _switch(client, "sign_requests_off") == "Off"
    third = client.post(SETTINGS, data={"csrf_token": csrf(client), "action": "test"}).headers["Location"]
    assert "Signature" not in parse_qs(urlsplit(third).query)


def test_metadata_lists_the_signing_certificate_while_requests_are_signed(client: FlaskClient, jc: JustCall) -> None:
    def descriptor() -> etree._Element:
        sp = etree.fromstring(client.get(f"/sso/saml/{SLUG}/metadata").data).find(q(MD, "SPSSODescriptor"))
        assert sp is not None
        return sp

    assert descriptor().get("AuthnRequestsSigned") == "false" and descriptor().find(q(MD, "KeyDescriptor")) is None
    jc.set_sign_authn_requests(SLUG, True)
    sp = descriptor()
    key = sp.find(q(MD, "KeyDescriptor"))
    assert sp.get("AuthnRequestsSigned") == "true" and key is not None and key.get("use") == "signing"
    listed = key.findtext(f".//{q(DS, 'X509Certificate')}")
    pem = jc.signing_certificate(SLUG)
    assert listed and base64.b64decode(listed) == x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
    assert [etree.QName(child).localname for child in sp] == [
        "KeyDescriptor",
        "NameIDFormat",
        "AssertionConsumerService",
    ]
