"""Check that a scenario's fault is really in the XML the IdP sent, not just in its label.

A scenario that claims "wrong Audience" but sends the right one would pass against a lax SP for the
wrong reason; each op therefore has an evidence check reading the Response that crossed the wire.
"""

from __future__ import annotations

import base64
import codecs
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from saml_harness.scenarios import attack_evidence, field_evidence
from saml_harness.scenarios.catalogue import Scenario, fill
from saml_harness.scenarios.evidence_kit import (
    EVIDENCE,
    TIME_TOLERANCE,
    Sent,
    elements,
    parse,
    parse_time,
    strings,
    text_of,
)
from saml_harness.security import dsig_check, xenc_open
from saml_xmlns import ALG_RSA_SHA1, ALG_SHA1, ALG_SHA256, DS, SAML, q

__all__ = ["EVIDENCE", "TrustedCertificate", "check_evidence", "key_evidence", "signing_evidence"]

CHECK_MODULES = (field_evidence, attack_evidence)
"""The modules whose checks register in ``EVIDENCE`` (imported above for that)."""


def signing_evidence(root: etree._Element, signing: Mapping[str, Any]) -> list[str]:
    """Check the signing overrides: which signatures exist and with which algorithm."""
    problems = []
    response_signed = root.find(q(DS, "Signature")) is not None
    assertion_signed = bool(elements(root, "saml2:Assertion/ds:Signature"))
    if signing.get("response_signed") is False and response_signed:
        problems.append("Response is signed although the scenario says unsigned")
    if signing.get("assertion_signed") is False and assertion_signed:
        problems.append("Assertion is signed although the scenario says unsigned")
    if signing.get("algorithm") == "RSA_SHA1":
        methods = strings(root, ".//ds:SignatureMethod/@Algorithm")
        if not methods or any(m != ALG_RSA_SHA1 for m in methods):
            problems.append(f"expected RSA-SHA1 signatures, found {methods}")
    return problems


_CIPHER_SUFFIX = {
    "AES256_CBC": "aes256-cbc",
    "AES128_CBC": "aes128-cbc",
    "AES256_GCM": "aes256-gcm",
    "AES128_GCM": "aes128-gcm",
    "TRIPLEDES_CBC": "tripledes-cbc",
}
_TRANSPORT_SUFFIX = {"RSA_OAEP": "rsa-oaep-mgf1p", "RSA_15": "rsa-1_5"}


def encryption_evidence(root: etree._Element, scenario: Scenario, sent: Sent) -> list[str]:
    """Check an encrypted scenario really sent an EncryptedAssertion with the cipher and key transport it names."""
    setup = {op.name: op.args for op in scenario.setup}
    okta = setup.get("okta_encrypt_assertions")
    encrypted = scenario.signing.get("encrypt", okta is not None)
    if not encrypted or scenario.status:
        return []
    problems = []
    # Okta's one EncryptedAssertion, plus any a post_sign add_element put beside it (that op checks its own).
    added = sum(
        "EncryptedAssertion" in str(op.args.get("xml", "")) for op in scenario.post_sign if op.name == "add_element"
    )
    if len(elements(root, "saml2:EncryptedAssertion/xenc:EncryptedData")) != 1 + added or elements(
        root, ".//saml2:Assertion"
    ):
        return [f"expected {1 + added} EncryptedAssertion and no plaintext Assertion"]
    okta = okta or {}
    cipher = _CIPHER_SUFFIX[str(scenario.signing.get("encryption_algorithm", okta.get("algorithm", "AES256_CBC")))]
    found = strings(root, "saml2:EncryptedAssertion/xenc:EncryptedData/xenc:EncryptionMethod/@Algorithm")
    if not found or not found[0].endswith("#" + cipher):
        problems.append(f"expected encryption algorithm {cipher}, found {found}")
    transport = _TRANSPORT_SUFFIX[str(scenario.signing.get("key_transport", okta.get("key_transport", "RSA_OAEP")))]
    methods = strings(root, "saml2:EncryptedAssertion//xenc:EncryptedKey/xenc:EncryptionMethod/@Algorithm")
    if not methods or not methods[0].endswith("#" + transport):
        problems.append(f"expected key transport {transport}, found {methods}")
    problems += key_transport_digest_problems(root, scenario.signing.get("key_transport_digest"))
    problems += key_placement_problems(root, scenario.signing.get("encrypted_key_placement"))
    problems += padding_problems(root, scenario.signing.get("encryption_padding"), sent)
    problems += plaintext_problems(root, scenario.signing.get("encryption_plaintext"), sent)
    return problems


_DIGESTS = {"SHA1": [ALG_SHA1], "SHA256": [ALG_SHA256], "none": []}


