"""Sign a Response the way Okta does: Assertion first, then Response, each Signature right after its Issuer.

Okta's signatures (okta-fidelity.md 1.3, 3.2): exclusive c14n for SignedInfo and as the second Reference
Transform after enveloped-signature; ``<ec:InclusiveNamespaces PrefixList="xs"/>`` inside that Transform
when ``xs`` is declared (attribute statements present); KeyInfo = X509Data/X509Certificate only, 76-column
base64. signxml 5.2 cannot write InclusiveNamespaces in enveloped mode (issue #163), hence the subclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml.etree import SubElement
from signxml import XMLSigner, methods
from signxml.algorithms import CanonicalizationMethod
from signxml.signer import SignatureReference
from signxml.util import ec_tag

from mock_idp.keys import Credential
from saml_harness.xmlns import DS, EC, SAML, SAMLP, q

# Okta's API enums (okta-fidelity.md 1.5) mapped to signxml's algorithm fragments.
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


def _signer(settings: SigningSettings) -> XMLSigner:
    if settings.signature_algorithm not in SIGNATURE_METHODS:
        raise ValueError(f"signature algorithm must be one of {sorted(SIGNATURE_METHODS)}")
    if settings.digest_algorithm not in DIGEST_METHODS:
        raise ValueError(f"digest algorithm must be one of {sorted(DIGEST_METHODS)}")
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


def sign_response(root: etree._Element, settings: SigningSettings) -> etree._Element:
    """Sign the Assertion (if set), then the Response (if set); return the new signed root.

    Order matters: the Response digest must cover the already signed Assertion, as in Okta's output.
    """
    if root.tag != q(SAMLP, "Response"):
        raise ValueError("sign_response expects a saml2p:Response root")
    signer = _signer(settings)
    assertion = root.find(q(SAML, "Assertion"))
    if settings.assertion_signed and assertion is not None:
        root = _sign_element(signer, root, assertion, settings)
    if settings.response_signed:
        root = _sign_element(signer, root, root, settings)
    return root
