"""Sign a Response the way Okta does: Assertion first, then Response, each Signature right after its Issuer.

Okta's signatures (as in real Okta responses): exclusive c14n for SignedInfo and as the second Reference
Transform after enveloped-signature; ``<ec:InclusiveNamespaces PrefixList="xs"/>`` inside that Transform
when ``xs`` is declared (attribute statements present); KeyInfo = X509Data/X509Certificate only, 76-column
base64. signxml 5.2 cannot write InclusiveNamespaces in enveloped mode (signxml issue #163), hence the subclass.

Speed (README "Performance"): ``sign_response`` signs in place with a byte-for-byte equivalent of
``OktaStyleSigner`` (one exclusive c14n of the target, one of SignedInfo, one RSA signature each) instead of
signxml's copy-and-reparse of the whole document per signature. Trees signxml would refuse or treat specially
(entities, a DTD, a stray ``Id="placeholder"`` signature) still go through signxml. tests/bench checks that both
paths give identical bytes.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from lxml import etree
from lxml.etree import SubElement
from signxml import XMLSigner, methods
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import SignatureReference
from signxml.util import ec_tag

from mock_idp.keys import Credential
from saml_xmlns import DS, EC, SAML, SAMLP, q

# Okta's API enums (Okta Apps API) mapped to signxml's algorithm fragments.
SIGNATURE_METHODS = {"RSA_SHA256": "rsa-sha256", "RSA_SHA1": "rsa-sha1"}
DIGEST_METHODS = {"SHA256": "sha256", "SHA1": "sha1"}


class OktaStyleSigner(XMLSigner):
    """Put ``<ec:InclusiveNamespaces PrefixList=..>`` inside the Reference's exc-c14n Transform (Okta style)."""

    def _build_transforms_for_reference(
        self, *, transforms_node: etree._Element, reference: SignatureReference, **_: Any
    ) -> None:
        SubElement(transforms_node, self._ds_tag("Transform"), Algorithm=methods.enveloped.value)
        c14n = reference.c14n_method or self.c14n_alg
        transform = SubElement(transforms_node, self._ds_tag("Transform"), Algorithm=c14n.value)
        if reference.inclusive_ns_prefixes:
            SubElement(
                transform,
                ec_tag("InclusiveNamespaces"),
                nsmap={"ec": EC},
                PrefixList=" ".join(reference.inclusive_ns_prefixes),
            )


class OktaStyleSha1Signer(OktaStyleSigner):
    """Allow RSA-SHA1/SHA1, which Okta still offers; signxml refuses SHA-1 unless this check is overridden."""

    def check_deprecated_methods(self) -> None:
        """Skip signxml's SHA-1 refusal: "Signature Algorithm: RSA-SHA1" is a real Okta app setting."""


@dataclass(frozen=True)
class SigningSettings:
    """What to sign and how: the app's "Show Advanced Settings" plus the credential to use."""

    credential: Credential
    response_signed: bool = True
    assertion_signed: bool = True
    signature_algorithm: str = "RSA_SHA256"
    digest_algorithm: str = "SHA256"


def key_info(credential: Credential) -> etree._Element:
    """Return KeyInfo with X509Data/X509Certificate only, base64 wrapped at 76 chars like Okta."""
    element = etree.Element(q(DS, "KeyInfo"), nsmap={"ds": DS})
    data = etree.SubElement(element, q(DS, "X509Data"))
    etree.SubElement(data, q(DS, "X509Certificate")).text = credential.cert_b64_76
    return element


def _check_algorithms(settings: SigningSettings) -> None:
    if settings.signature_algorithm not in SIGNATURE_METHODS:
        raise ValueError(f"signature algorithm must be one of {sorted(SIGNATURE_METHODS)}")
    if settings.digest_algorithm not in DIGEST_METHODS:
        raise ValueError(f"digest algorithm must be one of {sorted(DIGEST_METHODS)}")


def _signer(settings: SigningSettings) -> XMLSigner:
    _check_algorithms(settings)
    sha1 = "SHA1" in settings.signature_algorithm or "SHA1" in settings.digest_algorithm
    cls = OktaStyleSha1Signer if sha1 else OktaStyleSigner
    return cls(
        signature_algorithm=SIGNATURE_METHODS[settings.signature_algorithm],
        digest_algorithm=DIGEST_METHODS[settings.digest_algorithm],
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )


