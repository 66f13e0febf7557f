"""Load what JustCall is configured with (target TOML, IdP certificate, Okta metadata) from the files support has."""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from lxml import etree

from saml_xmlns import DS, MD, q

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.DOTALL)


class ConfigError(Exception):
    """A configuration file or option is unusable; the message says which and why."""


@dataclass(frozen=True)
class Target:
    """The SP side from ``--target FILE.toml`` (unknown keys are ignored)."""

    acs_url: str | None = None
    entity_id: str | None = None


@dataclass(frozen=True)
class IdpMetadata:
    """What Okta's IdP metadata says: the issuer to expect and the signing certificates."""

    entity_id: str | None
    certificates: tuple[x509.Certificate, ...]


def load_target(path: Path) -> Target:
    """Read ``acs_url`` and ``entity_id`` from a TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"--target {path}: {exc}") from exc
    values = {}
    for key in ("acs_url", "entity_id"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"--target {path}: {key} must be a string, not {type(value).__name__}")
        values[key] = value
    return Target(**values)


def load_certificates(path: Path) -> tuple[x509.Certificate, ...]:
    """Read one or more certificates: PEM, DER, or the bare base64 body people copy from metadata."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"--idp-cert {path}: {exc}") from exc
    try:
        return parse_certificates(data)
    except ValueError as exc:
        raise ConfigError(f"--idp-cert {path}: {exc}") from exc


def parse_certificates(data: bytes) -> tuple[x509.Certificate, ...]:
    """Parse PEM (any number of certificates), DER, or a bare base64 DER body; raise ``ValueError``."""
    blocks = _PEM_CERT.findall(data)
    bodies = [b"".join(block.split()) for block in blocks] if blocks else []
    if not bodies:
        if data[:1] == b"\x30":  # DER: an ASN.1 SEQUENCE; never strip binary data
            return (x509.load_der_x509_certificate(data),)
        bodies = [b"".join(data.split())]
    certificates: list[x509.Certificate] = []
    for body in bodies:
        try:
            certificates.append(x509.load_der_x509_certificate(base64.b64decode(body, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"not a PEM or DER X.509 certificate ({exc})") from exc
    return tuple(certificates)


def load_metadata(path: Path) -> IdpMetadata:
    """Read Okta IdP metadata: entityID and the signing KeyDescriptor certificates."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"--idp-metadata {path}: {exc}") from exc
    if re.search(rb"<!DOCTYPE|<!ENTITY", data, re.IGNORECASE):
        raise ConfigError(f"--idp-metadata {path}: contains a DTD; refused")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"--idp-metadata {path}: not well-formed XML: {exc}") from exc
    descriptor = root if root.tag == q(MD, "EntityDescriptor") else root.find(f".//{q(MD, 'EntityDescriptor')}")
    if descriptor is None:
        raise ConfigError(f"--idp-metadata {path}: no md:EntityDescriptor")
    certificates: list[x509.Certificate] = []
    for key in descriptor.iter(q(MD, "KeyDescriptor")):
        if key.get("use") not in (None, "signing"):
            continue
        for element in key.iter(q(DS, "X509Certificate")):
            try:
                certificates.extend(parse_certificates((element.text or "").encode()))
            except ValueError as exc:
                raise ConfigError(f"--idp-metadata {path}: KeyDescriptor certificate: {exc}") from exc
    if not certificates:
        raise ConfigError(f"--idp-metadata {path}: no signing certificate in any KeyDescriptor")
    return IdpMetadata(descriptor.get("entityID"), tuple(certificates))


def parse_at(text: str | None) -> datetime:
    """Parse ``--at`` (ISO 8601; a value without zone is UTC); default: now."""
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(f"--at {text!r} is not an ISO 8601 instant (e.g. 2016-07-25T23:20:30Z)") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
