"""Decrypt the one EncryptedAssertion, then hand the ACS a plain Response whose assertion is what was signed.

Order (SAMLCore 6.2, sign-then-encrypt; attack catalog 1.H): the Response signature, if any, is verified on the
posted document first and the EncryptedAssertion is taken from what it signed; then the assertion is decrypted
with JustCall's key and, if it carries its own signature, that signature is verified on the decrypted assertion.
An assertion that neither signature covers is refused: encryption is not authentication (anyone holding
JustCall's public certificate can encrypt). Decryption failures all give one reason whatever the cause (wrong
key, bad padding, bad tag), so the ACS is no padding oracle.

Hand-written on cryptography's primitives for the same reason as the mock IdP's side (no XML Encryption in
signxml; xmlsec is a dev dependency only); tests/justcall_sp/test_sp_acs_encryption.py decrypts what python3-saml
(xmlsec) encrypts, so the two sides are not one implementation checked against itself.
"""

from __future__ import annotations

import base64
import binascii
import copy
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from justcall_sp.acs import decode, response_checks, signatures
from justcall_sp.acs.reasons import Reject
from saml_xmlns import (
    ALG_SHA1,
    ALG_SHA256,
    DS,
    ENC_AES256_CBC,
    ENC_AES256_GCM,
    ENC_TYPE_ENCRYPTED_KEY,
    KT_RSA_1_5,
    KT_RSA_OAEP_MGF1P,
    SAML,
    XENC,
    q,
)

SUPPORTED_CIPHERS = {ENC_AES256_CBC: 32, ENC_AES256_GCM: 32}
"""JustCall decrypts AES-256 only (CBC or GCM): Okta's default AES256-CBC works; AES-128 is refused as weaker."""
_OAEP_DIGESTS = {None: hashes.SHA1, ALG_SHA1: hashes.SHA1, ALG_SHA256: hashes.SHA256}
DECRYPT_FAILED = "the EncryptedAssertion cannot be decrypted with JustCall's encryption key"


@dataclass(frozen=True)
class Decryption:
    """The account's Encrypt assertions setting: on means every assertion must come encrypted to this key."""

    key: rsa.RSAPrivateKey


def _x(local: str) -> str:
    return q(XENC, local)


# Profiles 4.1.4.2 allows <EncryptedAssertion>; JustCall takes one, as a direct child, and no plaintext Assertion
# beside it (a plaintext one would be read unencrypted: python3-saml wantAssertionsEncrypted).
def check_encryption_expected(root: etree._Element, decryption: Decryption | None) -> etree._Element | None:
    """Return the EncryptedAssertion when the account decrypts; refuse the wrong kind for the setting."""
    encrypted = list(root.iter(q(SAML, "EncryptedAssertion")))
    if decryption is None:
        if encrypted:
            raise Reject(
                "encryption.not_enabled",
                "the response carries an EncryptedAssertion but Encrypt assertions is off in JustCall",
            )
        return None
    if any(True for _ in root.iter(q(SAML, "Assertion"))):
        raise Reject("encryption.required", "Encrypt assertions is on but the response has a plaintext Assertion")
    if len(encrypted) != 1 or encrypted[0].getparent() is not root:
        raise Reject("assertion.count", f"{len(encrypted)} EncryptedAssertion elements; exactly one is expected")
    return encrypted[0]


def _one(parent: etree._Element, tag: str) -> etree._Element:
    found = parent.findall(tag)
    if len(found) != 1:
        raise Reject(
            "encryption.invalid",
            f"{len(found)} {etree.QName(tag).localname} in {etree.QName(parent).localname}; exactly one is expected",
        )
    return found[0]


# xmlenc-core 3.3: CipherData/CipherValue holds base64Binary. Characters outside the base64 alphabet (line breaks,
# which xmlsec writes every 64 characters) are skipped, as binascii does by default: the octets must then decrypt
# and the assertion must still carry a valid signature, so a stray character gains an attacker nothing.
def _octets(element: etree._Element) -> bytes:
    value = element.find(f"{_x('CipherData')}/{_x('CipherValue')}")
    if value is None or value.text is None:
        raise Reject("encryption.invalid", f"{etree.QName(element).localname} has no CipherData/CipherValue")
    try:
        return base64.b64decode(value.text)
    except binascii.Error as exc:
        raise Reject("encryption.invalid", f"{etree.QName(element).localname} CipherValue is not base64") from exc


