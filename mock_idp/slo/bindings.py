"""Check the SP's signature on a logout message and sign Okta's own, per binding (pure).

HTTP-Redirect (SAMLBind 3.4.4.1): the signature travels in ``SigAlg`` and ``Signature`` over the octets
``SAMLRequest=..&RelayState=..&SigAlg=..`` exactly as they were URL-encoded in the query received.
HTTP-POST (SAMLBind 3.5.4, SAMLCore 5.4): an enveloped ``ds:Signature`` in the message, referencing its root.
Only the app's Signature Certificate is trusted; a certificate in KeyInfo is never used.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import InvalidInput, InvalidSignature, SignatureConfiguration, XMLVerifier
from signxml.exceptions import InvalidCertificate, InvalidDigest

from saml_xmlns import ALG_RSA_SHA1, ALG_RSA_SHA256, DS, q

# Okta's Signature Algorithm choices (RSA-SHA256, RSA-SHA1) for the query signature.
REDIRECT_ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {ALG_RSA_SHA256: hashes.SHA256, ALG_RSA_SHA1: hashes.SHA1}


class SignatureError(ValueError):
    """The logout message is unsigned or its signature does not verify with the Signature Certificate."""


def _raw_params(query_string: str) -> dict[str, str]:
    """Return each query parameter's value as received (still URL-encoded); the first occurrence wins."""
    raw: dict[str, str] = {}
    for part in query_string.split("&"):
        name, _, value = part.partition("=")
        raw.setdefault(unquote_plus(name), value)
    return raw


def verify_redirect(query_string: str, message_param: str, certificate: x509.Certificate) -> None:
    """Verify the HTTP-Redirect query signature (SAMLBind 3.4.4.1) or raise ``SignatureError``."""
    raw = _raw_params(query_string)
    if "Signature" not in raw or "SigAlg" not in raw:
        raise SignatureError("The logout message is not signed (no SigAlg and Signature in the query).")
    sig_alg = unquote_plus(raw["SigAlg"])
    hash_class = REDIRECT_ALGORITHMS.get(sig_alg)
    if hash_class is None:
        raise SignatureError(f"The signature algorithm {sig_alg!r} is not supported.")
    # SAMLBind 3.4.4.1: SAMLRequest (or SAMLResponse), RelayState if present, SigAlg, in this order.
    parts = [f"{message_param}={raw.get(message_param, '')}"]
    if "RelayState" in raw:
        parts.append(f"RelayState={raw['RelayState']}")
    parts.append(f"SigAlg={raw['SigAlg']}")
    try:
        signature = base64.b64decode(unquote_plus(raw["Signature"]), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("The Signature parameter is not base64.") from exc
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("The Signature Certificate does not hold an RSA key.")
    try:
        key.verify(signature, "&".join(parts).encode("ascii", "replace"), padding.PKCS1v15(), hash_class())
    except CryptoInvalidSignature as exc:
        raise SignatureError("The logout message's signature does not verify with the Signature Certificate.") from exc


def verify_post(xml: bytes, root: etree._Element, certificate: x509.Certificate) -> None:
    """Verify the enveloped signature of a POSTed logout message (SAMLCore 5.4) or raise ``SignatureError``."""
    signatures = root.findall(q(DS, "Signature"))
    if not signatures:
        raise SignatureError("The logout message is not signed (no ds:Signature in it).")
    if len(signatures) > 1 or len(list(root.iter(q(DS, "Signature")))) > 1:
        raise SignatureError("The logout message carries more than one ds:Signature.")
    pem = certificate.public_bytes(Encoding.PEM).decode("ascii")
    try:
        result = XMLVerifier().verify(
            xml, x509_cert=pem, expect_config=SignatureConfiguration(location="./", expect_references=1)
        )
    except (InvalidSignature, InvalidDigest, InvalidCertificate, InvalidInput) as exc:
        raise SignatureError(f"The logout message's signature does not verify: {exc}") from exc
    signed = result.signed_xml if not isinstance(result, list) else None
    # SAMLCore 5.4.2: the Reference must be to the signed message itself, not to some other element.
    if signed is None or signed.tag != root.tag or signed.get("ID") != root.get("ID"):
        raise SignatureError("The signature does not cover the logout message itself.")
