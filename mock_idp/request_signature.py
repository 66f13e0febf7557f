"""The app's "Signed Requests": validate the SP's signed SAML requests with its uploaded Signature Certificate.

Okta validates an SP's signed AuthnRequests (and, with Single Logout, its LogoutRequests) with the certificate the
admin uploaded as "Signature Certificate"; with "Signed Requests" on, an unsigned or badly signed request is refused.
Both bindings: HTTP-Redirect carries the signature in the query (SAML Bindings 3.4.4.1), HTTP-POST inside the
message as an enveloped XML signature (Bindings 3.5.4 defers to SAML Core 5).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.exceptions import InvalidInput, SignXMLException

from mock_idp.authn_request import AuthnRequest, AuthnRequestError, parse_authn_request
from mock_idp.encryption import load_certificate
from mock_idp.model import SamlApp
from saml_xmlns import ALG_RSA_SHA1, ALG_RSA_SHA256

SIGNATURE_CERTIFICATE = "signature certificate"

QUERY_SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    ALG_RSA_SHA256: hashes.SHA256,
    ALG_RSA_SHA1: hashes.SHA1,
}
"""SigAlg values accepted: the two RSA algorithms Okta offers for its own SAML signatures."""

MAX_SIGNATURE_CHARS = 4096
"""A base64 RSA signature of up to 16384 bits fits; anything longer is refused unread."""


class RequestSignatureError(AuthnRequestError):
    """The SAML request's signature is missing or does not check out; the message is fit for the 400 page."""


class MissingSignatureError(RequestSignatureError):
    """Signed Requests is on and the request carries no signature."""


class UnsupportedSigAlgError(RequestSignatureError):
    """The request is signed with an algorithm this app does not accept (or names none)."""


class BadSignatureError(RequestSignatureError):
    """The signature does not verify with the app's Signature Certificate."""


def load_signature_certificate(pem: str) -> x509.Certificate:
    """Parse the uploaded Signature Certificate; ``ValueError`` with a readable message if it is not one."""
    return load_certificate(pem, SIGNATURE_CERTIFICATE)


def check_signature_settings(app: SamlApp) -> None:
    """Refuse an app Okta would refuse: a bad Signature Certificate, or Signed Requests on without one."""
    if app.signature_certificate:
        load_signature_certificate(app.signature_certificate)
    elif app.request_signed:
        raise ValueError("Signed Requests is on but no signature certificate was uploaded")


def _raw_fields(raw_query: bytes) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for part in raw_query.decode("ascii", errors="replace").split("&"):
        name, _, value = part.partition("=")
        fields.setdefault(unquote_plus(name), []).append(value)
    return fields


def _single(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    if values is None:
        return None
    if len(values) != 1:
        raise RequestSignatureError(f"The signed request carries {name} more than once.")
    return values[0]


# SAMLBind 3.4.4.1: the signature covers "SAMLRequest=value&RelayState=value&SigAlg=value", each value exactly as
# URL-encoded in the query received (RelayState only when present); the IdP checks the octets as sent.
def verify_redirect_signature(raw_query: bytes, certificate: x509.Certificate, parameter: str = "SAMLRequest") -> None:
    """Check the query signature of a HTTP-Redirect request; raise ``RequestSignatureError`` saying why not."""
    fields = _raw_fields(raw_query)
    message, relay_state = _single(fields, parameter), _single(fields, "RelayState")
    sig_alg, signature = _single(fields, "SigAlg"), _single(fields, "Signature")
    if signature is None:
        raise MissingSignatureError("The SAML request is not signed, and this application requires signed requests.")
    if message is None:
        raise RequestSignatureError(f"The signed request has no {parameter}.")
    algorithm = unquote_plus(sig_alg or "")
    if algorithm not in QUERY_SIGNATURE_HASHES:
        raise UnsupportedSigAlgError(
            f"The SAML request signature algorithm {algorithm or '(none)'!r} is not supported."
        )
    signed = f"{parameter}={message}"
    if relay_state is not None:
        signed += f"&RelayState={relay_state}"
    signed += f"&SigAlg={sig_alg}"
    if len(signature) > MAX_SIGNATURE_CHARS:
        raise BadSignatureError("The SAML request signature is too long.")
    try:
        raw_signature = base64.b64decode(unquote_plus(signature), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadSignatureError("The SAML request signature is not valid base64.") from exc
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)  # load_signature_certificate refuses any other key
    try:
        key.verify(raw_signature, signed.encode("ascii"), padding.PKCS1v15(), QUERY_SIGNATURE_HASHES[algorithm]())
    except InvalidSignature as exc:
        raise BadSignatureError(
            "The SAML request signature is invalid: it does not verify with the signature certificate."
        ) from exc


def _post_config() -> SignatureConfiguration:
    # SAMLCore 5.4.1/5.4.2: one enveloped signature, a direct child of the request, referencing the request's ID.
    return SignatureConfiguration(
        location="./",
        expect_references=1,
        signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA1}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA1}),
    )


def verify_post_signature(xml: bytes, certificate: x509.Certificate) -> bytes:
    """Check the enveloped signature of a HTTP-POST request; return the signed request's XML as signed."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    if root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is None:
        raise MissingSignatureError("The SAML request is not signed, and this application requires signed requests.")
    try:
        result = XMLVerifier().verify(xml, x509_cert=certificate, id_attribute="ID", expect_config=_post_config())
    except InvalidInput as exc:
        raise UnsupportedSigAlgError(f"The SAML request signature is not supported: {exc}") from exc
    except SignXMLException as exc:
        raise BadSignatureError(
            "The SAML request signature is invalid: it does not verify with the signature certificate."
        ) from exc
    except Exception as exc:  # fail closed: malformed signature markup
        raise BadSignatureError("The SAML request signature cannot be read.") from exc
    signed = result[0] if isinstance(result, list) else result
    signed_root = signed.signed_xml
    if signed_root is None or signed_root.tag != root.tag or signed_root.get("ID") != root.get("ID"):
        raise BadSignatureError("The SAML request signature does not cover the request itself.")
    return etree.tostring(signed_root)


def checked_request(app: SamlApp, request: AuthnRequest, binding: str, raw_query: bytes) -> AuthnRequest:
    """Return the AuthnRequest to act on: as parsed when Signed Requests is off, else only once its signature checks.

    ``binding`` is ``redirect`` (the signature is in ``raw_query``) or ``post`` (enveloped in the XML); a POST
    request is re-read from what the signature covered, so nothing unsigned is used.
    """
    if not app.request_signed:
        return request
    certificate = load_signature_certificate(app.signature_certificate)
    if binding == "redirect":
        verify_redirect_signature(raw_query, certificate)
        return request
    return parse_authn_request(verify_post_signature(request.xml, certificate))
