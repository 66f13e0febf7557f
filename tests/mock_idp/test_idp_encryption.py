"""Assertion Encryption: python3-saml (xmlsec) decrypts and validates it, and it has the real Okta sample's shape."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from idp_support import ACS_URL, JUSTCALL_ATTRIBUTES, SP_ENTITY_ID, issue_for, parse, verify, xp
from lxml import etree

from mock_idp.encryption import pad
from mock_idp.faults import FaultPlan
from mock_idp.keys import Credential, KeyPool, make_credential
from mock_idp.model import SamlApp, User
from mock_idp.org import Org, utc_now
from saml_harness.data import okta_interop_dir
from saml_xmlns import ENC_AES256_CBC, ENC_TYPE_ELEMENT, ENC_TYPE_ENCRYPTED_KEY, KT_RSA_1_5, KT_RSA_OAEP_MGF1P

REAL_SAMPLE = okta_interop_dir() / "oktaenc_response.xml"


@pytest.fixture
def sp_key(key_pool: KeyPool, org: Org) -> Credential:
    """JustCall's encryption key pair (the SP generates it; the IdP only ever sees the certificate)."""
    now = org.clock()
    return make_credential(
        "justcall-encryption",
        now.replace(year=now.year - 1),
        now.replace(year=now.year + 1),
        private_key=key_pool.source()(2048),
    )


def _encrypt(org: Org, app: SamlApp, sp_key: Credential, **settings: object) -> SamlApp:
    return org.update_saml_app(
        app.id, assertion_encrypted=True, encryption_certificate=sp_key.cert_pem.decode(), **settings
    )


def _shape(element: etree._Element) -> list[str]:
    """Element order as prefix:local paths (attributes and text left out)."""
    out: list[str] = []

    def walk(node: etree._Element, path: str) -> None:
        here = f"{path}/{node.prefix}:{etree.QName(node).localname}"
        out.append(here)
        for child in node:
            if isinstance(child.tag, str):
                walk(child, here)

    walk(element, "")
    return out


def test_encrypted_response_has_one_encrypted_assertion_and_no_plaintext(
    org: Org, justcall: SamlApp, ann: User, sp_key: Credential
) -> None:
    app = _encrypt(org, justcall, sp_key)
    xml = issue_for(org, app, ann).xml
    root = parse(xml)
    assert xp(root, "//saml2:Assertion") == []
    assert len(xp(root, "saml2:EncryptedAssertion/xenc:EncryptedData")) == 1
    assert b"ann@acme.test" not in xml
    assert "xs" not in root.nsmap  # the attributes' xs declaration went into the ciphertext, as in Okta's sample
    verify(xml, org.active_certificate_pem(app.id))  # the Response signature covers the ciphertext


def test_encrypted_data_refers_to_a_sibling_encrypted_key_holding_the_sp_certificate(
    org: Org, justcall: SamlApp, ann: User, sp_key: Credential
) -> None:
    root = parse(issue_for(org, _encrypt(org, justcall, sp_key), ann).xml)
    data = xp(root, "saml2:EncryptedAssertion/xenc:EncryptedData")[0]
    key = xp(root, "saml2:EncryptedAssertion/xenc:EncryptedKey")[0]
    assert data.get("Type") == ENC_TYPE_ELEMENT
    assert xp(data, "xenc:EncryptionMethod")[0].get("Algorithm") == ENC_AES256_CBC
    retrieval = xp(data, "ds:KeyInfo/ds:RetrievalMethod")[0]
    assert retrieval.get("Type") == ENC_TYPE_ENCRYPTED_KEY and retrieval.get("URI") == f"#{key.get('Id')}"
    assert xp(key, "xenc:EncryptionMethod")[0].get("Algorithm") == KT_RSA_OAEP_MGF1P
    assert xp(key, "xenc:ReferenceList/xenc:DataReference")[0].get("URI") == f"#{data.get('Id')}"
    cert_b64 = "".join(xp(key, "ds:KeyInfo/ds:X509Data/ds:X509Certificate")[0].text.split())  # type: ignore[union-attr]
    assert base64.b64decode(cert_b64) == sp_key.certificate.public_bytes(Encoding.DER)


def test_rsa_1_5_key_transport_has_no_digest_method(org: Org, justcall: SamlApp, ann: User, sp_key: Credential) -> None:
    root = parse(issue_for(org, _encrypt(org, justcall, sp_key, key_transport_algorithm="RSA_15"), ann).xml)
    method = xp(root, "saml2:EncryptedAssertion/xenc:EncryptedKey/xenc:EncryptionMethod")[0]
    assert method.get("Algorithm") == KT_RSA_1_5 and len(method) == 0


