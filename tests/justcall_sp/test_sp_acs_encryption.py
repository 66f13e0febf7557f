"""Encrypt assertions: the ACS decrypts what xmlsec (python3-saml's library) encrypts, then applies every check.

The encrypting side here is xmlsec, not the mock IdP's module: two implementations, so a shared bug cannot
cancel out. Signing uses the SP tests' own signer (sp_test_idp).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sp_helpers import SLUG, FakeIdp, expect_rejected, last_activity, post_acs
from sp_test_idp import KeyPair, ResponseSpec, _insert_placeholder, build_unsigned, find, sign, sign_element, tostring

from justcall_sp.service import JustCall
from saml_xmlns import DS, SAML, XENC, q

xmlsec = pytest.importorskip("xmlsec", reason="python-xmlsec (python3-saml's dependency) is not installed")

CIPHERS = {
    "aes256-cbc": "TransformAes256Cbc",
    "aes128-cbc": "TransformAes128Cbc",
    "aes256-gcm": "TransformAes256Gcm",
    "aes128-gcm": "TransformAes128Gcm",
}
KEY_BITS = {"aes256-cbc": 256, "aes128-cbc": 128, "aes256-gcm": 256, "aes128-gcm": 128}


def _encrypt(root: etree._Element, cert_pem: bytes, cipher: str, transport: str, *, content: bool = False) -> None:
    """Replace the Assertion (or, ``content``: the EncryptedAssertion's children) with xmlsec's EncryptedData."""
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(cert_pem, xmlsec.constants.KeyDataFormatCertPem, None))
    kind = xmlsec.constants.TypeEncContent if content else xmlsec.constants.TypeEncElement
    template = xmlsec.template.encrypted_data_create(
        root, getattr(xmlsec.constants, CIPHERS[cipher]), type=kind, ns="xenc"
    )
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="dsig")
    transform = xmlsec.constants.TransformRsaPkcs1 if transport == "rsa-1_5" else xmlsec.constants.TransformRsaOaep
    encrypted_key = xmlsec.template.add_encrypted_key(key_info, transform)
    xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(
        xmlsec.constants.KeyDataAes, KEY_BITS[cipher], xmlsec.constants.KeyDataTypeSession
    )
    if content:
        holder = find(root, "saml2:EncryptedAssertion")
        context.encrypt_xml(template, holder)
        return
    assertion = find(root, "saml2:Assertion")
    wrapper = etree.Element(q(SAML, "EncryptedAssertion"), nsmap={"saml2": SAML})
    assertion.addprevious(wrapper)
    wrapper.append(assertion)
    context.encrypt_xml(template, assertion)


def encrypted_response(
    spec: ResponseSpec,
    cert_pem: bytes,
    *,
    cipher: str = "aes256-cbc",
    transport: str = "rsa-oaep",
    mutate_signed_assertion: Any = None,
    two_assertions: bool = False,
) -> bytes:
    """Sign the assertion (if the spec says), encrypt it, then sign the Response over the ciphertext (Okta's order)."""
    root = sign(build_unsigned(spec), spec.but(sign_response=False))
    if mutate_signed_assertion is not None:
        mutate_signed_assertion(find(root, "saml2:Assertion"))
    if two_assertions:
        assertion = find(root, "saml2:Assertion")
        holder = etree.SubElement(root, q(SAML, "EncryptedAssertion"), nsmap={"saml2": SAML})
        evil = etree.fromstring(etree.tostring(assertion))
        evil.set("ID", "id-evil")
        for signature in evil.findall(q(DS, "Signature")):
            evil.remove(signature)
        holder.append(assertion)
        holder.append(evil)
        _encrypt(root, cert_pem, cipher, transport, content=True)
        data = holder.find(q(XENC, "EncryptedData"))
        assert data is not None
        data.set("Type", XENC + "Element")  # Type is not protected: the attacker writes what the SP expects
    else:
        _encrypt(root, cert_pem, cipher, transport)
    if spec.sign_response:
        _insert_placeholder(root)
        root = sign_element(root, spec.response_id, spec.keys, spec.but(sign_assertion=False))
    return tostring(root)


@pytest.fixture
def sp_cert(accounts: JustCall) -> bytes:
    """JustCall's encryption certificate, with Encrypt assertions switched on."""
    accounts.set_encrypt_assertions(SLUG, True)
    return accounts.encryption_certificate(SLUG)


@pytest.mark.parametrize("cipher", ["aes256-cbc", "aes256-gcm"])
def test_an_encrypted_signed_assertion_signs_the_user_in(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, sp_cert: bytes, cipher: str
) -> None:
    answer = post_acs(client, encrypted_response(fake_idp.spec("newbie@acme.example"), sp_cert, cipher=cipher))
    assert answer.status_code == 303, (last_activity(jc)["reason"], last_activity(jc)["detail"])
    assert client.get("/api/me").get_json()["email"] == "newbie@acme.example"
    assert last_activity(jc)["outcome"] == "success"


def test_signature_only_outside_the_encryption_is_enough(
    client: FlaskClient, fake_idp: FakeIdp, sp_cert: bytes
) -> None:
    # Okta's 2017 encrypted sample: only the Response is signed, over the ciphertext.
    spec = fake_idp.spec("newbie@acme.example", sign_assertion=False)
    assert post_acs(client, encrypted_response(spec, sp_cert)).status_code == 303


def test_an_encrypted_but_unsigned_assertion_is_refused(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, sp_cert: bytes
) -> None:
    spec = fake_idp.spec("newbie@acme.example", sign_assertion=False, sign_response=False)
    expect_rejected(jc, post_acs(client, encrypted_response(spec, sp_cert)), "signature.missing")


def test_the_inner_signature_must_cover_what_was_decrypted(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, sp_cert: bytes
) -> None:
    def change_name(assertion: etree._Element) -> None:
        name_id = assertion.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
        assert name_id is not None
        name_id.text = "admin@acme.example"

    xml = encrypted_response(fake_idp.spec("newbie@acme.example"), sp_cert, mutate_signed_assertion=change_name)
    expect_rejected(jc, post_acs(client, xml), "signature.invalid")


@pytest.mark.parametrize(
    ("options", "reason", "category"),
    [
        ({"cipher": "aes128-cbc"}, "encryption.algorithm", "Invalid SAML response"),
        ({"cipher": "aes128-gcm"}, "encryption.algorithm", "Invalid SAML response"),
        ({"transport": "rsa-1_5"}, "encryption.key_transport", "Invalid SAML response"),
        ({"two_assertions": True}, "encryption.assertion_count", "Invalid SAML response"),
    ],
)
def test_encryption_it_does_not_accept_is_refused_with_a_reason(
    client: FlaskClient,
    fake_idp: FakeIdp,
    jc: JustCall,
    sp_cert: bytes,
    options: dict[str, Any],
    reason: str,
    category: str,
) -> None:
    xml = encrypted_response(fake_idp.spec("newbie@acme.example"), sp_cert, **options)
    expect_rejected(jc, post_acs(client, xml), reason, category)
    assert client.get("/api/me").status_code == 401


def test_an_assertion_encrypted_for_the_old_certificate_is_a_certificate_error(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, sp_cert: bytes
) -> None:
    jc.rotate_encryption_certificate(SLUG)
    xml = encrypted_response(fake_idp.spec("newbie@acme.example"), sp_cert)
    expect_rejected(jc, post_acs(client, xml), "encryption.decrypt_failed", "Certificate error")


def test_a_plaintext_assertion_is_refused_when_encryption_is_required(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, sp_cert: bytes
) -> None:
    expect_rejected(jc, post_acs(client, fake_idp.response("newbie@acme.example")), "encryption.required")


def test_an_encrypted_assertion_is_refused_when_encryption_is_off(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, sp_cert: bytes
) -> None:
    jc.set_encrypt_assertions(SLUG, False)
    xml = encrypted_response(fake_idp.spec("newbie@acme.example"), sp_cert)
    expect_rejected(jc, post_acs(client, xml), "encryption.not_enabled")


def test_a_retrieval_method_outside_the_document_is_refused(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, sp_cert: bytes, idp_keys: KeyPair
) -> None:
    spec = fake_idp.spec("newbie@acme.example")
    root = etree.fromstring(encrypted_response(spec.but(sign_response=False), sp_cert))
    key_info = root.find(f".//{q(XENC, 'EncryptedData')}/{q(DS, 'KeyInfo')}")
    assert key_info is not None
    for child in list(key_info):
        key_info.remove(child)
    etree.SubElement(key_info, q(DS, "RetrievalMethod"), Type=XENC + "EncryptedKey", URI="http://evil.example/key")
    _insert_placeholder(root)
    root = sign_element(root, spec.response_id, idp_keys, spec.but(sign_assertion=False))
    expect_rejected(jc, post_acs(client, tostring(root)), "encryption.invalid")


def test_the_encryption_certificate_is_generated_once_and_rotates(jc: JustCall, accounts: JustCall) -> None:
    first = jc.encryption_certificate(SLUG)
    assert first.startswith(b"-----BEGIN CERTIFICATE-----") and jc.encryption_certificate(SLUG) == first
    assert b"PRIVATE" not in first
    assert jc.rotate_encryption_certificate(SLUG) != first


@pytest.mark.parametrize("where", ["last_block", "first_block"])
def test_damaged_ciphertext_gives_one_answer_whatever_broke(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, sp_cert: bytes, where: str
) -> None:
    """No padding oracle: a bad padding byte and a plaintext that is not XML read the same to the sender."""
    spec = fake_idp.spec("newbie@acme.example", sign_response=False)
    root = etree.fromstring(encrypted_response(spec, sp_cert))
    value = root.find(f".//{q(XENC, 'EncryptedData')}/{q(XENC, 'CipherData')}/{q(XENC, 'CipherValue')}")
    assert value is not None and value.text
    octets = bytearray(base64.b64decode(value.text))
    octets[-17 if where == "last_block" else 20] ^= 0x5A  # IV/ciphertext of the last block, or an early block
    value.text = base64.b64encode(bytes(octets)).decode()
    expect_rejected(jc, post_acs(client, tostring(root)), "encryption.decrypt_failed", "Certificate error")