# xmlenc-core 3.5.1 RetrievalMethod: only a same-document "#id" reference to an EncryptedKey is followed (no
# network, attack catalog 1.H: a URI naming no EncryptedKey of this EncryptedAssertion is simply not found);
# otherwise the EncryptedKey sits in the EncryptedData's KeyInfo (xmlsec's layout). Exactly one must be found.
def _encrypted_key(encrypted_assertion: etree._Element, data: etree._Element) -> etree._Element:
    key_info = data.find(q(DS, "KeyInfo"))
    if key_info is None:
        raise Reject("encryption.invalid", "the EncryptedData has no KeyInfo naming its EncryptedKey")
    candidates = key_info.findall(_x("EncryptedKey"))
    for method in key_info.findall(q(DS, "RetrievalMethod")):
        if method.get("Type") != ENC_TYPE_ENCRYPTED_KEY:
            raise Reject("encryption.invalid", f"RetrievalMethod Type {method.get('Type')!r} is not EncryptedKey")
        uri = method.get("URI")
        candidates += [
            k for k in encrypted_assertion.findall(_x("EncryptedKey")) if k.get("Id") and uri == f"#{k.get('Id')}"
        ]
    if len(candidates) != 1:
        raise Reject("encryption.invalid", f"{len(candidates)} EncryptedKey elements for the data; one is expected")
    return candidates[0]


def _content_key(encrypted_key: etree._Element, private_key: rsa.RSAPrivateKey) -> bytes:
    method = _one(encrypted_key, _x("EncryptionMethod"))
    algorithm = method.get("Algorithm")
    if algorithm == KT_RSA_1_5:
        # Policy (attack catalog 1.H; pysaml2 7.0.0 dropped it): RSA PKCS#1 v1.5 key transport is open to
        # Bleichenbacher-style oracles, so JustCall never attempts it.
        raise Reject("encryption.key_transport", "key transport RSA1.5 (rsa-1_5) is refused; use RSA-OAEP")
    if algorithm != KT_RSA_OAEP_MGF1P:
        raise Reject("encryption.key_transport", f"key transport {algorithm!r} is not supported; use RSA-OAEP")
    # xmlenc-core 5.4.2: the OAEP digest is SHA-1 when DigestMethod is absent (xmlsec's default); Okta names SHA-1.
    digest = method.find(q(DS, "DigestMethod"))
    digest_uri = None if digest is None else digest.get("Algorithm")
    if digest_uri not in _OAEP_DIGESTS:
        raise Reject("encryption.key_transport", f"RSA-OAEP digest {digest_uri!r} is not supported")
    wrapped = _octets(encrypted_key)
    hash_class = _OAEP_DIGESTS[digest_uri]
    try:
        return private_key.decrypt(wrapped, OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=hash_class(), label=None))
    except ValueError as exc:
        raise Reject("encryption.decrypt_failed", DECRYPT_FAILED) from exc


def _decrypt_octets(uri: str, key: bytes, octets: bytes) -> bytes:
    if len(key) != SUPPORTED_CIPHERS[uri]:
        raise Reject("encryption.decrypt_failed", DECRYPT_FAILED)
    if uri == ENC_AES256_GCM:
        # xmlenc-core1 5.2.4: a 96-bit IV, the ciphertext, then the 128-bit tag; AESGCM refuses input too short
        # for them (ValueError or InvalidTag) as it refuses a wrong tag.
        try:
            return AESGCM(key).decrypt(octets[:12], octets[12:], None)
        except (ValueError, InvalidTag) as exc:
            raise Reject("encryption.decrypt_failed", DECRYPT_FAILED) from exc
    # xmlenc-core 5.2.1: the IV (one block), then whole blocks; the CBC decryptor refuses a partial block.
    iv, body = octets[:16], octets[16:]
    if not body:
        raise Reject("encryption.decrypt_failed", DECRYPT_FAILED)
    try:
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(body) + decryptor.finalize()
    except ValueError as exc:
        raise Reject("encryption.decrypt_failed", DECRYPT_FAILED) from exc
    # xmlenc-core 5.2: the last octet is the padding length (1..block size); the other padding octets are
    # arbitrary, so only the length is checked.
    length = padded[-1]
    if not 1 <= length <= 16:
        raise Reject("encryption.decrypt_failed", DECRYPT_FAILED)
    return padded[:-length]


def _plaintext_assertion(plaintext: bytes, in_scope: dict[str | None, str]) -> etree._Element:
    """Parse the decrypted octets: exactly one element, a saml:Assertion (python3-saml 1.2.0's check).

    xmlenc-core 4.3: the decrypted octets are parsed in the context of the EncryptedData's parent, so namespace
    prefixes declared there (xmlsec does not repeat ``xmlns:saml2`` in the ciphertext) are in scope. The octets
    of Type Element are an element, not a document: an XML declaration in them is refused (no encrypter writes
    one: xmlsec, Santuario (Okta, Shibboleth) and .NET serialize the element alone).
    """
    decode.check_no_dtd(plaintext)
    # lxml writes the in-scope declarations on an empty <decrypted .../>; its start tag holds the plaintext.
    context = etree.tostring(etree.Element("decrypted", nsmap=in_scope))  # type: ignore[arg-type]  # None: default ns
    try:
        holder = etree.fromstring(context[:-2] + b">" + plaintext + b"</decrypted>", parser=decode._parser())
    except etree.XMLSyntaxError as exc:
        # Same reason as a padding or key failure: telling "bad padding" from "not XML" is the CBC oracle of
        # Jager and Somorovsky's "How to break XML Encryption" (the category is visible on the error page).
        raise Reject("encryption.decrypt_failed", DECRYPT_FAILED) from exc
    # Text around the element (whitespace aside) means the octets are not one element.
    if holder.xpath("text()[normalize-space()]"):
        raise Reject("encryption.decrypt_failed", DECRYPT_FAILED)
    elements = [child for child in holder if isinstance(child.tag, str)]
    if len(elements) != 1 or elements[0].tag != q(SAML, "Assertion"):
        raise Reject(
            "encryption.assertion_count",
            f"the EncryptedData holds {', '.join(etree.QName(e).localname for e in elements) or 'nothing'}; "
            "exactly one Assertion is expected",
        )
    return elements[0]