def test_encryption_needs_a_certificate_and_known_algorithms(org: Org, justcall: SamlApp, sp_key: Credential) -> None:
    with pytest.raises(ValueError, match="no encryption certificate"):
        org.update_saml_app(justcall.id, assertion_encrypted=True)
    with pytest.raises(ValueError, match="encryption algorithm"):
        _encrypt(org, justcall, sp_key, encryption_algorithm="DES")
    with pytest.raises(ValueError, match="PEM"):
        org.update_saml_app(justcall.id, assertion_encrypted=True, encryption_certificate="not a certificate")


@pytest.mark.skipif(not REAL_SAMPLE.exists(), reason="the real Okta encrypted sample is not on this machine")
def test_structure_matches_the_real_okta_encrypted_response(
    org: Org, justcall: SamlApp, ann: User, sp_key: Credential
) -> None:
    real = etree.fromstring(REAL_SAMPLE.read_bytes())
    # The sample signs only the Response; Okta's "Assertion Signature" is a separate setting (ours: Signed).
    app = _encrypt(org, justcall, sp_key)
    ours = parse(issue_for(org, app, ann, request_id="_req-1", plan=FaultPlan()).xml)
    assert _shape(ours) == _shape(real)
    real_key, our_key = (xp(r, "saml2:EncryptedAssertion/xenc:EncryptedKey")[0] for r in (real, ours))
    real_data, our_data = (xp(r, "saml2:EncryptedAssertion/xenc:EncryptedData")[0] for r in (real, ours))
    for mine, theirs in ((our_data, real_data), (our_key, real_key)):
        assert [etree.QName(c).localname for c in mine] == [etree.QName(c).localname for c in theirs]
        for a, b in zip(mine.iter(), theirs.iter(), strict=True):
            assert sorted(a.attrib) == sorted(b.attrib)
            if "Algorithm" in b.attrib or "Type" in b.attrib:
                assert (a.get("Algorithm"), a.get("Type")) == (b.get("Algorithm"), b.get("Type"))
    # Okta's serializer declares xmlns:xenc again on EncryptionMethod and CipherData.
    for element in (*xp(ours, "//xenc:EncryptionMethod"), *xp(ours, "//xenc:CipherData")):
        assert b'xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"' in etree.tostring(element).split(b">", 1)[0]
    # Signatures: exactly one outside the encryption, on the Response, with no InclusiveNamespaces (no xs).
    for root in (real, ours):
        assert len(xp(root, "//ds:Signature")) == 1 and xp(root, "ds:Signature")
        assert xp(root, "ds:Signature//ec:InclusiveNamespaces") == []
    assert real.nsmap.keys() == ours.nsmap.keys()


# ------------------------------------------------------------------------------------------ interop (xmlsec)


