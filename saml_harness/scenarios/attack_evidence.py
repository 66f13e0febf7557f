"""Evidence checks for the attack ops: each proves the attack's shape is really in the XML that was sent.

Registered in ``evidence_kit.EVIDENCE``; ``evidence.check_evidence`` runs them. Shapes are read independently of the
IdP's attack code: by local names, IDs and signature values, never by calling ``mock_idp.attacks``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lxml import etree

from saml_harness.scenarios.evidence_kit import TIME_TOLERANCE, Sent, elements, evidence, parse_time, text_of
from saml_harness.security import dsig_check
from saml_xmlns import DS, SAML, q

INVALID_SIGNATURE_VALUE = "VGhpcyBpcyB0aGUgaW52YWxpZCBzaWduYXR1cmU="
"""base64("This is the invalid signature"), saml2webssotest's value (the op's default)."""
EVIL_ASSERTION_ID = "_evil_assertion_ID"
EVIL_RESPONSE_ID = "_evil_response_ID"
_SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"


def local(node: etree._Element) -> str:
    """Return the local name (attacks move elements between namespaces, so shapes match on local names)."""
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def named(root: etree._Element, name: str) -> list[etree._Element]:
    """Return every element (root included) with local name ``name``, in document order."""
    return [e for e in root.iter(etree.Element) if local(e) == name]


def name_ids(root: etree._Element) -> list[str]:
    """Return every NameID's whole text, wherever the attack put it."""
    return [text_of(e).strip() for e in named(root, "NameID")]


def evil_for(root: etree._Element, evil: str | None) -> str:
    """Return the victim the forgery names: ``evil``, else ``owner@`` the domain of the NameIDs in the document."""
    if evil:
        return evil
    domains = {n.rsplit("@", 1)[-1] for n in name_ids(root) if "@" in n}
    return f"owner@{sorted(domains)[0]}" if domains else "owner@?"


def _forged(root: etree._Element, evil: str | None) -> str | None:
    """Check the document carries both the forged (victim's) identity and another (the genuine) one."""
    identity = evil_for(root, evil)
    found = name_ids(root)
    if identity not in found:
        return f"no NameID {identity!r} (the victim the forgery names) in the document; NameIDs: {found}"
    return None


def _both_identities(root: etree._Element, evil: str | None) -> str | None:
    problem = _forged(root, evil)
    if problem:
        return problem
    genuine = [n for n in name_ids(root) if n != evil_for(root, evil)]
    return None if genuine else "the genuine (signed) identity is no longer in the document"


def _signature_child(element: etree._Element) -> etree._Element | None:
    return element.find(q(DS, "Signature"))


def _reference_uri(signature: etree._Element) -> str | None:
    reference = signature.find(f"{q(DS, 'SignedInfo')}/{q(DS, 'Reference')}")
    return None if reference is None else reference.get("URI")


def _xpath_exists(root: etree._Element, path: str) -> bool:
    """Whether an XPath (a node set or a boolean expression) selects something."""
    return bool(root.xpath(path))


_A = "*[local-name()='Assertion']"
_S = "*[local-name()='Signature']"
_R = "*[local-name()='Response']"
_XSW_SHAPES = {
    1: f"/*[@ID='{EVIL_RESPONSE_ID}'] and //{_S}/{_R}",
    2: f"/*[@ID='{EVIL_RESPONSE_ID}'] and //{_R}[following-sibling::*[1][local-name()='Signature']]",
    3: f"/*/{_A}[@ID='{EVIL_ASSERTION_ID}'][not({_S})]/following-sibling::{_A}[{_S}]",
    4: f"/*/{_A}[@ID='{EVIL_ASSERTION_ID}'][last()]/{_A}[{_S}]",
    5: f"/*/{_A}[@ID='{EVIL_ASSERTION_ID}'][{_S}]/following-sibling::{_A}[not({_S})]",
    6: f"/*/{_A}[@ID='{EVIL_ASSERTION_ID}']/{_S}/{_A}",
    7: f"/*/*[local-name()='Extensions']/{_A}",
    8: f"/*/{_A}/{_S}/*[local-name()='Object']/{_A}",
}
"""Where each XSW variant leaves the forged and the genuine elements (local names: namespaces vary by variant)."""


