"""A stable mock Okta org identity on disk (``saml-harness idp init DIR``), so staging is configured once.

Why: a staging SP cannot be reconfigured on every CI run. The folder holds the org name, the JustCall app's
ids and issuer, and its signing certificate (all public: commit them), plus the signing key (private: a CI
secret, file mode 0600, never in the repository or a report). Every deployment started from the folder has
the same issuer, SSO URL path and certificate, on any machine.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mock_idp.ids import IdFactory
from mock_idp.keys import Credential, okta_credential

IDENTITY_FILE = "identity.toml"
CERT_FILE = "signing-certificate.pem"
KEY_FILE = "signing-key.pem"
NEXT_CERT_FILE = "next-signing-certificate.pem"
NEXT_KEY_FILE = "next-signing-key.pem"
KEY_ENV = {KEY_FILE: "SAML_HARNESS_IDP_KEY", NEXT_KEY_FILE: "SAML_HARNESS_IDP_NEXT_KEY"}
"""Environment variables that may hold a key's PEM instead of its file (how CI passes a secret)."""


class IdpStateError(ValueError):
    """The identity folder is unusable; the message says which file and why."""


@dataclass(frozen=True)
class IdpIdentity:
    """What stays the same across runs: the org, the app's ids and issuer, its (next) signing credential."""

    folder: Path
    org_name: str
    app_id: str
    external_key: str
    link_id: str
    issuer: str
    port: int
    """The IdP's port (0: any free port); staging's SSO URL includes it."""
    credential: Credential
    next_credential: Credential | None = None
    """The key a rotation case activates (``--with-next-key``), so staging may learn it ahead of time."""

    @property
    def id_suffix(self) -> str:
        """The tail the org's other ids share with the stored app id (Okta ids of one org end alike)."""
        return self.app_id[-3:]

    def app_settings(self) -> dict[str, str]:
        """Keyword arguments of ``Org.create_saml_app`` that keep this identity's ids and issuer."""
        return {"id": self.app_id, "external_key": self.external_key, "link_id": self.link_id, "issuer": self.issuer}


def init_identity(
    folder: Path, org_name: str = "acme", port: int = 0, with_next_key: bool = False, now: datetime | None = None
) -> IdpIdentity:
    """Write a new identity into ``folder`` (created if needed); refuse to overwrite one that exists."""
    taken = [
        name for name in (IDENTITY_FILE, CERT_FILE, KEY_FILE, NEXT_CERT_FILE, NEXT_KEY_FILE) if (folder / name).exists()
    ]
    if taken:
        raise IdpStateError(f"{folder / taken[0]} exists: an identity is written once (use another folder)")
    if not 0 <= port <= 65535:
        raise IdpStateError(f"port must be 0-65535, got {port}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IdpStateError(f"{folder}: {exc.strerror or exc}") from None
    created = now or datetime.now(UTC)
    ids = IdFactory()
    external_key = ids.okta_id("exk")
    credential = okta_credential(org_name, created)
    _write_credential(folder, CERT_FILE, KEY_FILE, credential)
    next_credential = None
    if with_next_key:
        next_credential = okta_credential(org_name, created)
        _write_credential(folder, NEXT_CERT_FILE, NEXT_KEY_FILE, next_credential)
    lines = [
        "# Written by `saml-harness idp init`: the mock Okta org's stable identity (public; commit it).",
        "# The signing keys are secrets: keep them out of the repository (see README, For CI).",
        f'org_name = "{org_name}"',
        f'app_id = "{ids.okta_id("0oa")}"',
        f'external_key = "{external_key}"',
        f'link_id = "{ids.okta_id("aln")}"',
        f'issuer = "http://www.okta.com/{external_key}"',
        f"port = {port}",
    ]
    (folder / IDENTITY_FILE).write_text("\n".join(lines) + "\n")
    (folder / ".gitignore").write_text(f"{KEY_FILE}\n{NEXT_KEY_FILE}\n")
    return load_identity(folder)


def load_identity(folder: Path) -> IdpIdentity:
    """Read an identity written by ``init_identity``; keys come from their files or ``KEY_ENV`` variables."""
    path = folder / IDENTITY_FILE
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise IdpStateError(f"{path}: {exc}") from None
    fields = ("org_name", "app_id", "external_key", "link_id", "issuer")
    missing = [name for name in fields if not isinstance(document.get(name), str) or not document[name]]
    if missing:
        raise IdpStateError(f"{path}: {', '.join(missing)} missing")
    port = document.get("port", 0)
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise IdpStateError(f"{path}: port must be 0-65535")
    credential = _read_credential(folder, CERT_FILE, KEY_FILE)
    has_next = (folder / NEXT_CERT_FILE).exists()
    return IdpIdentity(
        folder=folder,
        org_name=document["org_name"],
        app_id=document["app_id"],
        external_key=document["external_key"],
        link_id=document["link_id"],
        issuer=document["issuer"],
        port=port,
        credential=credential,
        next_credential=_read_credential(folder, NEXT_CERT_FILE, NEXT_KEY_FILE) if has_next else None,
    )


def _write_credential(folder: Path, cert_name: str, key_name: str, credential: Credential) -> None:
    (folder / cert_name).write_bytes(credential.cert_pem)
    pem = credential.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # O_EXCL and 0600 from the start: the key is never readable by others, not even for a moment.
    descriptor = os.open(folder / key_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def _read_credential(folder: Path, cert_name: str, key_name: str) -> Credential:
    cert_path, key_path = folder / cert_name, folder / key_name
    try:
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise IdpStateError(f"{cert_path}: {exc}") from None
    from_env = os.environ.get(KEY_ENV[key_name])
    if from_env:
        pem, where = from_env.encode(), f"${KEY_ENV[key_name]}"
    else:
        try:
            mode = key_path.stat().st_mode
        except OSError:
            raise IdpStateError(
                f"{key_path} is missing: restore it from your secret store, or set ${KEY_ENV[key_name]} to its PEM"
            ) from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise IdpStateError(f"{key_path} is readable by others: chmod 600 it")
        pem, where = key_path.read_bytes(), str(key_path)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise IdpStateError(f"{where}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.public_key() != certificate.public_key():
        raise IdpStateError(f"{where} is not the key of {cert_path}")
    return Credential(private_key=key, certificate=certificate)
