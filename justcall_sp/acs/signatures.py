"""Verify the Response/Assertion signatures with the pinned certificate and return only what was signed.

Security rules (signxml README "See what is signed"; SAML core 5.4):

* trust only the configured certificate (``x509_cert``); a certificate in KeyInfo is never trusted;
* accept signatures only at ``Response/ds:Signature`` and ``Response/Assertion/ds:Signature`` and tell
  signxml that location, so it cannot pick up another signature elsewhere in the document;
* the Reference must point at the ID of the element that envelops the signature;
* claims are read from ``VerifyResult.signed_xml`` only, never from the posted document.

Algorithm policy: RSA with SHA-2 (SHA-256, SHA-384, SHA-512) for SignatureMethod and DigestMethod, exclusive
c14n, and only the enveloped-signature and exclusive-c14n transforms. RSA-SHA1 and SHA-1 digests are refused
(``signature.algorithm``): SHA-1 collisions are practical, and Okta's default has been RSA-SHA256 for years.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from lxml import etree
from signxml import InvalidDigest, InvalidSignature, SignatureConfiguration, XMLVerifier
from signxml.algorithms import DigestAlgorithm, SignatureMethod

from justcall_sp.acs.reasons import Reject
from saml_xmlns import (
    ALG_ENVELOPED,
    ALG_EXC_C14N,
    ALG_EXC_C14N_WITH_COMMENTS,
    DS,
    SAML,
    q,
)

ALLOWED_SIGNATURE_METHODS = frozenset(
    {SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384, SignatureMethod.RSA_SHA512}
)
ALLOWED_DIGEST_ALGORITHMS = frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512})
ALLOWED_C14N = frozenset({ALG_EXC_C14N, ALG_EXC_C14N_WITH_COMMENTS})
ALLOWED_TRANSFORMS = frozenset({ALG_ENVELOPED, ALG_EXC_C14N, ALG_EXC_C14N_WITH_COMMENTS})

RESPONSE_LOCATION = "./"
"""signxml ``location`` of the Response's own signature: a direct child of the root."""
ASSERTION_LOCATION = f"./{q(SAML, 'Assertion')}/"
"""signxml ``location`` of the Assertion's signature: a direct child of the (single) Assertion."""


@dataclass(frozen=True)
class SignedAssertion:
    """The assertion as signed (from ``signed_xml``): the only source of claims for every later check."""

    assertion: etree._Element


def _ds(local: str) -> str:
    return q(DS, local)


# SAML core 5.4.1 and python3-saml's fixed XPaths: a signature is accepted only as a direct child of the
# Response or of its Assertion, at most one each. Anything else (inside Extensions, StatusDetail, a nested
# element, a second signature) is a wrapping attempt (attack catalog 1.A/1.B).
def find_signatures(
    root: etree._Element, assertion: etree._Element
) -> tuple[etree._Element | None, etree._Element | None]:
    response_sigs: list[etree._Element] = []
    assertion_sigs: list[etree._Element] = []
    for signature in root.iter(_ds("Signature")):
        parent = signature.getparent()
        if parent is root:
            response_sigs.append(signature)
        elif parent is assertion:
            assertion_sigs.append(signature)
        else:
            where = "?" if parent is None else etree.QName(parent).localname
            raise Reject("signature.invalid", f"ds:Signature at an unexpected place (inside {where})")
    if len(response_sigs) > 1 or len(assertion_sigs) > 1:
        raise Reject("signature.invalid", "more than one ds:Signature on the same element")
    return (response_sigs[0] if response_sigs else None, assertion_sigs[0] if assertion_sigs else None)


# Profiles 4.1.4.5: "each assertion MUST be protected by a digital signature. This can be accomplished by
# signing each individual <Assertion> element or by signing the <Response> element."
def check_signature_present(response_sig: etree._Element | None, assertion_sig: etree._Element | None) -> None:
    if response_sig is None and assertion_sig is None:
        raise Reject("signature.missing", "neither the Response nor the Assertion is signed")


