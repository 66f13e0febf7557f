"""Sign a SAML request for the HTTP-Redirect binding (SAML Bindings 3.4.4.1): a query signature, no XML signature.

Pure: the message and JustCall's signing key in, the signed query string out. The signature covers the exact
URL-encoded octets ``SAMLRequest=...&RelayState=...&SigAlg=...`` that are sent, so the IdP can check them as received.
"""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from saml_xmlns import ALG_RSA_SHA256

SIG_ALG = ALG_RSA_SHA256
"""JustCall signs with RSA-SHA256 only (SHA-1 is refused by current IdP policies)."""


def signed_query(parameter: str, encoded_message: str, relay_state: str | None, key: rsa.RSAPrivateKey) -> str:
    """Return ``<parameter>=...[&RelayState=...]&SigAlg=...&Signature=...`` for ``encoded_message`` (base64).

    Bindings 3.4.4.1: the signed octets are the three URL-encoded fields in this order, RelayState only when sent.
    """
    fields = [f"{parameter}={quote_plus(encoded_message)}"]
    if relay_state:
        fields.append(f"RelayState={quote_plus(relay_state)}")
    fields.append(f"SigAlg={quote_plus(SIG_ALG)}")
    signed = "&".join(fields)
    signature = key.sign(signed.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signed}&Signature={quote_plus(base64.b64encode(signature).decode('ascii'))}"