@evidence("xsw")
def _xsw(
    root: etree._Element, sent: Sent, variant: int, namespaced: bool = False, evil: str | None = None
) -> str | None:
    path = _XSW_SHAPES[variant]
    if not _xpath_exists(root, f"boolean({path})"):
        return f"XSW{variant} shape not found ({path})"
    if variant in (7, 8):
        wrapper = named(root, "Extensions" if variant == 7 else "Object")[0]
        expected_ns = (_SAMLP if variant == 7 else DS) if namespaced else None
        if etree.QName(wrapper).namespace != expected_ns:
            return f"XSW{variant} wrapper namespace is {etree.QName(wrapper).namespace!r}, expected {expected_ns!r}"
        ids = [a.get("ID") for a in named(root, "Assertion")]
        if len(set(ids)) == len(ids):
            return f"XSW{variant} must duplicate the assertion ID; IDs are {ids}"
    return _both_identities(root, evil)


_PYSAML2_SHAPES = {
    "unknown_wrapper": "/*/XSW_ATTACK/*[local-name()='Assertion']",
    "extensions": "/*/*[local-name()='Extensions']/*[local-name()='Assertion'][not(*[local-name()='Signature'])]",
    "assertion_in_assertion": f"/*/*[local-name()='Assertion'][@ID='{EVIL_ASSERTION_ID}']/*[local-name()='Assertion']",
    "first_sig_assertion": f"/*/*[local-name()='Assertion'][@ID='{EVIL_ASSERTION_ID}']/*[1][local-name()='Assertion']",
    "first_sig_response": f"/*[@ID='{EVIL_RESPONSE_ID}']/*[1][local-name()='Response']",
}


@evidence("pysaml2_xsw")
def _pysaml2(root: etree._Element, sent: Sent, shape: str, evil: str | None = None) -> str | None:
    path = _PYSAML2_SHAPES[shape]
    if not _xpath_exists(root, path):
        return f"pysaml2 {shape} shape not found ({path})"
    return _both_identities(root, evil)


@evidence("duplicate_id")
def _duplicate_id(root: etree._Element, sent: Sent, position: str = "after", evil: str | None = None) -> str | None:
    ids = [a.get("ID") for a in named(root, "Assertion")]
    if len(ids) < 2 or len(set(ids)) != 1:
        return f"expected two assertions with one ID, found IDs {ids}"
    return _both_identities(root, evil)


@evidence("add_unsigned_assertion")
def _unsigned_assertion(
    root: etree._Element, sent: Sent, position: str = "after", evil: str | None = None
) -> str | None:
    extra = [a for a in named(root, "Assertion") if str(a.get("ID", "")).endswith("_attack")]
    if len(extra) != 1 or _signature_child(extra[0]) is not None:
        return "expected one unsigned assertion whose ID ends in _attack"
    return _both_identities(root, evil)


@evidence("move_signature")
def _moved(root: etree._Element, sent: Sent, source: str, to: str) -> str | None:
    places = {"response": root, "assertion": root.find(q(SAML, "Assertion"))}
    holder, signed = places.get(to), places.get(source)
    if holder is None or signed is None:
        return "response or assertion missing"
    signature = _signature_child(holder)
    if signature is None:
        return f"the {to} carries no signature"
    uri = _reference_uri(signature)
    if uri != f"#{signed.get('ID')}":
        return f"the {to}'s signature references {uri!r}, not the {source}"
    return None


@evidence("sign_twice")
def _signed_twice(root: etree._Element, sent: Sent, target: str = "response") -> str | None:
    element = {"response": root, "assertion": root.find(q(SAML, "Assertion"))}.get(target)
    if element is None:
        return f"no {target} in the response"
    signatures = [child for child in element if local(child) == "Signature"]
    if len(signatures) != 2:
        return f"the {target} carries {len(signatures)} signatures, not two"
    trusted = sent.trusted_certificate()
    if trusted is not None and not all(dsig_check.verifies_with_certificate(s, trusted) for s in signatures):
        return f"the {target}'s two SignatureValues are not both by the trusted key"
    return None


