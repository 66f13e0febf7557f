"""Read, canonicalize and (re)build XML signatures by hand, so attack ops can emit exactly the shapes they need.

signxml refuses to write most of what the attack corpus needs (MD5, HMAC key data, XPath or XSLT transforms,
two References, a ds:Object), so this module computes digests and signature values itself. For the ordinary
profile (enveloped + exclusive c14n, RSA-SHA256) its output verifies with signxml (see tests/security).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from saml_xmlns import (
    ALG_ENVELOPED,
    ALG_EXC_C14N,
    ALG_EXC_C14N_WITH_COMMENTS,
    ALG_RSA_SHA1,
    ALG_RSA_SHA256,
    ALG_SHA1,
    ALG_SHA256,
    DS,
    EC,
    SAML,
    q,
)

ALG_RSA_MD5 = "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"
ALG_RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
ALG_HMAC_SHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
ALG_HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
ALG_MD5 = "http://www.w3.org/2001/04/xmldsig-more#md5"
ALG_SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
ALG_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ALG_XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
ALG_XPATH_FILTER2 = "http://www.w3.org/2002/06/xmldsig-filter2"
ALG_XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
ALG_BASE64 = "http://www.w3.org/2000/09/xmldsig#base64"
XMLSEC_NS = "http://www.aleksey.com/xmlsec/2002"
"""Namespace of xmlsec1's ``HMACKeyValue`` (pysaml2 CVE-2021-21239 fixtures)."""

_HASHLIB = {ALG_SHA256: "sha256", ALG_SHA1: "sha1", ALG_MD5: "md5", ALG_SHA512: "sha512"}
_RSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    ALG_RSA_SHA256: hashes.SHA256,
    ALG_RSA_SHA1: hashes.SHA1,
    ALG_RSA_MD5: hashes.MD5,
    ALG_RSA_SHA512: hashes.SHA512,
}
_HMAC_HASHES = {ALG_HMAC_SHA1: "sha1", ALG_HMAC_SHA256: "sha256"}

TRANSFORMS = {
    "enveloped": ALG_ENVELOPED,
    "exc_c14n": ALG_EXC_C14N,
    "exc_c14n_comments": ALG_EXC_C14N_WITH_COMMENTS,
    "c14n": ALG_C14N,
    "xpath": ALG_XPATH,
    "xpath_filter2": ALG_XPATH_FILTER2,
    "xslt": ALG_XSLT,
    "base64": ALG_BASE64,
}
"""Short names the catalogue uses for Reference transforms."""

SIGNATURE_METHODS = {
    "rsa-sha256": ALG_RSA_SHA256,
    "rsa-sha1": ALG_RSA_SHA1,
    "rsa-md5": ALG_RSA_MD5,
    "hmac-sha1": ALG_HMAC_SHA1,
    "hmac-sha256": ALG_HMAC_SHA256,
    "unknown": "urn:example:unknown-signature-method",
}
DIGEST_METHODS = {"sha256": ALG_SHA256, "sha1": ALG_SHA1, "md5": ALG_MD5, "unknown": "urn:example:unknown-digest"}
C14N_METHODS = {"exc_c14n": ALG_EXC_C14N, "exc_c14n_comments": ALG_EXC_C14N_WITH_COMMENTS, "c14n": ALG_C14N}

XPATH_ENVELOPED = "not(ancestor-or-self::dsig:Signature)"
"""An XPath transform that does what enveloped-signature does (XMLDSig 6.6.3's own example)."""


def lookup(table: dict[str, str], name: str, what: str) -> str:
    """Map a catalogue short name (or a full URI) to an algorithm URI, naming the choices on error."""
    if name in table:
        return table[name]
    if ":" in name:
        return name
    raise ValueError(f"{what} must be one of {sorted(table)} or a URI, got {name!r}")


def ds(local: str) -> str:
    """Return the Clark name of an XML-DSig element (every signature part lives in that namespace)."""
    return q(DS, local)


