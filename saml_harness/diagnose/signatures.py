"""Tell support exactly what is wrong with each signature: what it covers, its algorithms, its key, its validity.

Every signature is verified with signxml against the *trusted* certificate only (``x509_cert``), with the
signature's location fixed per element and ``verification_time`` = ``--at``. The certificate inside the response
is used solely to name the cause of a failure (a rotated key signs fine with its own certificate), never to accept.
SHA-1 is allowed in the verifier only so that it can be reported: JustCall refuses it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import InvalidCertificate, InvalidDigest, InvalidSignature, SignatureConfiguration, XMLVerifier
from signxml.algorithms import DigestAlgorithm, SignatureMethod

from saml_harness.diagnose.model import (
    CERTIFICATE_ERROR,
    INVALID_RESPONSE,
    Config,
    Finding,
    TrustedCertificate,
)
from saml_harness.diagnose.timefmt import fmt_instant, human_duration
from saml_xmlns import ALG_ENVELOPED, ALG_EXC_C14N, ALG_EXC_C14N_WITH_COMMENTS, DS, SAML, q

Outcome = Literal["valid", "digest", "signature", "certificate", "malformed"]

RESPONSE_LOCATION = "./"
ASSERTION_LOCATION = f"./{q(SAML, 'Assertion')}/"
EXPIRY_WARNING = timedelta(days=60)
"""Okta notifies admins 60 days before a signing certificate expires; warn from the same point."""

_ALL_METHODS = frozenset(m for m in SignatureMethod if not m.name.startswith("HMAC"))
_ALL_DIGESTS = frozenset(DigestAlgorithm)
_SHA1_MARKERS = ("sha1", "rsa-sha1", "dsa-sha1", "ecdsa-sha1")
_GOOD_TRANSFORMS = frozenset({ALG_ENVELOPED, ALG_EXC_C14N, ALG_EXC_C14N_WITH_COMMENTS})
_SPEC_VERIFY = "SAML Profiles 4.1.4.3 (verify any signatures present); XML-DSig core validation"
_CERT_FIX = (
    "Re-download the active certificate from Okta (JustCall app > Sign On tab > SAML Signing Certificates > "
    "Actions > Download certificate) and upload it in JustCall (Settings > Security > Single Sign-On > Certificate)."
)


@dataclass
class SignatureResult:
    """What checking one element's signature established."""

    findings: list[Finding] = field(default_factory=list)
    present: bool = False
    covers: bool = False
    """The signature's Reference is the ID of the element that contains it."""
    intact: bool = False
    """The signature verifies with the trusted key (or, without one, with its own certificate), at any time."""
    matched: set[bytes] = field(default_factory=set)
    """SHA-256 fingerprints of trusted certificates whose key made this signature."""


def fingerprint(certificate: x509.Certificate) -> bytes:
    """Return the certificate's SHA-256 fingerprint (how certificates are compared)."""
    return certificate.fingerprint(hashes.SHA256())


def fingerprint_text(certificate: x509.Certificate) -> str:
    """Return the SHA-256 fingerprint as colon-separated hex, as people compare it."""
    return ":".join(f"{b:02X}" for b in fingerprint(certificate))


def describe_certificate(certificate: x509.Certificate) -> str:
    """Return subject, serial, validity and SHA-256 fingerprint in one line."""
    subject = certificate.subject.rfc4514_string({NameOID.EMAIL_ADDRESS: "emailAddress"})
    return (
        f"subject {subject}, serial {certificate.serial_number}, valid {fmt_instant(certificate.not_valid_before_utc)}"
        f" to {fmt_instant(certificate.not_valid_after_utc)}, SHA-256 {fingerprint_text(certificate)}"
    )


def _same_key(a: x509.Certificate, b: x509.Certificate) -> bool:
    def spki(cert: x509.Certificate) -> bytes:
        return cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    return spki(a) == spki(b)


def verify(xml: bytes, location: str, certificate: x509.Certificate, when: datetime) -> tuple[Outcome, str]:
    """Verify the signature at ``location`` with ``certificate`` at ``when``; return the outcome and signxml's text."""
    config = SignatureConfiguration(
        location=location,
        expect_references=True,
        signature_methods=_ALL_METHODS,
        digest_algorithms=_ALL_DIGESTS,
        verification_time=when,
    )
    try:
        XMLVerifier().verify(xml, x509_cert=certificate, id_attribute="ID", expect_config=config)
    except InvalidDigest as exc:
        return "digest", str(exc)
    except InvalidCertificate as exc:
        return "certificate", str(exc)
    except InvalidSignature as exc:
        return "signature", str(exc)
    except Exception as exc:  # malformed markup, unknown algorithms, schema errors: report, never crash
        return "malformed", f"{type(exc).__name__}: {exc}"
    return "valid", ""