def _place_placeholder(element: etree._Element) -> None:
    # The schema's slot for ds:Signature is right after Issuer (SAMLCore 3.2.2 / 2.3.3); without an
    # Issuer (a fault removed it) the signature becomes the first child.
    placeholder = etree.Element(q(DS, "Signature"), nsmap={"ds": DS}, Id="placeholder")
    issuer = element.find(q(SAML, "Issuer"))
    if issuer is not None:
        issuer.addnext(placeholder)
    else:
        element.insert(0, placeholder)


def _sign_element(
    signer: XMLSigner, root: etree._Element, target: etree._Element, settings: SigningSettings
) -> etree._Element:
    target_id = target.get("ID")
    if not target_id:
        raise ValueError(f"cannot sign {target.tag}: it has no ID attribute")
    _place_placeholder(target)
    # PrefixList="xs" appears exactly when xs is declared, i.e. when attribute statements are present.
    prefixes = ["xs"] if "xs" in root.nsmap else None
    reference = SignatureReference(URI=target_id, inclusive_ns_prefixes=prefixes)
    signed: etree._Element = signer.sign(
        root, key=settings.credential.private_key, key_info=key_info(settings.credential), reference_uri=[reference]
    )
    return signed


# -- fast path: the same bytes as OktaStyleSigner, computed in place ------------------------------------------

_SIGNATURE_URIS = {
    "RSA_SHA256": (SignatureMethod.RSA_SHA256.value, hashes.SHA256),
    "RSA_SHA1": (SignatureMethod.RSA_SHA1.value, hashes.SHA1),
}
_DIGEST_URIS = {"SHA256": (DigestAlgorithm.SHA256.value, "sha256"), "SHA1": (DigestAlgorithm.SHA1.value, "sha1")}
_EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False)
_PLACEHOLDER_XPATH = etree.XPath("//ds:Signature[@Id='placeholder']", namespaces={"ds": DS})
# signxml resolves a Reference URI through any attribute named Id, ID or id (in that order); the fast path is
# used only when that finds exactly the element being signed.
_BY_ID_XPATH = etree.XPath("//*[@*[local-name()='Id' or local-name()='ID' or local-name()='id']=$uri]")


def signature_xml(prefixes: list[str] | None, signature_method: str, digest_method: str, certificate_b64: str) -> bytes:
    """Return ``ds:Signature`` as OktaStyleSigner serializes it, with Reference URI, DigestValue and
    SignatureValue still empty (the caller fills them in)."""
    inclusive = f'<ec:InclusiveNamespaces xmlns:ec="{EC}" PrefixList="{" ".join(prefixes)}"/>' if prefixes else ""
    c14n_transform = (
        f'<ds:Transform Algorithm="{_EXC_C14N}">{inclusive}</ds:Transform>'
        if inclusive
        else f'<ds:Transform Algorithm="{_EXC_C14N}"/>'
    )
    return (
        f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'
        f'<ds:CanonicalizationMethod Algorithm="{_EXC_C14N}"/>'
        f'<ds:SignatureMethod Algorithm="{signature_method}"/>'
        f'<ds:Reference><ds:Transforms><ds:Transform Algorithm="{methods.enveloped.value}"/>{c14n_transform}'
        f'</ds:Transforms><ds:DigestMethod Algorithm="{digest_method}"/><ds:DigestValue/></ds:Reference>'
        f"</ds:SignedInfo><ds:SignatureValue/>"
        f"<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate_b64}</ds:X509Certificate></ds:X509Data>"
        f"</ds:KeyInfo></ds:Signature>"
    ).encode()


_templates = threading.local()


def _signature_template(
    prefixes: list[str] | None, signature_method: str, digest_method: str, certificate_b64: str
) -> etree._Element:
    """Return a fresh copy of the parsed ``signature_xml`` (copying is about twice as fast as parsing)."""
    cache: dict[tuple[object, ...], etree._Element] | None = getattr(_templates, "cache", None)
    if cache is None:
        cache = _templates.cache = {}
    key = (tuple(prefixes or ()), signature_method, digest_method, certificate_b64)
    template = cache.get(key)
    if template is None:
        if len(cache) > 64:
            cache.clear()
        template = cache[key] = etree.fromstring(
            signature_xml(prefixes, signature_method, digest_method, certificate_b64), _PARSER
        )
    return copy.deepcopy(template)