def local_name(node: etree._Element) -> str:
    """Return an element's local name ("" for comments and processing instructions)."""
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def first_descendant(element: etree._Element, local: str) -> etree._Element | None:
    """Return the first descendant with this local name in any namespace (DOM ``getElementsByTagNameNS("*")``)."""
    for node in element.iterdescendants():
        if local_name(node) == local:
            return node
    return None


def direct_signature(element: etree._Element) -> etree._Element | None:
    """Return the ds:Signature that is a direct child of ``element`` (the enveloped one), if any."""
    return element.find(ds("Signature"))


def remove(node: etree._Element) -> None:
    """Detach ``node`` from its parent, keeping the text that followed it."""
    parent = node.getparent()
    if parent is None:
        raise ValueError("cannot remove the document element")
    previous = node.getprevious()
    if node.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def insert_after_issuer(element: etree._Element, child: etree._Element) -> None:
    """Insert ``child`` where the schema puts ds:Signature: right after Issuer, else first."""
    issuer = element.find(q(SAML, "Issuer"))
    if issuer is not None:
        issuer.addnext(child)
    else:
        element.insert(0, child)


def by_id(root: etree._Element, value: str) -> etree._Element | None:
    """Return the first element (document order) whose ``ID`` attribute is ``value``."""
    for node in root.iter(etree.Element):
        if node.get("ID") == value:
            return node
    return None


def inclusive_prefixes(transform: etree._Element | None) -> list[str] | None:
    """Return the PrefixList of an exc-c14n transform's ec:InclusiveNamespaces, if any."""
    if transform is None:
        return None
    found = transform.find(q(EC, "InclusiveNamespaces"))
    if found is None:
        return None
    return (found.get("PrefixList") or "").split() or None


def canonicalize(element: etree._Element, method: str, prefixes: Sequence[str] | None = None) -> bytes:
    """Canonicalize ``element`` in place (ancestor namespaces count) with exclusive or inclusive c14n."""
    exclusive = method != ALG_C14N
    return etree.tostring(
        element,
        method="c14n",
        exclusive=exclusive,
        with_comments=method == ALG_EXC_C14N_WITH_COMMENTS,
        inclusive_ns_prefixes=list(prefixes) if exclusive and prefixes else None,
    )


def digest_bytes(data: bytes, method: str) -> str:
    """Return base64(hash(data)); an unknown method gets SHA-256 (the digest then cannot match anyway)."""
    return base64.b64encode(hashlib.new(_HASHLIB.get(method, "sha256"), data).digest()).decode("ascii")


@contextmanager
def detached(signature: etree._Element | None) -> Iterator[None]:
    """Take ``signature`` out of the tree for the block (the enveloped-signature transform), then put it back."""
    if signature is None:
        yield
        return
    parent = signature.getparent()
    if parent is None:
        yield
        return
    index = parent.index(signature)
    tail = signature.tail
    parent.remove(signature)
    try:
        yield
    finally:
        parent.insert(index, signature)
        signature.tail = tail


def reference_digest(root: etree._Element, reference: etree._Element, signature: etree._Element) -> str:
    """Compute the DigestValue a Reference should carry for the current tree.

    Transforms: enveloped-signature removes ``signature``; exc-c14n/c14n canonicalize; XPath, XSLT and other
    transforms are taken as identity (what an XPath that mimics enveloped-signature yields). ``URI=""`` is
    the whole document.
    """
    uri = reference.get("URI")
    target = root if not uri else by_id(root, uri.lstrip("#"))
    if target is None:
        raise ValueError(f"reference {uri!r} does not resolve in the document")
    transforms = reference.findall(f"{ds('Transforms')}/{ds('Transform')}")
    algorithms = [t.get("Algorithm") for t in transforms]
    c14n_transform = next((t for t in transforms if t.get("Algorithm") in C14N_METHODS.values()), None)
    method = ALG_C14N if c14n_transform is None else str(c14n_transform.get("Algorithm"))
    enveloped = ALG_ENVELOPED in algorithms or ALG_XPATH in algorithms
    with detached(signature if enveloped else None):
        data = canonicalize(target, method, inclusive_prefixes(c14n_transform))
    digest_method = reference.find(ds("DigestMethod"))
    return digest_bytes(data, "" if digest_method is None else str(digest_method.get("Algorithm")))


