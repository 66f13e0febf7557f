"""Signed Requests: the mock Okta checks the SP's request signature (both bindings) with the Signature Certificate.

A second implementation checks each side: python3-saml (xmlsec) signs requests the mock Okta must accept, and
verifies what JustCall signs.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from flask.testing import FlaskClient
from idp_support import ACS_URL, JUSTCALL_ATTRIBUTES, SP_ENTITY_ID, authn_request_xml, post_encode, redirect_encode
from lxml import etree
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod

from justcall_sp.authn_request import redirect_url
from mock_idp.keys import Credential, make_credential
from mock_idp.model import SamlApp
from mock_idp.org import Org
from mock_idp.request_signature import (
    BadSignatureError,
    MissingSignatureError,
    RequestSignatureError,
    UnsupportedSigAlgError,
    verify_post_signature,
    verify_redirect_signature,
)
from saml_xmlns import ALG_RSA_SHA1, ALG_RSA_SHA256

onelogin_utils = pytest.importorskip("onelogin.saml2.utils", reason="python3-saml is a dev dependency")
xmlsec = pytest.importorskip("xmlsec", reason="python-xmlsec (python3-saml's dependency) is not installed")
Saml2Utils = onelogin_utils.OneLogin_Saml2_Utils
OneLogin_Saml2_Auth = pytest.importorskip("onelogin.saml2.auth").OneLogin_Saml2_Auth

SSO = "http://127.0.0.1:5000/app/acme_justcall_1/exk1/sso/saml"
SIGNED_TOO_LATE = "The SAML request signature is invalid"


@pytest.fixture(scope="module")
def sp_key() -> Credential:
    """JustCall's signing key pair (made at run time)."""
    return make_credential("justcall-signing", datetime(2026, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def other_key() -> Credential:
    """A key Okta does not know (JustCall regenerated its signing key)."""
    return make_credential("justcall-signing", datetime(2026, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


def _query(url: str) -> bytes:
    return urlsplit(url).query.encode("ascii")


def _key_pem(credential: Credential) -> str:
    return credential.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _onelogin_signed_query(
    credential: Credential, xml: bytes, relay_state: str, sig_alg: str = ALG_RSA_SHA256, lowercase: bool = False
) -> bytes:
    # python3-saml's own Redirect-binding recipe: escape each value, join, sign with xmlsec.
    transform = xmlsec.Transform.RSA_SHA256 if sig_alg == ALG_RSA_SHA256 else xmlsec.Transform.RSA_SHA1

    def escape(value: str) -> str:
        return str(Saml2Utils.escape_url(value, lowercase))

    signed = f"SAMLRequest={escape(redirect_encode(xml))}&RelayState={escape(relay_state)}&SigAlg={escape(sig_alg)}"
    signature = Saml2Utils.sign_binary(signed, _key_pem(credential), algorithm=transform)
    return f"{signed}&Signature={quote_plus(base64.b64encode(signature).decode())}".encode()


# ------------------------------------------------------------------------------------------ HTTP-Redirect


def test_justcalls_signed_query_round_trips_and_python3_saml_verifies_it(sp_key: Credential) -> None:
    url = redirect_url(SSO, authn_request_xml("_rt"), "/dial?x=1&y=2", sp_key.private_key)
    query = _query(url)
    verify_redirect_signature(query, sp_key.certificate)
    fields = parse_qs(query.decode())
    assert fields["SigAlg"] == [ALG_RSA_SHA256] and "Signature" in fields and fields["RelayState"] == ["/dial?x=1&y=2"]
    assert b"<ds:Signature" not in redirect_url(SSO, authn_request_xml("_rt"), None, sp_key.private_key).encode()
    # python3-saml rebuilds the signed octets from the query as received and checks them with xmlsec.
    signed_octets = OneLogin_Saml2_Auth._build_sign_query_from_qs(query.decode(), "SAMLRequest")
    signature = base64.b64decode(fields["Signature"][0])
    assert Saml2Utils.validate_binary_sign(signed_octets, signature, sp_key.cert_pem.decode(), ALG_RSA_SHA256)
    assert not Saml2Utils.validate_binary_sign(signed_octets + "x", signature, sp_key.cert_pem.decode(), ALG_RSA_SHA256)


def test_the_unsigned_path_is_unchanged(sp_key: Credential) -> None:
    unsigned = redirect_url(SSO, authn_request_xml("_u"), "/dial")
    assert set(parse_qs(urlsplit(unsigned).query)) == {"SAMLRequest", "RelayState"}
    assert unsigned == f"{SSO}?SAMLRequest={quote_plus(redirect_encode(authn_request_xml('_u')))}&RelayState=%2Fdial"


@pytest.mark.parametrize(
    ("sig_alg", "lowercase"), [(ALG_RSA_SHA256, False), (ALG_RSA_SHA1, False), (ALG_RSA_SHA256, True)]
)
def test_mock_okta_accepts_a_request_python3_saml_signed(sp_key: Credential, sig_alg: str, lowercase: bool) -> None:
    # Lower-case percent-encoding (ADFS style) verifies too: the signed octets are the query as received.
    query = _onelogin_signed_query(sp_key, authn_request_xml("_ol"), "/x", sig_alg, lowercase)
    assert (b"%2f" in query) is lowercase
    verify_redirect_signature(query, sp_key.certificate)


def test_mock_okta_refuses_bad_query_signatures(sp_key: Credential, other_key: Credential) -> None:
    good = _query(redirect_url(SSO, authn_request_xml("_bad"), "/dial", sp_key.private_key))
    cases: list[tuple[bytes, type[RequestSignatureError], str]] = [
        (_query(redirect_url(SSO, authn_request_xml("_bad"), "/dial")), MissingSignatureError, "not signed"),
        (good.replace(b"RelayState=%2Fdial", b"RelayState=%2Fadmin"), BadSignatureError, SIGNED_TOO_LATE),
        (good + b"&SigAlg=x", RequestSignatureError, "SigAlg more than once"),
        (good.replace(quote_plus(ALG_RSA_SHA256).encode(), b"hmac"), UnsupportedSigAlgError, "'hmac' is not supported"),
        (good.split(b"&Signature=")[0] + b"&Signature=%%%", BadSignatureError, "not valid base64"),
    ]
    for query, error, message in cases:
        with pytest.raises(error, match=message):
            verify_redirect_signature(query, sp_key.certificate)
    with pytest.raises(BadSignatureError, match=SIGNED_TOO_LATE):
        verify_redirect_signature(good, other_key.certificate)
    tampered = redirect_encode(authn_request_xml("_bad", acs_url="https://evil.test/acs"))
    swapped = b"SAMLRequest=" + quote_plus(tampered).encode() + b"&" + good.split(b"&", 1)[1]
    with pytest.raises(BadSignatureError):
        verify_redirect_signature(swapped, sp_key.certificate)


# ------------------------------------------------------------------------------------------ HTTP-POST


def _signxml_signed(credential: Credential, xml: bytes) -> bytes:
    signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signed = signer.sign(etree.fromstring(xml), key=credential.private_key, cert=[credential.certificate])
    return etree.tostring(signed)


def test_mock_okta_verifies_enveloped_signatures_from_two_implementations(sp_key: Credential) -> None:
    xml = authn_request_xml("_post")
    by_xmlsec = Saml2Utils.add_sign(xml, _key_pem(sp_key), sp_key.cert_pem.decode())
    for signed in (_signxml_signed(sp_key, xml), by_xmlsec):
        assert b"_post" in verify_post_signature(signed, sp_key.certificate)


def test_mock_okta_refuses_bad_enveloped_signatures(sp_key: Credential, other_key: Credential) -> None:
    signed = _signxml_signed(sp_key, authn_request_xml("_post"))
    with pytest.raises(MissingSignatureError):
        verify_post_signature(authn_request_xml("_post"), sp_key.certificate)
    with pytest.raises(BadSignatureError):
        verify_post_signature(signed, other_key.certificate)
    with pytest.raises(BadSignatureError):
        verify_post_signature(signed.replace(ACS_URL.encode(), b"https://evil.test/acs"), sp_key.certificate)


# ------------------------------------------------------------------------------------------ HTTP


@pytest.fixture
def signed_app(web_org: Org, sp_key: Credential) -> SamlApp:
    app = web_org.create_saml_app("JustCall", ACS_URL, SP_ENTITY_ID, JUSTCALL_ATTRIBUTES)
    return web_org.update_saml_app(app.id, request_signed=True, signature_certificate=sp_key.cert_pem.decode())


def _path(app: SamlApp) -> str:
    return f"/app/{app.name}/{app.external_key}/sso/saml"


def test_sso_endpoint_refuses_unsigned_and_badly_signed_requests_and_logs_them(
    client: FlaskClient, web_org: Org, signed_app: SamlApp, sp_key: Credential, other_key: Credential
) -> None:
    xml = authn_request_xml("_http")
    unsigned = client.get(_path(signed_app), query_string={"SAMLRequest": redirect_encode(xml)})
    wrong_key = client.get(
        f"{_path(signed_app)}?{_query(redirect_url(SSO, xml, None, other_key.private_key)).decode()}"
    )
    posted = client.post(_path(signed_app), data={"SAMLRequest": post_encode(xml)})
    for response, reason in ((unsigned, "not signed"), (wrong_key, SIGNED_TOO_LATE), (posted, "not signed")):
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "<title>400 Bad Request</title>" in page and reason in page
        assert "stateToken" not in page and "SAMLResponse" not in page
    assert [(e.outcome, e.request_id, e.request_xml) for e in web_org.log] == [("bad_request", "_http", xml)] * 3


def test_sso_endpoint_accepts_signed_requests_in_both_bindings(
    client: FlaskClient, web_org: Org, signed_app: SamlApp, sp_key: Credential
) -> None:
    redirect = client.get(
        f"{_path(signed_app)}?{_query(redirect_url(SSO, authn_request_xml('_r'), '/x', sp_key.private_key)).decode()}"
    )
    posted = client.post(
        _path(signed_app), data={"SAMLRequest": post_encode(_signxml_signed(sp_key, authn_request_xml("_p")))}
    )
    for response in (redirect, posted):
        assert response.status_code == 302 and "/login/login.htm" in response.headers["Location"]
    assert web_org.log == []


def test_signatures_are_ignored_while_signed_requests_is_off(
    client: FlaskClient, web_org: Org, sp_key: Credential, other_key: Credential
) -> None:
    app = web_org.create_saml_app("JustCall", ACS_URL, SP_ENTITY_ID, JUSTCALL_ATTRIBUTES)
    web_org.update_saml_app(app.id, signature_certificate=sp_key.cert_pem.decode())
    query = _query(redirect_url(SSO, authn_request_xml("_off"), None, other_key.private_key)).decode()
    assert client.get(f"{_path(app)}?{query}").status_code == 302