def key_transport_digest_problems(root: etree._Element, digest: str | None) -> list[str]:
    """The RSA-OAEP DigestMethod of every EncryptedKey is the one the scenario names (none: absent)."""
    if digest is None:
        return []
    problems = []
    for key in elements(root, "saml2:EncryptedAssertion//xenc:EncryptedKey"):
        found = strings(key, "xenc:EncryptionMethod/ds:DigestMethod/@Algorithm")
        if found != _DIGESTS[str(digest)]:
            problems.append(f"expected RSA-OAEP DigestMethod {_DIGESTS[str(digest)]}, found {found}")
    return problems


_PLACEMENTS = {"retrieval_method": (0, 1), "key_info": (1, 0), "both": (1, 1)}


def key_placement_problems(root: etree._Element, placement: str | None) -> list[str]:
    """EncryptedKeys inside the EncryptedData's KeyInfo, and siblings a RetrievalMethod names, as many as said."""
    if placement is None:
        return []
    key_info = "saml2:EncryptedAssertion/xenc:EncryptedData/ds:KeyInfo"
    inside = len(elements(root, f"{key_info}/xenc:EncryptedKey"))
    uris = strings(root, f"{key_info}/ds:RetrievalMethod/@URI")
    by_reference = len(
        [k for k in elements(root, "saml2:EncryptedAssertion/xenc:EncryptedKey") if f"#{k.get('Id')}" in uris]
    )
    expected = _PLACEMENTS[str(placement)]
    if (inside, by_reference) != expected:
        return [f"expected (in KeyInfo, by RetrievalMethod) EncryptedKeys {expected}, found {(inside, by_reference)}"]
    return []


_PADDING_LENGTHS = {"pkcs7": None, "whole_block": 16, "one_octet": 1, "beyond_block": 17}


def plaintext_problems(root: etree._Element, plaintext: str | None, sent: Sent) -> list[str]:
    """An Assertion that inherits its namespaces does not parse on its own: ``saml2`` is declared outside it."""
    if plaintext != "inherits_namespaces":
        return []
    opened = _opened(root, sent)
    if isinstance(opened, str):
        return [opened]
    try:
        etree.fromstring(opened.plaintext)
    except etree.XMLSyntaxError:
        return []
    return ["the decrypted Assertion declares its own namespaces: it inherits nothing from the EncryptedAssertion"]


def _opened(root: etree._Element, sent: Sent) -> xenc_open.Opened | str:
    key = sent.decryption()
    if key is None:
        return "the SP's decryption key is unknown, so what the ciphertext holds cannot be checked"
    try:
        return xenc_open.open_encrypted_assertion(elements(root, "saml2:EncryptedAssertion")[0], key)
    except (ValueError, InvalidTag, IndexError) as exc:
        return f"the EncryptedAssertion cannot be opened with the SP's key ({type(exc).__name__})"


def padding_problems(root: etree._Element, padding: str | None, sent: Sent) -> list[str]:
    """Decrypt with the SP's key and read the CBC padding length the last octet gives."""
    length = _PADDING_LENGTHS.get(str(padding))
    if padding is None or length is None:
        return []
    opened = _opened(root, sent)
    if isinstance(opened, str):
        return [opened]
    if not opened.cipher.endswith("-cbc") or opened.padded[-1] != length:
        return [f"expected {opened.cipher} padding of {length} octets, the last octet says {opened.padded[-1]}"]
    return []


def signing_certificate(root: etree._Element) -> x509.Certificate | None:
    """Return the certificate in the first signature's KeyInfo, if any."""
    found = elements(root, ".//ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate")
    if not found:
        return None
    der = base64.b64decode(text_of(found[0]).encode())
    return x509.load_der_x509_certificate(der)


TrustedCertificate = bytes | None | Callable[[], bytes | None]
"""The certificate the SP trusts (DER; None: unknown), or a function returning it (asked only when needed)."""


def _as_source(trusted: TrustedCertificate) -> Callable[[], bytes | None]:
    return trusted if callable(trusted) else lambda: trusted


def key_evidence(root: etree._Element, scenario: Scenario, sent: Sent) -> list[str]:
    """Check the signing certificate is the foreign, rotated, expired or future one the scenario says."""
    setup = {op.name: op.args for op in scenario.setup}
    certificate = signing_certificate(root)
    untrusted = scenario.signing.get("key") == "other" or (
        "okta_rotate_key" in setup and "sp_upload_active_certificate" not in setup
    )
    if certificate is None:
        return ["no signing certificate in KeyInfo"] if untrusted or "okta_activate_new_key" in setup else []
    der = certificate.public_bytes(serialization.Encoding.DER)
    problems = []
    trusted_der = sent.trusted_certificate() if untrusted else None
    if untrusted and der == trusted_der:
        problems.append("the response is signed with the certificate JustCall trusts, not a foreign one")
    if untrusted:
        problems += signer_problems(root, trusted_der)
    new_key = setup.get("okta_activate_new_key")
    if new_key is not None:
        if float(new_key.get("not_after_days", 1)) < 0 and certificate.not_valid_after_utc >= sent.now:
            problems.append(f"signing certificate is not expired (valid until {certificate.not_valid_after_utc})")
        if float(new_key.get("not_before_days", -1)) > 0 and certificate.not_valid_before_utc <= sent.now:
            problems.append(f"signing certificate is already valid (since {certificate.not_valid_before_utc})")
    return problems