# SAML core 5.4.2: one Reference whose URI is "#" + the ID of the enveloping element; 5.4.3/5.4.4: exclusive
# c14n and no transforms beyond enveloped-signature and exclusive c14n; no ds:Object (pysaml2 7.1.0). The
# algorithms must be in the SP's SHA-2 policy (see the module docstring).
def check_signature_profile(signature: etree._Element, signed_element: etree._Element) -> None:
    what = etree.QName(signed_element).localname
    signed_infos = signature.findall(_ds("SignedInfo"))
    if len(signed_infos) != 1:
        raise Reject("signature.invalid", f"{what} signature has {len(signed_infos)} SignedInfo elements")
    if signature.find(_ds("Object")) is not None:
        raise Reject("signature.invalid", f"{what} signature contains ds:Object")
    signed_info = signed_infos[0]
    references = signed_info.findall(_ds("Reference"))
    if len(references) != 1:
        raise Reject("signature.invalid", f"{what} signature has {len(references)} References; one is expected")
    reference = references[0]
    expected_uri = f"#{signed_element.get('ID')}"
    if reference.get("URI") != expected_uri:
        raise Reject(
            "signature.invalid",
            f"{what} signature references {reference.get('URI')!r}, not its own element {expected_uri!r}",
        )
    _require_allowed(signed_info, "CanonicalizationMethod", ALLOWED_C14N)
    _require_allowed(signed_info, "SignatureMethod", frozenset(m.value for m in ALLOWED_SIGNATURE_METHODS))
    _require_allowed(reference, "DigestMethod", frozenset(d.value for d in ALLOWED_DIGEST_ALGORITHMS))
    transforms = reference.findall(f"{_ds('Transforms')}/{_ds('Transform')}")
    algorithms = [t.get("Algorithm") for t in transforms]
    if ALG_ENVELOPED not in algorithms:
        raise Reject("signature.algorithm", f"{what} signature lacks the enveloped-signature transform")
    # SAML core 5.4.4 (and pysaml2 7.1.0's rule): enveloped-signature plus at most one exclusive c14n, each once.
    # A repeated or third transform has no legitimate use and only widens what the verifier must get right.
    if len(algorithms) > 2 or len(set(algorithms)) != len(algorithms):
        raise Reject(
            "signature.algorithm",
            f"{what} signature has transforms {algorithms}; allowed: enveloped-signature and one exclusive c14n",
        )
    for algorithm in algorithms:
        if algorithm not in ALLOWED_TRANSFORMS:
            raise Reject("signature.algorithm", f"Transform {algorithm!r} is not allowed by the SP's algorithm policy")


def _require_allowed(parent: etree._Element, local: str, allowed: frozenset[str]) -> None:
    """The Algorithm of ``parent``'s ds:``local`` child must be in ``allowed``; a missing child is refused too."""
    element = parent.find(_ds(local))
    algorithm = None if element is None else element.get("Algorithm")
    if algorithm not in allowed:
        raise Reject("signature.algorithm", f"{local} {algorithm!r} is not allowed by the SP's algorithm policy")


# Help article, Troubleshooting: "Expired certificates cause authentication failures." The pinned certificate
# must be valid at the SP's clock (signxml 5.1+ checks the same; we check first to name the reason).
def check_certificate_validity(certificate: x509.Certificate, now: datetime) -> None:
    if now < certificate.not_valid_before_utc:
        raise Reject(
            "certificate.not_yet_valid",
            f"the configured certificate is not valid before {certificate.not_valid_before_utc.isoformat()}",
        )
    if now > certificate.not_valid_after_utc:
        raise Reject(
            "certificate.expired",
            f"the configured certificate expired at {certificate.not_valid_after_utc.isoformat()}",
        )


@functools.lru_cache(maxsize=64)
def _describe(certificate: x509.Certificate) -> str:
    try:
        subject = certificate.subject.rfc4514_string()
    except ValueError:
        subject = "<invalid subject>"
    return f"subject={subject}, serial={certificate.serial_number}"


class _Verifier(XMLVerifier):
    """signxml's verifier, describing the certificate (for its error messages) once per certificate.

    signxml formats the subject on every verification, even a successful one, and the ACS verifies with the
    same pinned certificate every time. Nothing else is changed: the same checks run in the same order.
    """

    def _get_cert_description(self, cert: Any, cert_source: Any) -> str:
        return f"{cert_source} ({_describe(cert)})"


def _config(location: str, now: datetime) -> SignatureConfiguration:
    return SignatureConfiguration(
        location=location,
        expect_references=1,
        signature_methods=ALLOWED_SIGNATURE_METHODS,
        digest_algorithms=ALLOWED_DIGEST_ALGORITHMS,
        verification_time=now,
    )


