"""Load the IdP signing certificate an admin uploads (PEM or DER) and describe it for the settings page."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

MAX_CERTIFICATE_BYTES = 64 * 1024
"""Larger uploads are not an X.509 signing certificate; refuse them before parsing."""

_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\s+([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----")
_BASE64_ONLY = re.compile(rb"^[A-Za-z0-9+/=\s]+$")


class NotACertificate(ValueError):
    """The bytes are not an X.509 certificate in PEM, DER or bare base64 form."""


def load_certificate(data: bytes) -> x509.Certificate:
    """Parse an X.509 certificate from PEM (first block), DER, or the bare base64 body Okta shows."""
    if not data or len(data) > MAX_CERTIFICATE_BYTES:
        raise NotACertificate("The file is empty or too large to be a certificate.")
    pem = _PEM_BLOCK.search(data)
    if pem is not None:
        der = _b64(pem.group(1))
    elif _BASE64_ONLY.match(data.strip()):
        der = _b64(data)
    else:
        der = data
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise NotACertificate("The file is not an X.509 certificate (PEM or DER).") from exc


def _b64(text: bytes) -> bytes:
    try:
        return base64.b64decode(b"".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NotACertificate("The certificate's base64 text is damaged.") from exc


def to_der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(Encoding.DER)


@dataclass(frozen=True)
class CertificateInfo:
    """What the settings page shows about the pinned certificate."""

    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    sha256_fingerprint: str

    def status_at(self, now: datetime) -> str:
        """Return ``valid``, ``expired`` or ``not_yet_valid`` at ``now``."""
        if now < self.not_before:
            return "not_yet_valid"
        if now > self.not_after:
            return "expired"
        return "valid"


def describe(certificate: x509.Certificate) -> CertificateInfo:
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex().upper()
    return CertificateInfo(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        sha256_fingerprint=":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2)),
    )