def decrypt_assertion(encrypted_assertion: etree._Element, private_key: rsa.RSAPrivateKey) -> etree._Element:
    """Return the decrypted Assertion element (checks algorithms, the key reference and the content)."""
    # The EncryptedData's Type is not read: it is unprotected and advisory (xmlenc-core 3.1), and whatever it says
    # the plaintext must be exactly one Assertion element (_plaintext_assertion).
    data = _one(encrypted_assertion, _x("EncryptedData"))
    method = _one(data, _x("EncryptionMethod"))
    uri = str(method.get("Algorithm"))
    if uri not in SUPPORTED_CIPHERS:
        raise Reject(
            "encryption.algorithm", f"encryption algorithm {uri!r} is not supported; use AES256-CBC or AES256-GCM"
        )
    key = _content_key(_encrypted_key(encrypted_assertion, data), private_key)
    octets = _decrypt_octets(uri, key, _octets(data))
    return _plaintext_assertion(octets, dict(encrypted_assertion.nsmap))


@dataclass(frozen=True)
class Decrypted:
    """The decrypted assertion as it stands in the plain Response, and the assertion as signed (claims come from it)."""

    assertion: etree._Element
    signed: signatures.SignedAssertion


def verify_and_decrypt(
    xml: bytes,
    root: etree._Element,
    encrypted_assertion: etree._Element,
    decryption: Decryption,
    certificate: x509.Certificate,
    now: datetime,
) -> Decrypted:
    """Verify the Response signature, decrypt what it signed, verify the assertion's own signature if present."""
    # The only signature outside the ciphertext may be the Response's own (its first direct child): a second one
    # or one elsewhere (inside the EncryptedAssertion, beside the EncryptedData) is a wrapping attempt.
    response_sig = root.find(q(DS, "Signature"))
    if any(signature is not response_sig for signature in root.iter(q(DS, "Signature"))):
        raise Reject("signature.invalid", "ds:Signature at an unexpected place in an encrypted response")
    source = root
    if response_sig is not None:
        signatures.check_signature_profile(response_sig, root)
        signatures.check_certificate_validity(certificate, now)
        source = signatures.verify_signature(xml, response_sig, root, signatures.RESPONSE_LOCATION, certificate, now)
        signed_encrypted = source.findall(q(SAML, "EncryptedAssertion"))
        if len(signed_encrypted) != 1:
            raise Reject("signature.invalid", "the signed Response does not contain exactly one EncryptedAssertion")
        encrypted_assertion = signed_encrypted[0]
    assertion = decrypt_assertion(encrypted_assertion, decryption.key)
    # The plain document: what was signed (signxml's signed_xml, the enveloped signature already taken out by its
    # transform), or what was posted if unsigned (then no ds:Signature is in it: any would have been refused
    # above), with the EncryptedAssertion replaced by its plaintext. Every later check reads this.
    plain = copy.deepcopy(source)
    holder = plain.find(q(SAML, "EncryptedAssertion"))
    assert holder is not None
    holder.addnext(assertion)
    plain.remove(holder)
    plain_xml = etree.tostring(plain)
    plain_root = decode.parse_xml(plain_xml)
    response_checks.check_unique_ids(plain_root)
    posted_assertion = response_checks.check_single_assertion(plain_root)
    _, assertion_sig = signatures.find_signatures(plain_root, posted_assertion)
    if assertion_sig is not None:
        signatures.check_signature_profile(assertion_sig, posted_assertion)
        signatures.check_certificate_validity(certificate, now)
        signed = signatures.verify_signature(
            plain_xml, assertion_sig, posted_assertion, signatures.ASSERTION_LOCATION, certificate, now
        )
    elif response_sig is not None:
        # The Response signature covers the ciphertext this assertion came from (Okta's 2017 sample signs only it).
        signed = posted_assertion
    else:
        raise Reject("signature.missing", "neither the Response nor the decrypted Assertion is signed")
    found = signatures.SignedAssertion(signed)
    return Decrypted(posted_assertion, found)
