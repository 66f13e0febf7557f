"""Open an EncryptedAssertion with the SP's key, so evidence checks can prove what was inside the ciphertext.

The harness's own reading of XML Encryption (not the bundled SP's code, so a shared bug cannot hide a fault):
the EncryptedKey found in KeyInfo or by RetrievalMethod, RSA-OAEP (DigestMethod SHA-1 by default, or SHA-256)
or RSA1.5, then AES-CBC or AES-GCM. The padding is returned as sent, so a check can read its length.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP, PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from saml_xmlns import ALG_SHA256, KT_RSA_1_5, NS


@dataclass(frozen=True)
class Opened:
    """The decrypted octets: ``padded`` as the CBC decryption gives them (padding included), ``plaintext`` without."""

    cipher: str
    padded: bytes
    plaintext: bytes


def _one(root: etree._Element, xpath: str) -> etree._Element:
    found = root.xpath(xpath, namespaces=NS)
    if not isinstance(found, list) or len(found) != 1 or not isinstance(found[0], etree._Element):
        raise ValueError(f"expected one {xpath}")
    return found[0]


def _octets(element: etree._Element) -> bytes:
    return base64.b64decode(_one(element, "xenc:CipherData/xenc:CipherValue").text or "")


def _encrypted_key(encrypted_assertion: etree._Element, data: etree._Element) -> etree._Element:
    inside = data.xpath("ds:KeyInfo/xenc:EncryptedKey", namespaces=NS)
    if isinstance(inside, list) and inside and isinstance(inside[0], etree._Element):
        return inside[0]
    uri = str(_one(data, "ds:KeyInfo/ds:RetrievalMethod").get("URI", ""))
    return _one(encrypted_assertion, f"xenc:EncryptedKey[@Id='{uri.removeprefix('#')}']")


def _content_key(encrypted_key: etree._Element, private_key: rsa.RSAPrivateKey) -> bytes:
    method = _one(encrypted_key, "xenc:EncryptionMethod")
    wrapped = _octets(encrypted_key)
    if method.get("Algorithm") == KT_RSA_1_5:
        return private_key.decrypt(wrapped, PKCS1v15())
    digests = method.xpath("ds:DigestMethod/@Algorithm", namespaces=NS)
    sha256 = isinstance(digests, list) and [str(d) for d in digests] == [ALG_SHA256]
    algorithm: hashes.HashAlgorithm = hashes.SHA256() if sha256 else hashes.SHA1()
    return private_key.decrypt(wrapped, OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=algorithm, label=None))


def open_encrypted_assertion(encrypted_assertion: etree._Element, private_key: rsa.RSAPrivateKey) -> Opened:
    """Decrypt ``saml2:EncryptedAssertion``; ``ValueError`` (or cryptography's errors) when it cannot be opened."""
    data = _one(encrypted_assertion, "xenc:EncryptedData")
    cipher = str(_one(data, "xenc:EncryptionMethod").get("Algorithm", "")).rpartition("#")[2]
    key = _content_key(_encrypted_key(encrypted_assertion, data), private_key)
    octets = _octets(data)
    if cipher.endswith("-gcm"):
        plaintext = AESGCM(key).decrypt(octets[:12], octets[12:], None)
        return Opened(cipher, plaintext, plaintext)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(octets[:16])).decryptor()
    padded = decryptor.update(octets[16:]) + decryptor.finalize()
    return Opened(cipher, padded, padded[: -padded[-1]] if 1 <= padded[-1] <= 16 else padded)


def decrypted_view(root: etree._Element, private_key: rsa.RSAPrivateKey | None) -> etree._Element:
    """Return a copy of the Response with its EncryptedAssertion replaced by the Assertion inside (as the SP reads
    it), or ``root`` itself when there is nothing to open or it cannot be opened."""
    encrypted = root.find(f"{{{NS['saml2']}}}EncryptedAssertion")
    if private_key is None or encrypted is None:
        return root
    try:
        opened = open_encrypted_assertion(encrypted, private_key)
        # Parsed inside an element declaring the EncryptedAssertion's namespaces, which the plaintext may use.
        context = etree.tostring(etree.Element("context", nsmap=encrypted.nsmap))  # type: ignore[arg-type]
        assertion = etree.fromstring(context[:-2] + b">" + opened.plaintext + b"</context>")[0]
    except (ValueError, InvalidTag, etree.XMLSyntaxError, IndexError):
        return root
    view = etree.fromstring(etree.tostring(root))
    holder = view.find(f"{{{NS['saml2']}}}EncryptedAssertion")
    assert holder is not None
    holder.addnext(assertion)
    view.remove(holder)
    return view