@dataclass(frozen=True)
class SigningKey:
    """What signs: an RSA key (with the certificate for KeyInfo) or an HMAC secret."""

    rsa_key: rsa.RSAPrivateKey | None = None
    hmac_secret: bytes | None = None


def signature_value(signed_info: etree._Element, method: str, key: SigningKey) -> str:
    """Canonicalize SignedInfo per its CanonicalizationMethod and sign it with ``key`` under ``method``."""
    c14n = signed_info.find(ds("CanonicalizationMethod"))
    data = canonicalize(signed_info, ALG_EXC_C14N if c14n is None else str(c14n.get("Algorithm")))
    if method in _HMAC_HASHES:
        if key.hmac_secret is None:
            raise ValueError(f"{method} needs an HMAC secret")
        raw = hmac.new(key.hmac_secret, data, _HMAC_HASHES[method]).digest()
    else:
        if key.rsa_key is None:
            raise ValueError(f"{method} needs an RSA key")
        raw = key.rsa_key.sign(data, padding.PKCS1v15(), _RSA_HASHES.get(method, hashes.SHA256)())
    return base64.b64encode(raw).decode("ascii")


def refresh(root: etree._Element, signature: etree._Element, key: SigningKey) -> None:
    """Recompute every DigestValue of ``signature`` and then its SignatureValue (a genuine signature by ``key``)."""
    signed_info = signature.find(ds("SignedInfo"))
    if signed_info is None:
        raise ValueError("signature has no SignedInfo")
    for reference in signed_info.findall(ds("Reference")):
        value = reference.find(ds("DigestValue"))
        if value is None:
            value = etree.SubElement(reference, ds("DigestValue"))
        value.text = reference_digest(root, reference, signature)
    method = signed_info.find(ds("SignatureMethod"))
    value_element = signature.find(ds("SignatureValue"))
    if method is None or value_element is None:
        raise ValueError("signature lacks SignatureMethod or SignatureValue")
    value_element.text = signature_value(signed_info, str(method.get("Algorithm")), key)


@dataclass(frozen=True)
class Profile:
    """How a signature is built: algorithms, Reference transforms and URI, extras."""

    signature_method: str = ALG_RSA_SHA256
    digest_method: str = ALG_SHA256
    c14n_method: str = ALG_EXC_C14N
    transforms: tuple[str, ...] = (ALG_ENVELOPED, ALG_EXC_C14N)
    reference_uri: str | None = None
    """None: ``#`` + the signed element's ID (SAML core 5.4.2); "absent": no URI attribute."""
    references: int = 1
    with_object: bool = False


XSLT_STYLESHEET = (
    '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">'
    '<xsl:template match="/"><xsl:copy-of select="document(\'{url}\')"/><xsl:copy-of select="."/></xsl:template>'
    "</xsl:stylesheet>"
)
"""SAMLRaider's XSLT idea with a harmless payload: any processor that runs it fetches ``url``."""


def _transform(parent: etree._Element, algorithm: str, prefixes: list[str] | None, xslt_url: str) -> None:
    transform = etree.SubElement(parent, ds("Transform"), Algorithm=algorithm)
    if algorithm == ALG_EXC_C14N and prefixes:
        etree.SubElement(transform, q(EC, "InclusiveNamespaces"), nsmap={"ec": EC}, PrefixList=" ".join(prefixes))
    elif algorithm == ALG_XPATH:
        xpath = etree.SubElement(transform, ds("XPath"), nsmap={"dsig": DS})
        xpath.text = XPATH_ENVELOPED
    elif algorithm == ALG_XPATH_FILTER2:
        f2 = "http://www.w3.org/2002/06/xmldsig-filter2"
        etree.SubElement(transform, q(f2, "XPath"), nsmap={"dsig-xpath": f2}, Filter="union").text = "/"
    elif algorithm == ALG_XSLT:
        transform.append(etree.fromstring(XSLT_STYLESHEET.replace("{url}", xslt_url)))