def _verify_ignoring_time(xml: bytes, location: str, certificate: x509.Certificate) -> tuple[Outcome, str]:
    return verify(xml, location, certificate, certificate.not_valid_before_utc)


def embedded_certificates(signature: etree._Element) -> tuple[list[x509.Certificate], str | None]:
    """Return the KeyInfo X509Certificates (and a parse error, if any)."""
    found: list[x509.Certificate] = []
    for element in signature.iterfind(f"{q(DS, 'KeyInfo')}/{q(DS, 'X509Data')}/{q(DS, 'X509Certificate')}"):
        try:
            found.append(x509.load_der_x509_certificate(base64.b64decode("".join((element.text or "").split()))))
        except (binascii.Error, ValueError) as exc:
            return found, f"KeyInfo X509Certificate does not parse: {exc}"
    return found, None


_C14N_NAMES = {
    ALG_EXC_C14N: "exclusive c14n",
    ALG_EXC_C14N_WITH_COMMENTS: "exclusive c14n with comments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": "inclusive c14n 1.0",
    "http://www.w3.org/2006/12/xml-c14n11": "inclusive c14n 1.1",
    ALG_ENVELOPED: "enveloped-signature",
}


def _algorithm_name(uri: str | None) -> str:
    if uri is None:
        return "(missing)"
    if uri in _C14N_NAMES:
        return _C14N_NAMES[uri]
    return uri.rsplit("#", 1)[-1] if "#" in uri and not uri.endswith("#") else uri


# SAML core 5.4.1/5.4.2: an enveloped signature with a single Reference whose URI is "#" + the ID of the element
# that contains it. Anything else signs some other element than the one the SP reads (signature wrapping).
def check_reference(what: str, signature: etree._Element, element: etree._Element, root: etree._Element) -> Finding:
    """Check that the signature's single Reference is the ID of the element that contains it."""
    check, spec = f"signature.{what.lower()}", "SAML core 5.4.2 (Reference URI = ID of the signed element)"
    references = signature.findall(f"{q(DS, 'SignedInfo')}/{q(DS, 'Reference')}")
    if len(references) != 1:
        message = f"The {what} signature has {len(references)} References; SAML allows exactly one"
        return Finding("error", check, message, spec, INVALID_RESPONSE, "Capture the response exactly as Okta sent it.")
    uri = references[0].get("URI") or ""
    own_id = element.get("ID")
    if own_id and uri == f"#{own_id}":
        return Finding("ok", check, f"The {what} is signed; the Reference URI {uri!r} is the {what}'s own ID", spec)
    targets = [e for e in root.iter(etree.Element) if uri.startswith("#") and e.get("ID") == uri[1:]]
    pointed = ", ".join(f"<{etree.QName(t).localname} ID={t.get('ID')!r}>" for t in targets) or "no element"
    message = (
        f"The {what} signature's Reference URI {uri!r} resolves to {pointed}, not to the {what} that contains it "
        f"(ID {own_id!r}): the signature does not cover the {what} (signature wrapping?)"
    )
    return Finding("error", check, message, spec, INVALID_RESPONSE, "Capture the response exactly as Okta sent it.")