@evidence("sign_foreign_element")
def _foreign_element(root: etree._Element, sent: Sent, evil: str | None = None) -> str | None:
    assertion = root.find(q(SAML, "Assertion"))
    if _signature_child(root) is not None or (assertion is not None and _signature_child(assertion) is not None):
        return "the Response or Assertion still carries its own signature"
    signatures = named(root, "Signature")
    if len(signatures) != 1 or local(signatures[0].getparent()) != "EntityDescriptor":  # type: ignore[arg-type]
        return "expected exactly one signature, on an embedded EntityDescriptor"
    trusted = sent.trusted_certificate()
    if trusted is not None and not dsig_check.verifies_with_certificate(signatures[0], trusted):
        return "the EntityDescriptor signature is not a valid signature by the trusted key"
    return _forged(root, evil)


@evidence("add_signed_info")
def _two_signed_info(root: etree._Element, sent: Sent, wrapped: bool = False, evil: str | None = None) -> str | None:
    for signature in named(root, "Signature"):
        if len(named(signature, "SignedInfo")) >= 2:
            direct = len(signature.findall(q(DS, "SignedInfo")))
            if wrapped == (direct == 1):
                return _both_identities(root, evil)
            return f"SignedInfo nesting does not match wrapped={wrapped}"
    return "no signature with two SignedInfo elements"


@evidence("digest_comment")
def _digest_comment(root: etree._Element, sent: Sent, evil: str | None = None) -> str | None:
    for value in named(root, "DigestValue"):
        if any(isinstance(child, etree._Comment) for child in value):
            return _forged(root, evil)
    return "no DigestValue holds a comment"


def _targets(root: etree._Element, target: str) -> list[etree._Element]:
    assertion = root.find(q(SAML, "Assertion"))
    table: dict[str, list[etree._Element | None]] = {
        "response": [root],
        "assertion": [assertion],
        "both": [root, assertion],
    }
    return [e for e in table.get(target, []) if e is not None]


@evidence("resign")
def _resigned(
    root: etree._Element,
    sent: Sent,
    key: str,
    target: str = "both",
    forge: bool = True,
    evil: str | None = None,
    signature_method: str | None = None,
) -> str | None:
    trusted = sent.trusted_certificate()
    for element in _targets(root, target):
        signature = _signature_child(element)
        if signature is None:
            return f"the {local(element)} is not signed"
        if key == "idp":
            if trusted is not None and not dsig_check.verifies_with_certificate(signature, trusted):
                return f"the {local(element)} signature is not a valid IdP signature"
            continue
        if not dsig_check.verifies_with_embedded_key(signature):
            return f"the {local(element)} signature does not verify with the key material it carries"
        if trusted is not None and dsig_check.verifies_with_certificate(signature, trusted):
            return f"the {local(element)} is signed by the trusted key, not the attacker's"
    return _forged(root, evil) if forge else None


_SIGNATURE_URIS = {
    "rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "rsa-md5": "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
    "unknown": "urn:example:unknown-signature-method",
}
_DIGEST_URIS = {
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "md5": "http://www.w3.org/2001/04/xmldsig-more#md5",
    "unknown": "urn:example:unknown-digest",
}
_PROFILE_URIS = {
    "exc_c14n": "http://www.w3.org/2001/10/xml-exc-c14n#",
    "c14n": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "enveloped": "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "xpath": "http://www.w3.org/TR/1999/REC-xpath-19991116",
    "xslt": "http://www.w3.org/TR/1999/REC-xslt-19991116",
    "xpath_filter2": "http://www.w3.org/2002/06/xmldsig-filter2",
    "base64": "http://www.w3.org/2000/09/xmldsig#base64",
    "exc_c14n_comments": "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
}


def _uri(name: str, table: dict[str, str] = _PROFILE_URIS) -> str:
    return table.get(name, name)