def signer_problems(root: etree._Element, trusted_der: bytes | None) -> list[str]:
    """Prove a foreign key made each signature: the value verifies with the key KeyInfo shows, not the trusted one.

    KeyInfo alone proves nothing (an attacker may show any certificate); verifying the value with each candidate
    public key shows which key really signed.
    """
    trusted = None if trusted_der is None else dsig_check.rsa_key(x509.load_der_x509_certificate(trusted_der))
    signatures = elements(root, "ds:Signature | saml2:Assertion/ds:Signature")
    if not signatures:
        return ["no signature to attribute to a key"]
    problems = []
    for signature in signatures:
        parent = signature.getparent()
        signed = etree.QName(parent).localname if parent is not None else "?"
        if trusted is not None and dsig_check.value_verifies(signature, dsig_check.KeyMaterial(public_key=trusted)):
            problems.append(
                f"the {signed} SignatureValue verifies with the trusted key: it was not made by another key"
            )
        shown = [dsig_check.rsa_key(c) for c in dsig_check.certificates_in(signature)]
        if not any(
            key is not None and dsig_check.value_verifies(signature, dsig_check.KeyMaterial(public_key=key))
            for key in shown
        ):
            problems.append(
                f"the {signed} SignatureValue does not verify with the key of the certificate KeyInfo shows"
            )
    return problems


def issue_instant(root: etree._Element) -> datetime | None:
    value = root.get("IssueInstant")
    return parse_time(value) if value else None


def check_evidence(
    scenario: Scenario,
    response_xml: bytes,
    values: Mapping[str, str],
    configured_cert_der: TrustedCertificate = None,
    now: datetime | None = None,
    decryption_key: Callable[[], rsa.RSAPrivateKey | None] | None = None,
) -> list[str]:
    """Return what is missing from ``response_xml`` for it to carry the scenario's fault (empty: all there).

    ``values`` fill the ops' placeholders; ``configured_cert_der`` is the certificate the SP trusts, or a
    function returning it (called at most once, by the checks that compare with it); ``now`` is when the IdP
    built the response (its IssueInstant minus any clock offset, by default); ``decryption_key`` returns the SP's
    decryption key (asked at most once), to check what an EncryptedAssertion holds.
    """
    root = parse(response_xml)
    instant = issue_instant(root)
    if now is None:
        now = (instant or datetime.now(UTC)) - timedelta(seconds=scenario.idp_clock_offset)
    sent = Sent(now, _as_source(configured_cert_der), decryption_key or (lambda: None))
    problems: list[str] = []
    # Pre-sign ops changed the assertion before Okta encrypted it: read them as the SP decrypts it; post-sign
    # ops changed the document as sent. Without encryption both are the same tree.
    plain = xenc_open.decrypted_view(root, sent.decryption())
    staged = [(plain, op) for op in scenario.pre_sign] + [(root, op) for op in scenario.post_sign]
    for tree, op in staged:
        check = EVIDENCE.get(op.name)
        if check is None:
            problems.append(f"no evidence check for op {op.name!r}")
            continue
        problem = check(tree, sent, **{k: fill(v, values) for k, v in op.args.items()})
        if problem:
            problems.append(f"{op.name}: {problem}")
    if scenario.signing.get("encoding") == "UTF-16" and not response_xml.startswith(codecs.BOM_UTF16_LE):
        problems.append("the response was not sent in UTF-16 (no little-endian byte order mark)")
    problems += encryption_evidence(root, scenario, sent)
    # The signatures inside the ciphertext count too: read them in the Response as the SP decrypts it.
    problems += signing_evidence(plain, scenario.signing)
    problems += key_evidence(plain, scenario, sent)
    if scenario.idp_clock_offset and instant is not None:
        expected = datetime.now(UTC) + timedelta(seconds=scenario.idp_clock_offset)
        if abs(instant - expected) > TIME_TOLERANCE:
            problems.append(f"IssueInstant {instant} is not {scenario.idp_clock_offset}s off the real clock")
    if scenario.status:
        codes = strings(root, ".//saml2p:StatusCode/@Value")
        if scenario.status not in codes and not any(c.endswith(scenario.status) for c in codes):
            problems.append(f"expected status {scenario.status}, found {codes}")
        if root.find(q(SAML, "Assertion")) is not None:
            problems.append("an error Response must not carry an Assertion")
    return problems