# SAML core 5.4.3/5.4.4 (exclusive c14n; only the enveloped-signature and exc-c14n transforms) and JustCall's
# algorithm policy: RSA-SHA256 (or stronger) with SHA-256 digests; SHA-1 is refused.
def check_algorithms(what: str, signature: etree._Element) -> Finding:
    """Report the signature's algorithms; SHA-1 is an error because JustCall refuses it."""
    check, spec = f"signature.{what.lower()}.algorithm", "SAML core 5.4.3-5.4.4; JustCall algorithm policy (no SHA-1)"
    signed_info = signature.find(q(DS, "SignedInfo"))
    if signed_info is None:
        return Finding("error", check, f"The {what} signature has no SignedInfo", spec, INVALID_RESPONSE)
    method_el = signed_info.find(q(DS, "SignatureMethod"))
    c14n_el = signed_info.find(q(DS, "CanonicalizationMethod"))
    method = None if method_el is None else method_el.get("Algorithm")
    c14n = None if c14n_el is None else c14n_el.get("Algorithm")
    digests = [d.get("Algorithm") for d in signed_info.iterfind(f"{q(DS, 'Reference')}/{q(DS, 'DigestMethod')}")]
    transforms = [t.get("Algorithm") for t in signed_info.iterfind(f".//{q(DS, 'Transform')}")]
    digest_names = ", ".join(map(_algorithm_name, digests)) or "(missing)"
    names = f"SignatureMethod {_algorithm_name(method)}, DigestMethod {digest_names}, {_algorithm_name(c14n)}"
    weak = [n for n in [_algorithm_name(method), *map(_algorithm_name, digests)] if n in _SHA1_MARKERS]
    if weak:
        return Finding(
            "error",
            check,
            f"The {what} signature uses SHA-1 ({names}): JustCall refuses SHA-1 signatures and digests",
            spec,
            INVALID_RESPONSE,
            "In Okta: JustCall app > General > SAML Settings > Edit > Show Advanced Settings: set Signature "
            "Algorithm to RSA-SHA256 and Digest Algorithm to SHA256.",
        )
    odd = [t for t in transforms if t not in _GOOD_TRANSFORMS]
    if c14n not in (ALG_EXC_C14N, ALG_EXC_C14N_WITH_COMMENTS) or odd or ALG_ENVELOPED not in transforms:
        detail = f"transforms {', '.join(_algorithm_name(t) for t in transforms) or '(none)'}"
        message = f"The {what} signature uses {names}, {detail}; SAML expects exclusive c14n and enveloped-signature"
        return Finding(
            "warning", check, message, spec, None, "Strict SPs refuse other canonicalizations or transforms."
        )
    return Finding("ok", check, f"The {what} signature uses {names}", spec)


def _certificate_finding(what: str, embedded: list[x509.Certificate], error: str | None, config: Config) -> Finding:
    check, spec = f"signature.{what.lower()}.certificate", "XML-DSig KeyInfo (informative; never trusted by itself)"
    if error:
        return Finding("warning", check, f"The {what} signature's {error}", spec)
    if not embedded:
        return Finding("info", check, f"The {what} signature carries no certificate in KeyInfo", spec)
    cert = embedded[0]
    text = f"The {what} signature carries the certificate {describe_certificate(cert)}"
    if not config.trusted:
        return Finding("info", check, f"{text}; not compared (no trusted IdP certificate given)", spec)
    same = [t for t in config.trusted if fingerprint(t.certificate) == fingerprint(cert)]
    if same:
        return Finding("ok", check, f"{text}: the trusted certificate ({same[0].source})", spec)
    key = [t for t in config.trusted if _same_key(t.certificate, cert)]
    if key:
        return Finding("info", check, f"{text}: a different certificate for the trusted key ({key[0].source})", spec)
    return Finding("warning", check, f"{text}: NOT the trusted certificate", spec)


def _verify_finding(
    what: str, xml: bytes, location: str, embedded: list[x509.Certificate], config: Config, at: datetime
) -> tuple[Finding, bool, set[bytes]]:
    """Return the verification finding, whether the signature is intact, and the trusted keys that made it."""
    check = f"signature.{what.lower()}.verify"
    if not config.trusted:
        return _verify_untrusted(what, xml, location, embedded, at)
    outcomes = [(t, *verify(xml, location, t.certificate, at)) for t in config.trusted]
    for trusted, outcome, _ in outcomes:
        if outcome == "valid":
            message = (
                f"The {what} signature verifies with the trusted certificate ({trusted.source}) at {fmt_instant(at)}"
            )
            return Finding("ok", check, message, _SPEC_VERIFY), True, {fingerprint(trusted.certificate)}
    for trusted, outcome, _ in outcomes:
        if outcome == "digest":
            return _digest_finding(what, trusted.source), False, {fingerprint(trusted.certificate)}
    for trusted, outcome, _ in outcomes:
        if outcome == "certificate":
            inner, _detail = _verify_ignoring_time(xml, location, trusted.certificate)
            if inner == "valid":
                return _time_finding(what, trusted, at), True, {fingerprint(trusted.certificate)}
            if inner == "digest":
                return _digest_finding(what, trusted.source), False, {fingerprint(trusted.certificate)}
    malformed = [detail for _, outcome, detail in outcomes if outcome == "malformed"]
    if malformed and len(malformed) == len(outcomes):
        message = f"The {what} signature could not be checked: {malformed[0]}"
        return (
            Finding("error", check, message, _SPEC_VERIFY, INVALID_RESPONSE, "Capture the response exactly as sent."),
            False,
            set(),
        )
    return _key_mismatch_finding(what, xml, location, embedded, config), False, set()


