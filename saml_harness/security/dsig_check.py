"""Check a ds:Signature's value against a key, independently of the IdP's and the SP's signing code.

Evidence checks use it to prove an attack response carries what it claims: a genuine IdP signature over a
deviant profile, or a signature made with the attacker's own key material.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from saml_xmlns import ALG_EXC_C14N_WITH_COMMENTS, DS, q

_C14N_INCLUSIVE = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
_RSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256,
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-md5": hashes.MD5,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": hashes.SHA512,
}
_HMAC_HASHES = {
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1": "sha1",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256": "sha256",
}


def ds(local: str) -> str:
    """Return the Clark name of an XML-DSig element."""
    return q(DS, local)


def signed_info_bytes(signature: etree._Element) -> bytes | None:
    """Return SignedInfo canonicalized per its CanonicalizationMethod (None when SignedInfo is missing)."""
    signed_info = signature.find(ds("SignedInfo"))
    if signed_info is None:
        return None
    method = signed_info.find(ds("CanonicalizationMethod"))
    algorithm = None if method is None else method.get("Algorithm")
    exclusive = algorithm != _C14N_INCLUSIVE
    return etree.tostring(
        signed_info, method="c14n", exclusive=exclusive, with_comments=algorithm == ALG_EXC_C14N_WITH_COMMENTS
    )


def method_of(signature: etree._Element) -> str:
    """Return the SignatureMethod Algorithm URI ("" when absent)."""
    found = signature.find(f"{ds('SignedInfo')}/{ds('SignatureMethod')}")
    return "" if found is None else str(found.get("Algorithm") or "")


def value_of(signature: etree._Element) -> bytes | None:
    """Return the decoded SignatureValue (None when absent or not base64)."""
    found = signature.find(ds("SignatureValue"))
    if found is None or found.text is None:
        return None
    try:
        return base64.b64decode("".join(found.text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


@dataclass(frozen=True)
class KeyMaterial:
    """A public key (RSA) or an HMAC secret to check a signature with."""

    public_key: rsa.RSAPublicKey | None = None
    hmac_secret: bytes | None = None


def value_verifies(signature: etree._Element, key: KeyMaterial) -> bool:
    """Whether SignatureValue is a valid signature of the canonical SignedInfo under ``key``."""
    data, value, method = signed_info_bytes(signature), value_of(signature), method_of(signature)
    if data is None or value is None:
        return False
    if method in _HMAC_HASHES and key.hmac_secret is not None:
        return hmac.compare_digest(hmac.new(key.hmac_secret, data, _HMAC_HASHES[method]).digest(), value)
    if method in _RSA_HASHES and key.public_key is not None:
        try:
            key.public_key.verify(value, data, padding.PKCS1v15(), _RSA_HASHES[method]())
        except InvalidSignature:
            return False
        return True
    return False


def certificates_in(signature: etree._Element) -> list[x509.Certificate]:
    """Return the X509Certificates in the signature's KeyInfo (unparseable ones skipped)."""
    found = []
    for element in signature.iterfind(f"{ds('KeyInfo')}/{ds('X509Data')}/{ds('X509Certificate')}"):
        try:
            found.append(x509.load_der_x509_certificate(base64.b64decode("".join((element.text or "").split()))))
        except ValueError:
            continue
    return found


def rsa_key(certificate: x509.Certificate) -> rsa.RSAPublicKey | None:
    """Return the certificate's RSA key (None for other key types, which SAML IdPs here never use)."""
    key = certificate.public_key()
    return key if isinstance(key, rsa.RSAPublicKey) else None


def verifies_with_embedded_key(signature: etree._Element) -> bool:
    """Whether the signature verifies with key material it carries itself (a certificate or an HMAC key)."""
    for certificate in certificates_in(signature):
        if value_verifies(signature, KeyMaterial(public_key=rsa_key(certificate))):
            return True
        pem = certificate.public_bytes(Encoding.PEM)
        if value_verifies(signature, KeyMaterial(hmac_secret=pem)):
            return True
    for element in signature.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == "HMACKeyValue" and element.text:
            secret = base64.b64decode(element.text)
            if value_verifies(signature, KeyMaterial(hmac_secret=secret)):
                return True
    return False


def verifies_with_certificate(signature: etree._Element, certificate_der: bytes) -> bool:
    """Whether the signature verifies with the given (trusted) certificate's RSA key."""
    certificate = x509.load_der_x509_certificate(certificate_der)
    return value_verifies(signature, KeyMaterial(public_key=rsa_key(certificate)))
