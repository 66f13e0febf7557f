"""Share what every attack op needs: who the attacker wants to be, and SAMLRaider's match-and-replace edit."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from lxml import etree

from mock_idp.attacks.dsig import first_descendant, remove
from mock_idp.op_registry import OpContext

EVIL_ASSERTION_ID = "_evil_assertion_ID"
"""SAMLRaider's ID for the forged assertion."""
EVIL_RESPONSE_ID = "_evil_response_ID"
"""SAMLRaider's ID for the forged response."""


def evil_identity(ctx: OpContext, evil: str | None) -> str:
    """Return whom the attack claims to be: ``evil`` if given, else ``owner@`` the victim's own domain."""
    if evil:
        return ctx.fmt(evil)
    return "owner@" + ctx.user.email.rsplit("@", 1)[-1]


def match_and_replace(element: etree._Element, old: Iterable[str], new: str) -> int:
    """Replace every text node exactly equal to one of ``old`` by ``new`` (SAMLRaider's "evil edits")."""
    targets = set(old)
    count = 0
    for node in element.iter():
        if node.text in targets:
            node.text = new
            count += 1
        if node is not element and node.tail in targets:
            node.tail = new
            count += 1
    return count


def make_evil(element: etree._Element, ctx: OpContext, evil: str | None) -> str:
    """Rewrite the victim's identity inside ``element`` to the attacker's; fail loudly if nothing changed."""
    identity = evil_identity(ctx, evil)
    if not match_and_replace(element, {ctx.user.email, ctx.user.login}, identity):
        raise ValueError(f"no text node holds {ctx.user.email!r}: nothing to rewrite to {identity!r}")
    return identity


def first_assertion(root: etree._Element) -> etree._Element:
    """Return the first Assertion in document order (SAMLRaider's lookup), or fail."""
    found = first_descendant(root, "Assertion")
    if found is None:
        raise ValueError("the response has no Assertion")
    return found


def first_signature(element: etree._Element, what: str) -> etree._Element:
    """Return the first ds:Signature below ``element`` (SAMLRaider's lookup), or fail naming the baseline needed."""
    found = first_descendant(element, "Signature")
    if found is None:
        raise ValueError(f"{what}: the baseline has no signature here; sign it (see the scenario's signing)")
    return found


def clone_without_signature(element: etree._Element) -> etree._Element:
    """Deep-copy ``element`` and drop the first ds:Signature inside the copy (SAMLRaider's clone step)."""
    clone = copy.deepcopy(element)
    signature = first_descendant(clone, "Signature")
    if signature is not None:
        remove(signature)
    return clone