def _digest_finding(what: str, source: str) -> Finding:
    message = (
        f"The {what} signature was made with the trusted key ({source}), but the signed content no longer matches its "
        f"digest: the {what} was modified after Okta signed it"
    )
    fix = (
        "Find what rewrites the POST between Okta and JustCall (a proxy, a browser extension, re-encoding, "
        "pretty-printing) and capture the SAMLResponse exactly as posted."
    )
    return Finding("error", f"signature.{what.lower()}.verify", message, _SPEC_VERIFY, INVALID_RESPONSE, fix)


def _time_finding(what: str, trusted: TrustedCertificate, at: datetime) -> Finding:
    cert = trusted.certificate
    if at < cert.not_valid_before_utc:
        state = (
            f"is not yet valid: valid from {fmt_instant(cert.not_valid_before_utc)} "
            f"({human_duration(cert.not_valid_before_utc - at)} after --at)"
        )
    else:
        ago = human_duration(at - cert.not_valid_after_utc)
        state = f"expired on {fmt_instant(cert.not_valid_after_utc)} ({ago} before --at)"
    message = (
        f"The {what} signature is intact and made with the trusted certificate's key ({trusted.source}), but JustCall "
        f"refuses it at {fmt_instant(at)}: the trusted certificate {state}"
    )
    return Finding("error", f"signature.{what.lower()}.verify", message, _SPEC_VERIFY, CERTIFICATE_ERROR, _CERT_FIX)


def _key_mismatch_finding(
    what: str, xml: bytes, location: str, embedded: list[x509.Certificate], config: Config
) -> Finding:
    check = f"signature.{what.lower()}.verify"
    other = [c for c in embedded if not any(_same_key(c, t.certificate) for t in config.trusted)]
    if other and _verify_ignoring_time(xml, location, other[0])[0] in ("valid", "digest"):
        trusted = "; ".join(describe_certificate(t.certificate) for t in config.trusted)
        message = (
            f"The {what} is signed by a different key than the trusted certificate: it was signed with "
            f"{describe_certificate(other[0])}, JustCall trusts {trusted}. Okta's signing certificate was probably "
            "rotated (a new certificate activated) without updating JustCall"
        )
        return Finding("error", check, message, _SPEC_VERIFY, CERTIFICATE_ERROR, _CERT_FIX)
    message = (
        f"The {what} signature does not verify with the trusted certificate"
        + (" nor with the certificate it carries" if embedded else "")
        + ": its SignedInfo or SignatureValue was altered or damaged"
    )
    return Finding("error", check, message, _SPEC_VERIFY, INVALID_RESPONSE, "Capture the response exactly as posted.")


def _verify_untrusted(
    what: str, xml: bytes, location: str, embedded: list[x509.Certificate], at: datetime
) -> tuple[Finding, bool, set[bytes]]:
    check = f"signature.{what.lower()}.verify"
    if not embedded:
        message = f"The {what} signature cannot be verified: no trusted certificate given and none in KeyInfo"
        return (
            Finding("warning", check, message, _SPEC_VERIFY, None, "Pass --idp-cert or --idp-metadata."),
            False,
            set(),
        )
    cert = embedded[0]
    outcome, _detail = _verify_ignoring_time(xml, location, cert)
    if outcome == "digest":
        return _digest_finding(what, "the certificate it carries"), False, set()
    if outcome != "valid":
        message = f"The {what} signature does not verify even with the certificate it carries ({outcome})"
        return (
            Finding("error", check, message, _SPEC_VERIFY, INVALID_RESPONSE, "Capture the response exactly as posted."),
            False,
            set(),
        )
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        # Okta signs only with the app's active certificate: whatever JustCall holds (this certificate or another)
        # fails, so an out-of-date signing certificate is a Certificate error even without knowing JustCall's copy.
        message = (
            f"The {what} signature is intact, but the certificate Okta signed with is not valid at {fmt_instant(at)} "
            f"({describe_certificate(cert)})"
        )
        return Finding("error", check, message, _SPEC_VERIFY, CERTIFICATE_ERROR, _CERT_FIX), True, set()
    message = (
        f"The {what} signature verifies with the certificate it carries; whether JustCall trusts that certificate "
        "was not checked (pass --idp-cert or --idp-metadata)"
    )
    return Finding("warning", check, message, _SPEC_VERIFY), True, set()


