"""The decryption steps' refusals that the ACS leaves to cryptography or to the shape of the lookup, one by one.

acs/encryption.py does not repeat checks the library already makes (issue 15: the suites cannot tell a repeated
check from its absence, so it would be an unkillable mutant). These tests prove the library or the lookup refuses
the same input with the same Reject the removed check gave.
"""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from lxml import etree

from justcall_sp.acs import encryption
from justcall_sp.acs.reasons import Reject
from saml_xmlns import DS, ENC_AES256_CBC, ENC_AES256_GCM, ENC_TYPE_ENCRYPTED_KEY, SAML, XENC

KEY = bytes(range(32))
ASSERTION = f'<saml2:Assertion xmlns:saml2="{SAML}" ID="id1"/>'.encode()


def _cbc(plaintext: bytes) -> bytes:
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    return iv + encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()


def _refusal(call: object, *args: object) -> str:
    with pytest.raises(Reject) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.reason


@pytest.mark.parametrize("length", [0, 7, 11, 12, 27])
def test_gcm_input_too_short_for_iv_and_tag_is_a_decryption_failure(length: int) -> None:
    """AESGCM refuses a nonce under 8 octets (ValueError) and a body shorter than the tag (InvalidTag)."""
    assert _refusal(encryption._decrypt_octets, ENC_AES256_GCM, KEY, os.urandom(length)) == "encryption.decrypt_failed"


@pytest.mark.parametrize(
    "length", [0, 16, 16 + 15, 16 + 33], ids=["empty", "iv-only", "partial-block", "one-and-a-bit"]
)
def test_cbc_without_whole_blocks_after_the_iv_is_a_decryption_failure(length: int) -> None:
    """Only the IV, or a partial last block: the CBC decryptor refuses what is not whole blocks."""
    octets = os.urandom(length)
    assert _refusal(encryption._decrypt_octets, ENC_AES256_CBC, KEY, octets) == "encryption.decrypt_failed"


@pytest.mark.parametrize("extra", [0, 1, 15, 16])
def test_cbc_padding_of_one_to_sixteen_octets_is_removed(extra: int) -> None:
    plaintext = ASSERTION + b" " * extra
    assert encryption._decrypt_octets(ENC_AES256_CBC, KEY, _cbc(plaintext)) == plaintext


def _holder(cipher_value: str | None) -> etree._Element:
    value = "" if cipher_value is None else f"<xenc:CipherValue>{cipher_value}</xenc:CipherValue>"
    return etree.fromstring(
        f'<xenc:EncryptedKey xmlns:xenc="{XENC}"><xenc:CipherData>{value}</xenc:CipherData></xenc:EncryptedKey>'
    )


@pytest.mark.parametrize("cipher_value", [None, ""])
def test_a_missing_or_empty_cipher_value_is_invalid(cipher_value: str | None) -> None:
    assert _refusal(encryption._octets, _holder(cipher_value)) == "encryption.invalid"


def test_a_cipher_value_with_incorrect_base64_padding_is_invalid() -> None:
    assert _refusal(encryption._octets, _holder("QUJD\nRA")) == "encryption.invalid"


def test_line_breaks_in_a_cipher_value_are_skipped() -> None:
    """xmlsec wraps CipherValue every 64 characters; the octets are the same as unwrapped."""
    octets = os.urandom(100)
    text = base64.b64encode(octets).decode()
    wrapped = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
    assert encryption._octets(_holder(f"\n{wrapped}\n")) == octets


def _key_reference(uri: str | None, key_id: str | None) -> tuple[etree._Element, etree._Element]:
    uri_attr = "" if uri is None else f' URI="{uri}"'
    id_attr = "" if key_id is None else f' Id="{key_id}"'
    root = etree.fromstring(
        f'<saml2:EncryptedAssertion xmlns:saml2="{SAML}" xmlns:xenc="{XENC}" xmlns:ds="{DS}">'
        f'<xenc:EncryptedData><ds:KeyInfo><ds:RetrievalMethod Type="{ENC_TYPE_ENCRYPTED_KEY}"{uri_attr}/>'
        f"</ds:KeyInfo></xenc:EncryptedData><xenc:EncryptedKey{id_attr}/></saml2:EncryptedAssertion>"
    )
    data = root.find(f"{{{XENC}}}EncryptedData")
    assert data is not None
    return root, data


@pytest.mark.parametrize(
    ("uri", "key_id"),
    [("#", "k1"), ("#", ""), ("#None", None), (None, "k1"), ("k1", "k1"), ("http://127.0.0.1:9/#k1", "k1")],
    ids=["bare-hash", "empty-id", "no-id", "no-uri", "no-hash", "elsewhere"],
)
def test_a_retrieval_method_finds_only_a_same_document_key_by_its_id(uri: str | None, key_id: str | None) -> None:
    """No format check of the URI is needed: only "#" + the Id of a sibling EncryptedKey finds anything."""
    assert _refusal(encryption._encrypted_key, *_key_reference(uri, key_id)) == "encryption.invalid"


def test_a_retrieval_method_to_a_sibling_key_finds_it() -> None:
    root, data = _key_reference("#k1", "k1")
    assert encryption._encrypted_key(root, data).get("Id") == "k1"


def test_an_xml_declaration_in_the_plaintext_is_a_decryption_failure() -> None:
    """Type Element octets are an element, not a document (no encrypter writes a declaration)."""
    plaintext = b'<?xml version="1.0" encoding="UTF-8"?>' + ASSERTION
    assert _refusal(encryption._plaintext_assertion, plaintext, {}) == "encryption.decrypt_failed"


def test_whitespace_around_the_decrypted_assertion_is_accepted() -> None:
    assert encryption._plaintext_assertion(b"\n " + ASSERTION + b" \n\t", {}).get("ID") == "id1"


@pytest.mark.parametrize("around", [(b"x", b""), (b"", b"x"), (b" x ", b" ")], ids=["before", "after", "both"])
def test_text_around_the_decrypted_assertion_is_a_decryption_failure(around: tuple[bytes, bytes]) -> None:
    before, after = around
    plaintext = before + ASSERTION + after
    assert _refusal(encryption._plaintext_assertion, plaintext, {}) == "encryption.decrypt_failed"


def test_the_plaintext_reads_prefixes_and_the_default_namespace_of_its_context() -> None:
    """xmlenc-core 4.3: xmlsec does not repeat declarations made above the EncryptedData in the ciphertext."""
    plaintext = b'<saml2:Assertion ID="id2"><Issuer/></saml2:Assertion>'
    assertion = encryption._plaintext_assertion(plaintext, {"saml2": SAML, None: "urn:example:default"})
    assert assertion.get("ID") == "id2" and assertion[0].tag == "{urn:example:default}Issuer"