def build_signature(
    element: etree._Element,
    profile: Profile,
    key_info: etree._Element | None,
    prefixes: list[str] | None,
    xslt_url: str = "http://127.0.0.1:9/xslt",
) -> etree._Element:
    """Build an unsigned ds:Signature skeleton (empty digests and value) for ``element`` under ``profile``."""
    signature = etree.Element(ds("Signature"), nsmap={"ds": DS})
    signed_info = etree.SubElement(signature, ds("SignedInfo"))
    etree.SubElement(signed_info, ds("CanonicalizationMethod"), Algorithm=profile.c14n_method)
    etree.SubElement(signed_info, ds("SignatureMethod"), Algorithm=profile.signature_method)
    uri = f"#{element.get('ID')}" if profile.reference_uri is None else profile.reference_uri
    for _ in range(profile.references):
        reference = etree.SubElement(signed_info, ds("Reference"))
        if uri != "absent":
            reference.set("URI", uri)
        transforms = etree.SubElement(reference, ds("Transforms"))
        for algorithm in profile.transforms:
            _transform(transforms, algorithm, prefixes, xslt_url)
        etree.SubElement(reference, ds("DigestMethod"), Algorithm=profile.digest_method)
        etree.SubElement(reference, ds("DigestValue"))
    etree.SubElement(signature, ds("SignatureValue"))
    if key_info is not None:
        signature.append(key_info)
    if profile.with_object:
        etree.SubElement(signature, ds("Object"), Id="object-1").text = "harness: ds:Object inside the signature"
    return signature


def sign_enveloped(
    root: etree._Element,
    element: etree._Element,
    key: SigningKey,
    key_info: etree._Element | None,
    profile: Profile | None = None,
    xslt_url: str = "http://127.0.0.1:9/xslt",
) -> etree._Element:
    """Put a fresh enveloped signature on ``element`` (after its Issuer) and fill it in; return the signature."""
    prefixes = ["xs"] if "xs" in root.nsmap else None
    signature = build_signature(element, profile or Profile(), key_info, prefixes, xslt_url)
    insert_after_issuer(element, signature)
    refresh(root, signature, key)
    return signature


def x509_key_info(certificate_der: bytes) -> etree._Element:
    """Return KeyInfo/X509Data/X509Certificate for a DER certificate (76-column base64, as Okta writes it)."""
    key_info = etree.Element(ds("KeyInfo"), nsmap={"ds": DS})
    data = etree.SubElement(key_info, ds("X509Data"))
    text = base64.b64encode(certificate_der).decode("ascii")
    etree.SubElement(data, ds("X509Certificate")).text = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    return key_info


def hmac_key_info(secret: bytes) -> etree._Element:
    """Return KeyInfo/KeyValue/HMACKeyValue carrying the HMAC secret itself (pysaml2 CVE-2021-21239 shape)."""
    key_info = etree.Element(ds("KeyInfo"), nsmap={"ds": DS})
    value = etree.SubElement(key_info, ds("KeyValue"))
    # Un-prefixed, as in pysaml2's fixture: <HMACKeyValue xmlns="http://www.aleksey.com/xmlsec/2002">.
    holder = etree.SubElement(value, q(XMLSEC_NS, "HMACKeyValue"), nsmap={None: XMLSEC_NS})  # type: ignore[dict-item]
    holder.text = base64.b64encode(secret).decode("ascii")
    return key_info