@evidence("resign_profile")
def _profile(
    root: etree._Element,
    sent: Sent,
    target: str = "assertion",
    signature_method: str = "rsa-sha256",
    digest_method: str = "sha256",
    c14n_method: str = "exc_c14n",
    transforms: list[str] | None = None,
    reference_uri: str | None = None,
    references: int = 1,
    with_object: bool = False,
    xslt_url: str = "",
) -> str | None:
    element = _targets(root, target)[0] if _targets(root, target) else None
    signature = None if element is None else _signature_child(element)
    if element is None or signature is None:
        return f"the {target} carries no signature"
    signed_info = signature.find(q(DS, "SignedInfo"))
    refs = [] if signed_info is None else signed_info.findall(q(DS, "Reference"))
    got = {
        "SignatureMethod": dsig_check.method_of(signature),
        "references": len(refs),
        "Object": signature.find(q(DS, "Object")) is not None,
    }
    expected: dict[str, Any] = {
        "SignatureMethod": _uri(signature_method, _SIGNATURE_URIS),
        "references": references,
        "Object": with_object,
    }
    if refs:
        got["Transforms"] = [
            t.get("Algorithm") for t in refs[0].iterfind(f"{q(DS, 'Transforms')}/{q(DS, 'Transform')}")
        ]
        expected["Transforms"] = [_uri(t) for t in (transforms or ["enveloped", "exc_c14n"])]
        got["URI"] = refs[0].get("URI", "absent")
        expected["URI"] = f"#{element.get('ID')}" if reference_uri is None else reference_uri
        digest = refs[0].find(q(DS, "DigestMethod"))
        got["DigestMethod"] = None if digest is None else digest.get("Algorithm")
        expected["DigestMethod"] = _uri(digest_method, _DIGEST_URIS)
    wrong = {k: got.get(k) for k in expected if got.get(k) != expected[k]}
    if wrong:
        wanted = {k: expected[k] for k in wrong}
        return f"signature profile differs: got {wrong}, expected {wanted}"
    trusted = sent.trusted_certificate()
    checkable = trusted is not None and signature_method in ("rsa-sha256", "rsa-md5")
    if checkable and not dsig_check.verifies_with_certificate(signature, trusted):  # type: ignore[arg-type]
        return "the deviant signature is not a valid SignatureValue by the IdP's key"
    return None


@evidence("replace_key_info")
def _key_info(root: etree._Element, sent: Sent, target: str, mode: str = "replace") -> str | None:
    elements_ = _targets(root, target)
    signature = _signature_child(elements_[0]) if elements_ else None
    if signature is None:
        return f"the {target} carries no signature"
    subjects = [c.subject.rfc4514_string() for c in dsig_check.certificates_in(signature)]
    if mode == "key_value":
        return None if signature.find(f"{q(DS, 'KeyInfo')}/{q(DS, 'KeyValue')}") is not None else "no ds:KeyValue"
    if not any("foreign.example" in s for s in subjects):
        return f"no foreign certificate in KeyInfo (subjects {subjects})"
    if mode == "append" and len(subjects) < 2:
        return "expected the foreign certificate next to the IdP's"
    trusted = sent.trusted_certificate()
    if trusted is not None and not dsig_check.verifies_with_certificate(signature, trusted):
        return "the signature is no longer a valid IdP signature"
    return None


@evidence("set_signature_value")
def _signature_value(root: etree._Element, sent: Sent, target: str, value: str = INVALID_SIGNATURE_VALUE) -> str | None:
    elements_ = _targets(root, target)
    signature = _signature_child(elements_[0]) if elements_ else None
    found = None if signature is None else signature.find(q(DS, "SignatureValue"))
    if signature is None or found is None:
        return f"the {target} carries no SignatureValue"
    if (found.text or "") != value:
        return f"SignatureValue is {found.text!r}, not {value!r}"
    return None


@evidence("inject_markup")
def _markup(
    root: etree._Element,
    sent: Sent,
    xpath: str,
    at: int | None = None,
    kind: str = "comment",
    text: str = "",
    before: str = "",
) -> str | None:
    found = elements(root, xpath)
    if not found:
        return f"nothing at {xpath}"
    for element in found:
        if before and kind != "cdata" and not any(child.tail and child.tail.startswith(before) for child in element):
            return f"{local(element)} holds no markup right before {before!r}"
        if kind == "cdata":
            if b"<![CDATA[" not in etree.tostring(element):
                return f"{local(element)} holds no CDATA section"
        else:
            wanted = etree._Comment if kind == "comment" else etree._ProcessingInstruction
            if not any(isinstance(child, wanted) for child in element):
                return f"{local(element)} holds no {kind}"
    return None