def _needs_signxml(root: etree._Element, targets: list[etree._Element]) -> bool:
    """Whether signxml would refuse or special-case this tree (so only signxml may sign it)."""
    for target in targets:
        target_id = target.get("ID")
        if target_id and _BY_ID_XPATH(root, uri=target_id) != [target]:
            return True
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        return True
    if next(root.iter(etree.Entity), None) is not None:
        return True
    return bool(_PLACEHOLDER_XPATH(root))


def _fast_sign_element(root: etree._Element, target: etree._Element, settings: SigningSettings) -> etree._Element:
    """Sign ``target`` in place: digest its exclusive c14n, sign SignedInfo's c14n, insert after Issuer."""
    target_id = target.get("ID")
    if not target_id:
        raise ValueError(f"cannot sign {target.tag}: it has no ID attribute")
    signature_method, hash_class = _SIGNATURE_URIS[settings.signature_algorithm]
    digest_method, digest_name = _DIGEST_URIS[settings.digest_algorithm]
    prefixes = ["xs"] if "xs" in root.nsmap else None
    # Enveloped-signature transform: the signature is not in the tree yet, so the target is digested as is.
    # Exclusive c14n without comments (the SignedInfo says so): a comment added before signing is not digested.
    payload = etree.tostring(target, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=prefixes)
    digest = base64.b64encode(hashlib.new(digest_name, payload).digest()).decode("ascii")
    credential = settings.credential
    signature = _signature_template(prefixes, signature_method, digest_method, credential.cert_b64_76)
    signed_info = signature[0]
    reference = signed_info[2]
    reference.set("URI", f"#{target_id}")
    reference[2].text = digest
    signed_info_c14n = etree.tostring(signed_info, method="c14n", exclusive=True)
    value = credential.private_key.sign(signed_info_c14n, PKCS1v15(), hash_class())
    signature[1].text = base64.b64encode(value).decode("ascii")
    issuer = target.find(q(SAML, "Issuer"))
    if issuer is not None:
        issuer.addnext(signature)
    else:
        target.insert(0, signature)
    return root


def sign_response(
    root: etree._Element, settings: SigningSettings, *, use_signxml: bool = False, pristine: bool = False
) -> etree._Element:
    """Sign the Assertion (if set), then the Response (if set); return the signed root.

    Order matters: the Response digest must cover the already signed Assertion, as in Okta's output.
    ``use_signxml`` forces the reference implementation (signxml ``OktaStyleSigner``); the default fast path
    gives the same bytes (tests/bench/test_bench_signing.py). ``pristine`` says the tree comes straight from
    ``build_response`` (no pre-sign fault ops), so the checks that route odd trees to signxml are skipped.
    """
    if root.tag != q(SAMLP, "Response"):
        raise ValueError("sign_response expects a saml2p:Response root")
    _check_algorithms(settings)
    assertion = root.find(q(SAML, "Assertion"))
    targets = [e for e, wanted in ((assertion, settings.assertion_signed), (root, settings.response_signed)) if wanted]
    fast = not use_signxml and (pristine or not _needs_signxml(root, [e for e in targets if e is not None]))
    if fast:
        if settings.assertion_signed and assertion is not None:
            root = _fast_sign_element(root, assertion, settings)
        if settings.response_signed:
            root = _fast_sign_element(root, root, settings)
        return root
    signer = _signer(settings)
    if settings.assertion_signed and assertion is not None:
        root = _sign_element(signer, root, assertion, settings)
    if settings.response_signed:
        root = _sign_element(signer, root, root, settings)
    return root


def sign_message(
    root: etree._Element, credential: Credential, signature_algorithm: str = "RSA_SHA256"
) -> etree._Element:
    """Sign a protocol message's root (a LogoutRequest/LogoutResponse) the way Okta signs its Response.

    Single Logout over HTTP-POST carries the signature inside the message (SAMLBind 3.5.4), right after Issuer.
    """
    digest = "SHA1" if signature_algorithm == "RSA_SHA1" else "SHA256"
    settings = SigningSettings(credential=credential, signature_algorithm=signature_algorithm, digest_algorithm=digest)
    _check_algorithms(settings)
    return _fast_sign_element(root, root, settings)
