"""Make signing credentials in Okta's certificate profile (pure: no Flask, no IO).

Okta's SAML signing certificates (as in Okta's published metadata) are self-signed X.509 v3 with no extensions at
all, subject = issuer = ``C=US, ST=California, L=San Francisco, O=Okta, OU=SSOProvider, CN=<org>,
emailAddress=info@okta.com``, serial = creation time in epoch milliseconds, NotBefore = creation - 60 s
and NotAfter = creation + N years, RSA-2048 with sha256WithRSA (sha1WithRSA before ~2017).
"""

from __future__ import annotations

import base64
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KeySource = Callable[[int], rsa.RSAPrivateKey]
"""Return a new RSA private key of the given size; injectable so tests can reuse keys."""

# Okta signed certificates with sha1WithRSA before ~2017, but cryptography >= 45 refuses SHA-1 certificate
# signatures ("Hash algorithm "sha1" not supported for signatures"), so only the SHA-2 family is offered.
_HASHES: dict[str, Callable[[], hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

# Okta puts NotBefore one minute before the creation instant (as Okta's certificates show).
NOT_BEFORE_SLACK = timedelta(seconds=60)

_serial_lock = threading.Lock()
_used_serials: set[int] = set()


def generate_rsa_key(key_size: int = 2048) -> rsa.RSAPrivateKey:
    """Generate a fresh RSA key (costly: tests share keys through ``KeyPool``): the default ``KeySource``."""
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


class KeyPool:
    """Share generated RSA keys between orgs: each ``source()`` yields distinct keys, in the same order.

    Within one org every key is different (a rotated key must not verify with the old certificate);
    across orgs (one per test) the same keys are reused, which keeps suites fast.
    """

    def __init__(self) -> None:
        self._keys: dict[int, list[rsa.RSAPrivateKey]] = {}
        self._lock = threading.Lock()

    def _nth(self, key_size: int, index: int) -> rsa.RSAPrivateKey:
        with self._lock:
            keys = self._keys.setdefault(key_size, [])
            while len(keys) <= index:
                keys.append(generate_rsa_key(key_size))
            return keys[index]

    def source(self) -> KeySource:
        """Return a ``KeySource`` that walks this pool from its first key."""
        counters: dict[int, int] = {}

        def next_key(key_size: int) -> rsa.RSAPrivateKey:
            index = counters.get(key_size, 0)
            counters[key_size] = index + 1
            return self._nth(key_size, index)

        return next_key


def okta_subject(common_name: str) -> x509.Name:
    """Return Okta's certificate subject (and issuer) for an org named ``common_name``."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "California"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "San Francisco"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Okta"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "SSOProvider"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "info@okta.com"),
        ]
    )


def _unique_serial(created: datetime) -> int:
    """Return the creation time in epoch ms, moved on by 1 ms while this process already used it."""
    serial = int(created.timestamp() * 1000)
    with _serial_lock:
        while serial in _used_serials:
            serial += 1
        _used_serials.add(serial)
        return serial


@dataclass(frozen=True, eq=False)
class Credential:
    """A private key object and its certificate; the key is held, never re-parsed per signature."""

    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate

    @cached_property
    def cert_pem(self) -> bytes:
        """Return the certificate as PEM (what "Download certificate" gives)."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @cached_property
    def cert_b64_76(self) -> str:
        """Return the DER certificate in base64 wrapped at 76 chars, as Okta writes it in XML."""
        return wrap76(self.certificate.public_bytes(serialization.Encoding.DER))

    @property
    def not_before(self) -> datetime:
        """Return the start of validity (aware UTC)."""
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> datetime:
        """Return the end of validity (aware UTC)."""
        return self.certificate.not_valid_after_utc


def wrap76(der: bytes) -> str:
    """Base64-encode and wrap at 76 columns with ``\\n`` (Java MIME style, as in Okta's XML)."""
    return "\n".join(textwrap.wrap(base64.b64encode(der).decode("ascii"), 76))


def make_credential(
    common_name: str,
    not_before: datetime,
    not_after: datetime,
    key_size: int = 2048,
    signature_hash: str = "sha256",
    *,
    private_key: rsa.RSAPrivateKey | None = None,
    created: datetime | None = None,
) -> Credential:
    """Make a self-signed certificate in Okta's profile with the validity window chosen by the caller.

    ``created`` (default ``not_before`` + 60 s) sets the serial number in epoch ms; serials stay unique
    within the process.
    """
    if signature_hash not in _HASHES:
        raise ValueError(f"signature_hash must be one of {sorted(_HASHES)}, got {signature_hash!r}")
    if not_after <= not_before:
        raise ValueError("not_after must be later than not_before")
    key = private_key if private_key is not None else generate_rsa_key(key_size)
    subject = okta_subject(common_name)
    serial = _unique_serial(created if created is not None else not_before + NOT_BEFORE_SLACK)
    # No .add_extension() calls: Okta's certificates carry no extensions (no KeyUsage, no BasicConstraints).
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before.astimezone(UTC).replace(microsecond=0))
        .not_valid_after(not_after.astimezone(UTC).replace(microsecond=0))
        .sign(key, _HASHES[signature_hash]())
    )
    return Credential(private_key=key, certificate=certificate)


def add_years(moment: datetime, years: int) -> datetime:
    """Return ``moment`` shifted by calendar years (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def okta_credential(
    common_name: str, created: datetime, validity_years: int = 10, *, private_key: rsa.RSAPrivateKey | None = None
) -> Credential:
    """Make a credential as Okta's "Generate new certificate" does: created - 60 s to created + N years."""
    return make_credential(
        common_name,
        created - NOT_BEFORE_SLACK,
        add_years(created, validity_years),
        private_key=private_key,
        created=created,
    )