def check_signature(
    what: str,
    xml: bytes,
    root: etree._Element,
    element: etree._Element,
    signatures: list[etree._Element],
    config: Config,
    at: datetime,
) -> SignatureResult:
    """Check the signature(s) enveloped in ``element`` (the Response or the Assertion)."""
    result = SignatureResult()
    check = f"signature.{what.lower()}"
    if not signatures:
        result.findings.append(Finding("info", check, f"The {what} is not signed", "SAML Profiles 4.1.4.5"))
        return result
    result.present = True
    if len(signatures) > 1:
        message = f"The {what} contains {len(signatures)} ds:Signature elements; exactly one is allowed"
        result.findings.append(Finding("error", check, message, "SAML core 5.4.1", INVALID_RESPONSE))
        return result
    signature = signatures[0]
    reference = check_reference(what, signature, element, root)
    result.covers = reference.severity == "ok"
    embedded, error = embedded_certificates(signature)
    result.findings += [
        reference,
        check_algorithms(what, signature),
        _certificate_finding(what, embedded, error, config),
    ]
    if len(signature.findall(f"{q(DS, 'SignedInfo')}/{q(DS, 'Reference')}")) != 1:
        return result  # a SAML signature has exactly one Reference (reported above); verifying it would mislead
    location = RESPONSE_LOCATION if element is root else ASSERTION_LOCATION
    finding, result.intact, result.matched = _verify_finding(what, xml, location, embedded, config, at)
    result.findings.append(finding)
    return result


# Help article, Troubleshooting "Certificate error": "Expired certificates cause authentication failures." The
# certificate JustCall holds must be valid at its clock (signxml 5.1+ refuses it otherwise).
def check_trusted_certificates(config: Config, at: datetime, matched: Iterable[bytes]) -> list[Finding]:
    """Report each trusted certificate's validity at ``at``: an error when it is the one that signed (or none did)."""
    spec = "Help article, Troubleshooting: Certificate error; signxml x509_cert validity"
    if not config.trusted:
        message = (
            "No trusted IdP certificate given (--idp-cert / --idp-metadata): signatures were checked only against "
            "the certificate inside the response, which proves integrity, not that Okta signed it"
        )
        return [
            Finding(
                "warning", "trust.certificate", message, spec, None, "Pass the certificate JustCall has configured."
            )
        ]
    used = set(matched)
    findings = []
    for trusted in config.trusted:
        cert = trusted.certificate
        relevant = not used or fingerprint(cert) in used
        text = f"Trusted certificate ({trusted.source}): {describe_certificate(cert)}"
        if at > cert.not_valid_after_utc or at < cert.not_valid_before_utc:
            when = (
                f"expired on {fmt_instant(cert.not_valid_after_utc)}, {human_duration(at - cert.not_valid_after_utc)}"
                " before --at"
                if at > cert.not_valid_after_utc
                else f"not yet valid: valid from {fmt_instant(cert.not_valid_before_utc)}, "
                f"{human_duration(cert.not_valid_before_utc - at)} after --at"
            )
            if relevant:
                findings.append(
                    Finding("error", "trust.certificate", f"{text}: {when}", spec, CERTIFICATE_ERROR, _CERT_FIX)
                )
            else:
                message = f"{text}: {when} (not the certificate that signed this response)"
                findings.append(Finding("warning", "trust.certificate", message, spec))
        elif cert.not_valid_after_utc - at < EXPIRY_WARNING:
            message = f"{text}: valid at --at, but expires in {human_duration(cert.not_valid_after_utc - at)}"
            findings.append(Finding("warning", "trust.certificate", message, spec, None, _CERT_FIX))
        else:
            findings.append(Finding("ok", "trust.certificate", f"{text}: valid at {fmt_instant(at)}", spec))
    return findings
