"""Encrypt the signed Assertion into Okta's ``saml2:EncryptedAssertion`` (okta-fidelity.md 1.3, 2017 sample).

Why hand-written on cryptography's primitives: signxml has no XML Encryption, cryptography has the ciphers but
not the XML, and python-xmlsec is a C binding pinned to libxml2's version that the runtime does not otherwise
need (it stays a dev dependency: tests/idp/test_encryption_interop.py has python3-saml, i.e. xmlsec, decrypt
what this module writes). The shape is Okta's, element for element: EncryptedData (Type Element) whose KeyInfo
holds only a RetrievalMethod to a sibling EncryptedKey; the EncryptedKey carries the recipient's certificate in
X509Data and a ReferenceList back to the data; ``xmlns:xenc`` is declared again on EncryptionMethod and
CipherData as Okta's serializer does.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP, PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from mock_idp.keys import make_credential, wrap76
from mock_idp.model import SamlApp
from saml_xmlns import (
    ALG_SHA1,
    ALG_SHA256,
    DS,
    ENC_AES128_CBC,
    ENC_AES128_GCM,
    ENC_AES256_CBC,
    ENC_AES256_GCM,
    ENC_TRIPLEDES_CBC,
    ENC_TYPE_ELEMENT,
    ENC_TYPE_ENCRYPTED_KEY,
    KT_RSA_1_5,
    KT_RSA_OAEP_MGF1P,
    SAML,
    XENC,
    q,
)

ENCRYPTION_ALGORITHMS: dict[str, str] = {
    "AES256_CBC": ENC_AES256_CBC,
    "AES128_CBC": ENC_AES128_CBC,
    "AES256_GCM": ENC_AES256_GCM,
    "AES128_GCM": ENC_AES128_GCM,
}
"""Okta's "Encryption Algorithm" choices (API enum -> xmlenc URI); AES256_CBC is Okta's default."""

KEY_TRANSPORT_ALGORITHMS: dict[str, str] = {"RSA_OAEP": KT_RSA_OAEP_MGF1P, "RSA_15": KT_RSA_1_5}
"""Okta's "Key Transport Algorithm" choices (API enum -> xmlenc URI); RSA_OAEP is Okta's default."""

ENCRYPTION_LABELS = {
    "AES256_CBC": "AES256-CBC",
    "AES128_CBC": "AES128-CBC",
    "AES256_GCM": "AES256-GCM",
    "AES128_GCM": "AES128-GCM",
}
KEY_TRANSPORT_LABELS = {"RSA_OAEP": "RSA-OAEP", "RSA_15": "RSA1.5"}

PADDINGS = {"pkcs7": None, "whole_block": (0, 16), "one_octet": (15, 1), "beyond_block": (15, 17)}
"""CBC paddings a scenario may choose: (plaintext length modulo 16 reached with whitespace after the Assertion,
padding length). xmlenc-core 5.2: the last octet gives the padding length, 1 to the block size; a plaintext of
whole blocks gets a whole block of padding (1 response in 16 from Okta), "beyond_block" breaks the rule."""

KEY_TRANSPORT_DIGESTS = {"SHA1": ALG_SHA1, "SHA256": ALG_SHA256, "none": None}
"""RSA-OAEP DigestMethod choices (xmlenc-core 5.4.2; "none": absent, which means SHA-1)."""

PLAINTEXTS = ("standalone", "inherits_namespaces")
"""How the encrypted Assertion is serialized: with every namespace it uses declared (Okta's, lxml's), or without
``xmlns:saml2``, which the EncryptedAssertion declares (xmlsec's output: xmlenc-core 4.3 parses in context)."""

KEY_PLACEMENTS = ("retrieval_method", "key_info", "both")
"""Okta's RetrievalMethod to a sibling EncryptedKey; xmlsec's EncryptedKey inside KeyInfo; both at once."""

# Beyond Okta's list, only so that a scenario can send what an SP must refuse (attack catalog 1.H cipher matrix).
_EXTRA_CIPHERS = {"TRIPLEDES_CBC": ENC_TRIPLEDES_CBC}
_KEY_BYTES = {ENC_AES128_CBC: 16, ENC_AES256_CBC: 32, ENC_AES128_GCM: 16, ENC_AES256_GCM: 32, ENC_TRIPLEDES_CBC: 24}


@dataclass(frozen=True)
class EncryptionSettings:
    """What one response is encrypted with: the recipient's certificate and the two algorithms (API enums)."""

    certificate: x509.Certificate
    algorithm: str = "AES256_CBC"
    key_transport: str = "RSA_OAEP"
    extra_assertion: bool = False
    """Attack only: append a second, unsigned copy of the assertion (NameID changed) inside the same EncryptedData."""
    padding: str = "pkcs7"
    """CBC padding (PADDINGS): Okta's PKCS#7 of the Assertion as serialized, or a chosen padding length."""
    key_transport_digest: str = "SHA1"
    """RSA-OAEP digest (KEY_TRANSPORT_DIGESTS): Okta names SHA-1; "none" omits DigestMethod (xmlsec's default)."""
    key_placement: str = "retrieval_method"
    """Where the EncryptedKey goes (KEY_PLACEMENTS): Okta's sibling by RetrievalMethod, inside KeyInfo, or both."""
    plaintext: str = "standalone"
    """PLAINTEXTS: the Assertion declares its namespaces (Okta, lxml), or inherits saml2 from the EncryptedAssertion."""


def load_certificate(pem: str, what: str = "encryption certificate") -> x509.Certificate:
    """Parse an uploaded SP certificate (PEM); ``ValueError`` naming ``what`` if it is not an RSA one."""
    try:
        certificate = x509.load_pem_x509_certificate(pem.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"the {what} is not a PEM X.509 certificate") from exc
    if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
        raise ValueError(f"the {what} must hold an RSA public key")
    return certificate


def check_choices(algorithm: str, key_transport: str) -> None:
    """Raise ``ValueError`` naming the choices when an algorithm is not one Okta offers."""
    if algorithm not in ENCRYPTION_ALGORITHMS:
        raise ValueError(f"encryption algorithm must be one of {sorted(ENCRYPTION_ALGORITHMS)}")
    if key_transport not in KEY_TRANSPORT_ALGORITHMS:
        raise ValueError(f"key transport algorithm must be one of {sorted(KEY_TRANSPORT_ALGORITHMS)}")


def _cipher_uri(algorithm: str) -> str:
    uri = ENCRYPTION_ALGORITHMS.get(algorithm) or _EXTRA_CIPHERS.get(algorithm)
    if uri is None:
        raise ValueError(f"unknown encryption algorithm {algorithm!r}")
    return uri


def encrypt_octets(plaintext: bytes, uri: str, key: bytes, padding_choice: str = "pkcs7") -> bytes:
    """Return IV || ciphertext (|| tag for GCM) as xmlenc-core 5.2 / xmlenc-core1 5.2.4 lay them out."""
    if uri in (ENC_AES128_GCM, ENC_AES256_GCM):
        if padding_choice != "pkcs7":
            raise ValueError("a CBC padding was chosen for a GCM cipher (GCM has no padding)")
        nonce = os.urandom(12)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, None)
    block_cipher = algorithms.TripleDES(key) if uri == ENC_TRIPLEDES_CBC else algorithms.AES(key)
    iv = os.urandom(block_cipher.block_size // 8)
    encryptor = Cipher(block_cipher, modes.CBC(iv)).encryptor()
    return iv + encryptor.update(pad(plaintext, block_cipher.block_size // 8, padding_choice)) + encryptor.finalize()


def pad(plaintext: bytes, block: int, padding_choice: str) -> bytes:
    """Pad for CBC: PKCS#7 (it satisfies xmlenc 5.2's rule), or a PADDINGS choice for a 16-octet block."""
    if padding_choice not in PADDINGS:
        raise ValueError(f"encryption padding must be one of {sorted(PADDINGS)}, got {padding_choice!r}")
    chosen = PADDINGS[padding_choice]
    if chosen is None:
        padder = padding.PKCS7(block * 8).padder()
        return padder.update(plaintext) + padder.finalize()
    if block != 16:
        raise ValueError("a chosen padding needs a 16-octet block cipher (AES)")
    remainder, length = chosen
    # Whitespace after the Assertion is allowed in the plaintext (the SP parses it as element content).
    body = plaintext + b" " * ((remainder - len(plaintext)) % block)
    return body + bytes([length]) * length


def wrap_key(key: bytes, certificate: x509.Certificate, transport_uri: str, digest: str = "SHA1") -> bytes:
    """Encrypt the content key to the recipient's RSA key (rsa-oaep-mgf1p: MGF1 with SHA-1, or rsa-1_5)."""
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise ValueError("the encryption certificate must hold an RSA public key")
    if transport_uri == KT_RSA_1_5:
        return public_key.encrypt(key, PKCS1v15())
    algorithm = hashes.SHA256() if digest == "SHA256" else hashes.SHA1()
    return public_key.encrypt(key, OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=algorithm, label=None))


def _xml_id() -> str:
    # Okta's xenc Ids: "_" + 32 hex digits (2017 sample).
    return "_" + secrets.token_hex(16)


def encrypted_assertion_xml(plaintext: bytes, settings: EncryptionSettings) -> bytes:
    """Return the ``saml2:EncryptedAssertion`` element for ``plaintext`` (the serialized, signed Assertion)."""
    uri = _cipher_uri(settings.algorithm)
    transport_uri = KEY_TRANSPORT_ALGORITHMS.get(settings.key_transport, settings.key_transport)
    if settings.key_transport_digest not in KEY_TRANSPORT_DIGESTS:
        raise ValueError(f"key transport digest must be one of {sorted(KEY_TRANSPORT_DIGESTS)}")
    if settings.key_placement not in KEY_PLACEMENTS:
        raise ValueError(f"encrypted key placement must be one of {list(KEY_PLACEMENTS)}")
    key = os.urandom(_KEY_BYTES[uri])
    cipher_value = base64.b64encode(encrypt_octets(plaintext, uri, key, settings.padding)).decode("ascii")
    data_id, key_id = _xml_id(), _xml_id()

    def encrypted_key(key_id: str) -> str:
        # Each EncryptedKey wraps the content key on its own (OAEP is randomized), as two encrypters would.
        wrapped = wrap_key(key, settings.certificate, transport_uri, settings.key_transport_digest)
        key_value = base64.b64encode(wrapped).decode("ascii")
        digest_uri = KEY_TRANSPORT_DIGESTS[settings.key_transport_digest]
        digest = (
            f'<ds:DigestMethod xmlns:ds="{DS}" Algorithm="{digest_uri}"/>'
            if transport_uri == KT_RSA_OAEP_MGF1P and digest_uri is not None
            else ""
        )
        certificate = wrap76(settings.certificate.public_bytes(serialization.Encoding.DER))
        return (
            f'<xenc:EncryptedKey xmlns:xenc="{XENC}" Id="{key_id}">'
            f'<xenc:EncryptionMethod Algorithm="{transport_uri}" xmlns:xenc="{XENC}">{digest}</xenc:EncryptionMethod>'
            f'<ds:KeyInfo xmlns:ds="{DS}"><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate>'
            f"</ds:X509Data></ds:KeyInfo>"
            f'<xenc:CipherData xmlns:xenc="{XENC}"><xenc:CipherValue>{key_value}</xenc:CipherValue></xenc:CipherData>'
            f'<xenc:ReferenceList><xenc:DataReference URI="#{data_id}"/></xenc:ReferenceList>'
            f"</xenc:EncryptedKey>"
        )

    inside = settings.key_placement in ("key_info", "both")
    by_reference = settings.key_placement in ("retrieval_method", "both")
    key_info = (encrypted_key(_xml_id()) if inside else "") + (
        f'<ds:RetrievalMethod Type="{ENC_TYPE_ENCRYPTED_KEY}" URI="#{key_id}"/>' if by_reference else ""
    )
    return (
        f'<saml2:EncryptedAssertion xmlns:saml2="{SAML}">'
        f'<xenc:EncryptedData xmlns:xenc="{XENC}" Id="{data_id}" Type="{ENC_TYPE_ELEMENT}">'
        f'<xenc:EncryptionMethod Algorithm="{uri}" xmlns:xenc="{XENC}"/>'
        f'<ds:KeyInfo xmlns:ds="{DS}">{key_info}</ds:KeyInfo>'
        f'<xenc:CipherData xmlns:xenc="{XENC}"><xenc:CipherValue>{cipher_value}</xenc:CipherValue></xenc:CipherData>'
        f"</xenc:EncryptedData>"
        f"{encrypted_key(key_id) if by_reference else ''}"
        f"</saml2:EncryptedAssertion>"
    ).encode("ascii")


def _smuggled_copy(assertion: etree._Element) -> bytes:
    # The attacker's second assertion: the same claims for another person, without the signature.
    copy = etree.fromstring(etree.tostring(assertion))
    for signature in copy.findall(q(DS, "Signature")):
        copy.remove(signature)
    copy.set("ID", copy.get("ID", "id") + "1")
    name_id = copy.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    if name_id is not None:
        name_id.text = "attacker@evil.example"
    return etree.tostring(copy)


def encrypt_assertion(root: etree._Element, settings: EncryptionSettings) -> None:
    """Replace the Response's Assertion with its EncryptedAssertion, in place (no-op for an error Response).

    Namespace declarations no longer used (``xs`` once the attributes are inside the ciphertext) are dropped,
    so the Response looks like Okta's encrypted sample and its signature has no InclusiveNamespaces.
    """
    assertion = root.find(q(SAML, "Assertion"))
    if assertion is None:
        return
    # lxml serializes a subtree with every namespace in scope, so the plaintext stands alone once decrypted.
    plaintext = etree.tostring(assertion)
    if settings.plaintext not in PLAINTEXTS:
        raise ValueError(f"encryption plaintext must be one of {list(PLAINTEXTS)}")
    if settings.plaintext == "inherits_namespaces":
        start, rest = plaintext.split(b">", 1)
        plaintext = start.replace(f' xmlns:saml2="{SAML}"'.encode(), b"", 1) + b">" + rest
    if settings.extra_assertion:
        plaintext += _smuggled_copy(assertion)
    encrypted = etree.fromstring(encrypted_assertion_xml(plaintext, settings))
    assertion.addprevious(encrypted)
    root.remove(assertion)
    etree.cleanup_namespaces(root)


def check_encryption_settings(app: SamlApp) -> None:
    """Refuse an app whose Assertion Encryption settings Okta would refuse (unknown choice, no certificate)."""
    check_choices(app.encryption_algorithm, app.key_transport_algorithm)
    if app.encryption_certificate:
        load_certificate(app.encryption_certificate)
    elif app.assertion_encrypted:
        raise ValueError("Assertion Encryption is Encrypted but no encryption certificate was uploaded")


def settings_for(app: SamlApp, overrides: Mapping[str, Any]) -> EncryptionSettings | None:
    """Return how this response is encrypted (the app's settings, then the plan's overrides), or None."""
    enabled = bool(overrides.get("encrypt", app.assertion_encrypted))
    if not enabled:
        return None
    if overrides.get("encryption_key") == "other":
        certificate = _other_certificate()
    elif app.encryption_certificate:
        certificate = load_certificate(app.encryption_certificate)
    else:
        raise ValueError("cannot encrypt: the app has no encryption certificate")
    return EncryptionSettings(
        certificate=certificate,
        algorithm=str(overrides.get("encryption_algorithm", app.encryption_algorithm)),
        key_transport=str(overrides.get("key_transport", app.key_transport_algorithm)),
        extra_assertion=bool(overrides.get("encrypted_extra_assertion", False)),
        padding=str(overrides.get("encryption_padding", "pkcs7")),
        key_transport_digest=str(overrides.get("key_transport_digest", "SHA1")),
        key_placement=str(overrides.get("encrypted_key_placement", "retrieval_method")),
        plaintext=str(overrides.get("encryption_plaintext", "standalone")),
    )


def _other_certificate() -> x509.Certificate:
    # A certificate nobody configured anywhere: what "encrypted to the wrong key" means.
    return make_credential("someone-else", datetime.now(UTC), datetime.now(UTC) + timedelta(days=1)).certificate