def _python3_saml(org: Org, app: SamlApp, sp_key: Credential) -> object:
    from cryptography.hazmat.primitives import serialization
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    private_pem = sp_key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    return OneLogin_Saml2_Settings(
        {
            "strict": True,
            "sp": {
                "entityId": SP_ENTITY_ID,
                "assertionConsumerService": {
                    "url": ACS_URL,
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
                "x509cert": sp_key.cert_pem.decode(),
                "privateKey": private_pem,
            },
            "idp": {
                "entityId": org.issuer(app),
                "singleSignOnService": {"url": org.sso_url(app)},
                "x509cert": org.active_certificate_pem(app.id).decode(),
            },
            "security": {
                "wantAssertionsEncrypted": True,
                "wantAssertionsSigned": app.assertion_signed,
                "wantMessagesSigned": True,
            },
        },
        sp_validation_only=True,
    )


@pytest.mark.parametrize(
    ("algorithm", "transport"),
    [
        ("AES256_CBC", "RSA_OAEP"),
        ("AES128_CBC", "RSA_OAEP"),
        ("AES256_GCM", "RSA_OAEP"),
        ("AES128_GCM", "RSA_OAEP"),
        ("AES256_CBC", "RSA_15"),
    ],
)
@pytest.mark.parametrize("assertion_signed", [True, False], ids=["assertion-signed", "response-only"])
def test_python3_saml_decrypts_and_validates_the_encrypted_response(
    org: Org, ann: User, sp_key: Credential, algorithm: str, transport: str, assertion_signed: bool
) -> None:
    pytest.importorskip("onelogin.saml2", reason="python3-saml is not installed")
    from onelogin.saml2.response import OneLogin_Saml2_Response

    org.clock = utc_now  # python3-saml checks the time window against the real clock
    app = org.create_saml_app("JustCall 2", ACS_URL, SP_ENTITY_ID, JUSTCALL_ATTRIBUTES)
    org.assign_user(app.id, ann.id)
    app = _encrypt(
        org,
        app,
        sp_key,
        encryption_algorithm=algorithm,
        key_transport_algorithm=transport,
        assertion_signed=assertion_signed,
    )
    issued = issue_for(org, app, ann, request_id="ONELOGIN_req1")
    acs = urlsplit(ACS_URL)
    request_data = {"http_host": acs.netloc, "script_name": acs.path, "https": "off"}
    response = OneLogin_Saml2_Response(_python3_saml(org, app, sp_key), issued.b64)
    assert response.is_valid(request_data, "ONELOGIN_req1", raise_exceptions=True)
    assert response.get_nameid() == "ann@acme.test"
    assert response.get_attributes() == {"email": ["ann@acme.test"], "firstName": ["Ann"], "lastName": ["Lee"]}


def test_python3_saml_refuses_a_response_encrypted_to_another_key(org: Org, ann: User, sp_key: Credential) -> None:
    pytest.importorskip("onelogin.saml2", reason="python3-saml is not installed")
    from onelogin.saml2.response import OneLogin_Saml2_Response

    org.clock = utc_now
    app = org.create_saml_app("JustCall 2", ACS_URL, SP_ENTITY_ID, JUSTCALL_ATTRIBUTES)
    org.assign_user(app.id, ann.id)
    app = _encrypt(org, app, sp_key)
    issued = issue_for(org, app, ann, request_id="r1", plan=FaultPlan(signing={"encryption_key": "other"}))
    with pytest.raises(Exception):  # noqa: B017 - xmlsec's error type depends on the binding version
        OneLogin_Saml2_Response(_python3_saml(org, app, sp_key), issued.b64)


@pytest.mark.parametrize(
    "signing",
    [
        {"encryption_padding": "whole_block"},
        {"encryption_padding": "one_octet"},
        {"key_transport_digest": "SHA256"},
        {"key_transport_digest": "none"},
        {"encrypted_key_placement": "key_info"},
    ],
    ids=lambda signing: "-".join(str(v) for v in signing.values()),
)
def test_python3_saml_decrypts_each_encryption_variant(
    org: Org, ann: User, sp_key: Credential, signing: dict[str, str]
) -> None:
    """The plan's encryption variants are still valid XML Encryption: xmlsec decrypts each."""
    pytest.importorskip("onelogin.saml2", reason="python3-saml is not installed")
    from onelogin.saml2.response import OneLogin_Saml2_Response

    org.clock = utc_now
    app = org.create_saml_app("JustCall 2", ACS_URL, SP_ENTITY_ID, JUSTCALL_ATTRIBUTES)
    org.assign_user(app.id, ann.id)
    app = _encrypt(org, app, sp_key)
    issued = issue_for(org, app, ann, request_id="ONELOGIN_req1", plan=FaultPlan(signing=signing))
    acs = urlsplit(ACS_URL)
    request_data = {"http_host": acs.netloc, "script_name": acs.path, "https": "off"}
    response = OneLogin_Saml2_Response(_python3_saml(org, app, sp_key), issued.b64)
    assert response.is_valid(request_data, "ONELOGIN_req1", raise_exceptions=True)
    assert response.get_nameid() == "ann@acme.test"


@pytest.mark.parametrize(("choice", "length"), [("whole_block", 16), ("one_octet", 1), ("beyond_block", 17)])
def test_a_chosen_cbc_padding_has_that_length_after_whitespace(choice: str, length: int) -> None:
    plaintext = b"<a/>" * 7
    padded = pad(plaintext, 16, choice)
    assert len(padded) % 16 == 0 and padded[-1] == length
    assert padded[:-length].rstrip(b" ") == plaintext


@pytest.mark.parametrize(
    ("placement", "inside", "siblings", "retrieval"),
    [("retrieval_method", 0, 1, 1), ("key_info", 1, 0, 0), ("both", 1, 1, 1)],
)
def test_the_encrypted_key_goes_where_the_plan_says(
    org: Org,
    justcall: SamlApp,
    ann: User,
    sp_key: Credential,
    placement: str,
    inside: int,
    siblings: int,
    retrieval: int,
) -> None:
    app = _encrypt(org, justcall, sp_key)
    root = parse(issue_for(org, app, ann, plan=FaultPlan(signing={"encrypted_key_placement": placement})).xml)
    key_info = "saml2:EncryptedAssertion/xenc:EncryptedData/ds:KeyInfo"
    assert len(xp(root, f"{key_info}/xenc:EncryptedKey")) == inside
    assert len(xp(root, "saml2:EncryptedAssertion/xenc:EncryptedKey")) == siblings
    assert len(xp(root, f"{key_info}/ds:RetrievalMethod")) == retrieval


def test_an_unknown_encryption_variant_fails_when_the_plan_is_made() -> None:
    with pytest.raises(ValueError, match="encryption_padding"):
        FaultPlan(signing={"encryption_padding": "whole-block"})