# Profiles 4.1.4.3: "Verify any signatures present on the assertion(s) or the response." Returns the signed
# element exactly as signed (signxml's re-parsed canonical form, comments excised).
def verify_signature(
    xml: bytes,
    signature: etree._Element,
    signed_element: etree._Element,
    location: str,
    certificate: x509.Certificate,
    now: datetime,
) -> etree._Element:
    what = etree.QName(signed_element).localname
    try:
        result = _Verifier().verify(xml, x509_cert=certificate, id_attribute="ID", expect_config=_config(location, now))
    except InvalidDigest as exc:
        raise Reject("signature.invalid", f"{what} signature: {exc}") from exc
    except InvalidSignature as exc:
        raise _signature_failure(xml, signature, certificate, location, what, exc) from exc
    except Exception as exc:  # fail closed: malformed signature markup, unknown algorithms, schema errors
        raise Reject("signature.invalid", f"{what} signature: {type(exc).__name__}: {exc}") from exc
    if isinstance(result, list):  # expect_references=1 returns one result; be defensive all the same
        raise Reject("signature.invalid", f"{what} signature has more than one reference")
    signed = result.signed_xml
    if signed is None or signed.tag != signed_element.tag or signed.get("ID") != signed_element.get("ID"):
        raise Reject("signature.invalid", f"{what} signature does not cover the {what} it sits in")
    return signed


def _signature_failure(
    xml: bytes,
    signature: etree._Element,
    certificate: x509.Certificate,
    location: str,
    what: str,
    exc: Exception,
) -> Reject:
    """Tell a signature made with another key (``signature.untrusted_key``) from a broken one.

    The KeyInfo certificate is used only for this diagnosis, never to accept anything: if the signature
    verifies with it and its key is not the configured one, the IdP signed with a different (often rotated)
    key; otherwise the signature value or SignedInfo was damaged.
    """
    embedded = _embedded_certificate(signature)
    if embedded is None or _same_key(embedded, certificate):
        return Reject("signature.invalid", f"{what} signature: {exc}")
    try:
        _Verifier().verify(
            xml,
            x509_cert=embedded,
            id_attribute="ID",
            expect_config=_config(location, embedded.not_valid_before_utc),
        )
    except Exception:
        return Reject("signature.invalid", f"{what} signature: {exc}")
    return Reject(
        "signature.untrusted_key",
        f"{what} is signed by a key other than the configured certificate's "
        f"(signer: {embedded.subject.rfc4514_string()})",
    )


def _embedded_certificate(signature: etree._Element) -> x509.Certificate | None:
    element = signature.find(f"{_ds('KeyInfo')}/{_ds('X509Data')}/{_ds('X509Certificate')}")
    if element is None or not element.text:
        return None
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(element.text.split())))
    except ValueError:
        return None


def _same_key(a: x509.Certificate, b: x509.Certificate) -> bool:
    def spki(cert: x509.Certificate) -> bytes:
        return cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    return spki(a) == spki(b)


def signed_assertion_from_response(signed_response: etree._Element, assertion_id: str) -> etree._Element:
    """Return the one Assertion inside the signed Response, checking it is the one we saw in the document."""
    assertions = signed_response.findall(q(SAML, "Assertion"))
    if len(assertions) != 1 or assertions[0].get("ID") != assertion_id:
        raise Reject("signature.invalid", "the signed Response does not contain exactly the posted Assertion")
    return assertions[0]


def verify_signatures(
    xml: bytes,
    root: etree._Element,
    assertion: etree._Element,
    certificate: x509.Certificate,
    now: datetime,
) -> SignedAssertion:
    """Run the signature checks in order and return the assertion as signed (the only source of claims)."""
    response_sig, assertion_sig = find_signatures(root, assertion)
    check_signature_present(response_sig, assertion_sig)
    if response_sig is not None:
        check_signature_profile(response_sig, root)
    if assertion_sig is not None:
        check_signature_profile(assertion_sig, assertion)
    check_certificate_validity(certificate, now)
    from_response: etree._Element | None = None
    if response_sig is not None:
        signed_response = verify_signature(xml, response_sig, root, RESPONSE_LOCATION, certificate, now)
        from_response = signed_assertion_from_response(signed_response, str(assertion.get("ID")))
    if assertion_sig is not None:
        signed = verify_signature(xml, assertion_sig, assertion, ASSERTION_LOCATION, certificate, now)
        return SignedAssertion(signed)
    assert from_response is not None  # check_signature_present guarantees one of the two
    return SignedAssertion(from_response)
