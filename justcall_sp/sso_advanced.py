"""Store the optional SSO settings (Encrypt assertions, signing, group-to-role mapping) and read them for SSO.

Kept apart from ``sso_store`` (the article's Step 4 hot path) so that accounts without these settings pay one
indexed read and nothing else. The decryption and signing keys are generated here at run time and never leave the
database except as the certificates the admin downloads for Okta.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from justcall_sp.models import DEFAULT_ROLE_CHOICES, Base, SsoAdvanced, User

ADVANCED = Base.metadata.tables[SsoAdvanced.__tablename__]
USERS = Base.metadata.tables[User.__tablename__]

CERTIFICATE_YEARS = 5


@dataclass(frozen=True)
class AdvancedSettings:
    """What the ACS needs beyond Step 4: the decryption key when assertions must be encrypted, the role map."""

    encrypt_assertions: bool = False
    decryption_key: rsa.RSAPrivateKey | None = field(default=None, repr=False)
    signing_key: rsa.RSAPrivateKey | None = field(default=None, repr=False)
    """JustCall's request-signing key (signed AuthnRequests, LogoutRequests), None until one was generated."""
    sign_authn_requests: bool = False
    role_mappings: tuple[tuple[str, str], ...] = ()
    roles_at_every_login: bool = False


NO_ADVANCED = AdvancedSettings()


def load_advanced(conn: Connection, account_id: int) -> AdvancedSettings:
    """Return the account's optional settings (defaults when it never saved any)."""
    row = conn.execute(select(ADVANCED).where(ADVANCED.c.account_id == account_id)).first()
    if row is None:
        return NO_ADVANCED
    key = _private_key(row.encryption_key) if row.encrypt_assertions else None
    return AdvancedSettings(
        encrypt_assertions=bool(row.encrypt_assertions),
        decryption_key=key,
        signing_key=_private_key(row.signing_key),
        sign_authn_requests=bool(row.sign_authn_requests),
        role_mappings=parse_mappings(row.role_mappings),
        roles_at_every_login=bool(row.roles_at_every_login),
    )


def _private_key(der: bytes | None) -> rsa.RSAPrivateKey | None:
    if der is None:
        return None
    # JustCall generated this key and it never left the database: skip the costly RSA consistency check.
    loaded = serialization.load_der_private_key(der, password=None, unsafe_skip_rsa_key_validation=True)
    return loaded if isinstance(loaded, rsa.RSAPrivateKey) else None


def parse_mappings(raw: str | None) -> tuple[tuple[str, str], ...]:
    """Read the stored JSON list of ``[group, role]`` pairs; anything malformed is ignored, never raised."""
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return ()
    if not isinstance(items, list):
        return ()
    return tuple(
        (str(item[0]), str(item[1]))
        for item in items
        if isinstance(item, list) and len(item) == 2 and str(item[1]) in DEFAULT_ROLE_CHOICES
    )


def advanced_row(session: Session, account_id: int) -> SsoAdvanced:
    """Return the account's row, creating it (settings off) on first use."""
    row = session.scalar(select(SsoAdvanced).where(SsoAdvanced.account_id == account_id))
    if row is None:
        row = SsoAdvanced(
            account_id=account_id,
            encrypt_assertions=False,
            sign_authn_requests=False,
            role_mappings="[]",
            roles_at_every_login=False,
        )
        session.add(row)
        session.flush()
    return row


def new_encryption_key(row: SsoAdvanced, slug: str, now: datetime) -> None:
    """Generate a fresh decryption key and certificate for ``row`` (replacing any previous pair)."""
    row.encryption_key, row.encryption_certificate = _key_pair(f"JustCall SSO encryption ({slug})", now)


def new_signing_key(row: SsoAdvanced, slug: str, now: datetime) -> None:
    """Generate a fresh request-signing key and certificate for ``row`` (the old certificate in Okta stops working)."""
    row.signing_key, row.signing_certificate = _key_pair(f"JustCall SSO signing ({slug})", now)


def _key_pair(common_name: str, now: datetime) -> tuple[bytes, bytes]:
    """Return a fresh RSA-2048 key (PKCS#8 DER) and its self-signed certificate (DER)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name)])
    start = now.astimezone(UTC).replace(microsecond=0) - timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * CERTIFICATE_YEARS))
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return der_key, certificate.public_bytes(serialization.Encoding.DER)


def set_user_role(conn: Connection, user_id: int, role: str) -> None:
    """Change a user's role (group mapping at login); the Owner is never changed."""
    conn.execute(update(USERS).where(USERS.c.id == user_id, USERS.c.is_owner.is_(False)).values(role=role))


@dataclass(frozen=True)
class AdvancedView:
    """What Settings -> Security -> Single Sign-On shows of the optional settings."""

    encrypt_assertions: bool
    encryption_certificate_pem: bytes | None
    role_mappings: tuple[tuple[str, str], ...]
    roles_at_every_login: bool
    signing_certificate_pem: bytes | None = None
    sign_authn_requests: bool = False


def _pem(der: bytes | None) -> bytes | None:
    return None if der is None else x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def view_of(row: SsoAdvanced | None) -> AdvancedView:
    """Return the page's view of ``row`` (all off when the account never saved any)."""
    if row is None:
        return AdvancedView(False, None, (), False)
    return AdvancedView(
        bool(row.encrypt_assertions),
        _pem(row.encryption_certificate),
        parse_mappings(row.role_mappings),
        bool(row.roles_at_every_login),
        signing_certificate_pem=_pem(row.signing_certificate),
        sign_authn_requests=bool(row.sign_authn_requests),
    )


MAX_MAPPINGS = 50


def mapping_errors(mappings: list[tuple[str, str]]) -> list[str]:
    """Return one message per bad mapping row (blank group, unknown role, too many, the same group twice)."""
    errors: list[str] = []
    if len(mappings) > MAX_MAPPINGS:
        errors.append(f"At most {MAX_MAPPINGS} group mappings.")
    seen: set[str] = set()
    for group, role in mappings:
        if not group.strip() or len(group) > 256 or any(ord(c) < 32 for c in group):
            errors.append("Each Okta group name must be 1 to 256 printable characters.")
        if role not in DEFAULT_ROLE_CHOICES:
            errors.append(f"Role for {group!r} must be one of {', '.join(DEFAULT_ROLE_CHOICES)}.")
        if group in seen:
            errors.append(f"Group {group!r} is mapped twice.")
        seen.add(group)
    return errors


def dump_mappings(mappings: list[tuple[str, str]]) -> str:
    """Return the JSON the table stores."""
    return json.dumps([[group, role] for group, role in mappings])