@evidence("set_time_zoned")
def _zoned(root: etree._Element, sent: Sent, target: str, attr: str, offset_seconds: float, zone: str) -> str | None:
    paths = {
        "response": ".",
        "assertion": "saml2:Assertion",
        "conditions": ".//saml2:Conditions",
        "subject_confirmation": ".//saml2:SubjectConfirmationData",
        "authn_statement": ".//saml2:AuthnStatement",
    }
    values = [e.get(attr) for e in elements(root, paths[target])]
    expected = sent.now + timedelta(seconds=offset_seconds)
    for value in values:
        if value is None or (zone != "none" and not value.endswith(zone)) or value.endswith("Z"):
            return f"{target}@{attr} is {value!r}, not written with zone {zone}"
        moment = parse_time(value if zone != "none" else value + "+00:00")
        if abs(moment - expected) > TIME_TOLERANCE:
            return f"{target}@{attr} {value} is not about {expected.isoformat()}"
    return None if values else f"no {target}@{attr}"


@evidence("add_element")
def _added_element(root: etree._Element, sent: Sent, parent: str, xml: str) -> str | None:
    fragment = etree.fromstring(
        f'<w xmlns:saml2="{SAML}" xmlns:saml2p="{_SAMLP}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:xs="http://www.w3.org/2001/XMLSchema">{xml}</w>'.encode()
    )
    tags = [child.tag for child in fragment]
    for holder in elements(root, parent):
        present = [child.tag for child in holder]
        if all(present.count(tag) >= tags.count(tag) for tag in tags):
            return None
    return f"{tags} not found under {parent}"


@evidence("add_signed_assertion")
def _second_signed(root: etree._Element, sent: Sent, evil: str | None = None) -> str | None:
    signed = [a for a in named(root, "Assertion") if _signature_child(a) is not None]
    if len(signed) != 2:
        return f"expected two signed assertions, found {len(signed)}"
    trusted = sent.trusted_certificate()
    if trusted is not None:
        for assertion in signed:
            signature = _signature_child(assertion)
            if signature is None or not dsig_check.verifies_with_certificate(signature, trusted):
                return "an assertion signature is not a valid IdP signature"
    return _both_identities(root, evil)


@evidence("set_attr")
def _attr(root: etree._Element, sent: Sent, xpath: str, attr: str, value: str | None) -> str | None:
    found = elements(root, xpath)
    if not found:
        return f"nothing at {xpath}"
    wrong = [e.get(attr) for e in found if e.get(attr) != value]
    return f"{xpath}@{attr}: expected {value!r}, found {wrong}" if wrong else None


@evidence("set_text")
def _text(root: etree._Element, sent: Sent, xpath: str, value: str) -> str | None:
    found = [text_of(e) for e in elements(root, xpath)]
    wrong = [t for t in found if t != value]
    return f"{xpath}: expected {value!r}, found {wrong or 'nothing'}" if wrong or not found else None


@evidence("remove_attr")
def _no_attr(root: etree._Element, sent: Sent, xpath: str, attr: str) -> str | None:
    found = elements(root, xpath)
    if not found:
        return f"nothing at {xpath}"
    left = [e.get(attr) for e in found if e.get(attr) is not None]
    return f"{xpath}@{attr} is still present: {left}" if left else None


@evidence("encrypted_key_elsewhere")
def _encrypted_key_elsewhere(root: etree._Element, sent: Sent, uri: str = "") -> str | None:
    found = elements(root, "saml2:EncryptedAssertion/xenc:EncryptedData/ds:KeyInfo/ds:RetrievalMethod")
    if not found:
        return "no RetrievalMethod in an EncryptedData"
    where = found[0].get("URI") or ""
    return f"RetrievalMethod still points inside the document ({where!r})" if where.startswith("#") else None
