"""Check the ``samlp:Response`` envelope: root, IDs, Status, Destination, Issuer, exactly one Assertion."""

from __future__ import annotations

from collections import Counter

from lxml import etree

from justcall_sp.acs.reasons import Reject
from justcall_sp.acs.text import whole_text
from saml_xmlns import DS, NAMEID_ENTITY, SAML, SAMLP, STATUS_SUCCESS, q

_ID_ATTRIBUTE_NAMES = ("ID", "Id", "id")
"""Local names signxml resolves references against (``xml:id`` included): all must be unique."""


# SAML core 3.2.2 / 3.3.3: the message is a samlp:Response with Version="2.0" and an ID.
def check_root(root: etree._Element) -> str:
    if root.tag != q(SAMLP, "Response"):
        raise Reject("response.invalid", f"root element is {root.tag}, not samlp:Response")
    if root.get("Version") != "2.0":
        raise Reject("response.invalid", f"Response Version is {root.get('Version')!r}, not '2.0'")
    response_id = root.get("ID")
    if not response_id:
        raise Reject("response.invalid", "Response has no ID")
    return response_id


# SAML core 1.3.4: "there MUST be exactly one such declaration" of an identifier within a document. Duplicate
# IDs are how XSW7/XSW8 and ruby-saml CVE-2024-45409 make the verifier and the reader see different elements.
def check_unique_ids(root: etree._Element) -> None:
    seen: Counter[str] = Counter()
    for element in root.iter(etree.Element):
        for name, value in element.attrib.items():
            if etree.QName(name).localname in _ID_ATTRIBUTE_NAMES:
                seen[str(value)] += 1
    duplicates = sorted(value for value, count in seen.items() if count > 1)
    if duplicates:
        raise Reject("response.duplicate_id", f"IDs declared more than once: {', '.join(duplicates)}")


# Profiles 4.1.4.2: on error the IdP MUST NOT include assertions, so nothing from a non-Success response is used.
def check_status(root: etree._Element) -> None:
    code = root.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}")
    value = None if code is None else code.get("Value")
    if value == STATUS_SUCCESS:
        return
    nested = None if code is None else code.find(q(SAMLP, "StatusCode"))
    message = root.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusMessage')}")
    parts = [f"status {value or 'missing'}"]
    if nested is not None:
        parts.append(f"second-level {nested.get('Value')}")
    if message is not None and message.text:
        parts.append(f"message {message.text.strip()!r}")
    raise Reject("status.not_success", "; ".join(parts))


# Bindings 3.5.5.2: "If the message is signed, the Destination XML attribute ... MUST contain the URL to which
# the sender has instructed the user agent to deliver the message. The recipient MUST then verify that the value
# matches the location at which the message has been received." Okta always sends it; we require it and compare
# exactly (a trailing slash or any suffix is a different URL).
def check_destination(root: etree._Element, acs_url: str) -> None:
    destination = root.get("Destination")
    if not destination:
        raise Reject("destination.missing", "Response has no Destination")
    if destination != acs_url:
        raise Reject("destination.mismatch", f"Destination {destination!r} is not this ACS URL {acs_url!r}")


# Profiles 4.1.4.2: "If the <Response> message is signed ... the <Issuer> element MUST be present"; if present it
# MUST be the IdP's entityID, Format omitted or entity. An unsigned Response may omit it.
def check_response_issuer(root: etree._Element, idp_issuer: str) -> None:
    issuer = root.find(q(SAML, "Issuer"))
    if issuer is None:
        if root.find(q(DS, "Signature")) is not None:
            raise Reject("issuer.missing", "the Response is signed but has no Issuer")
        return
    value = whole_text(issuer, "issuer.response.mismatch")
    if value != idp_issuer:
        raise Reject("issuer.response.mismatch", f"Response Issuer {value!r} is not the configured {idp_issuer!r}")
    if issuer.get("Format") not in (None, NAMEID_ENTITY):
        raise Reject("issuer.response.mismatch", f"Response Issuer Format {issuer.get('Format')!r} is not entity")


# Profiles 4.1.4.2 requires at least one assertion; this SP accepts exactly one, as a direct child of the
# Response (acs/encryption.py has already refused any EncryptedAssertion it did not decrypt into place).
# Counting in the whole document catches assertions
# hidden in Extensions, wrappers or inside a Signature (XSW1-8, CVE-2020-5390, CVE-2022-41912).
def check_single_assertion(root: etree._Element) -> etree._Element:
    assertions = list(root.iter(q(SAML, "Assertion")))
    if len(assertions) != 1:
        raise Reject("assertion.count", f"{len(assertions)} Assertion elements; exactly one is expected")
    assertion = assertions[0]
    if assertion.getparent() is not root:
        raise Reject("assertion.count", "the Assertion is not a direct child of the Response")
    if assertion.get("Version") != "2.0" or not assertion.get("ID"):
        raise Reject("assertion.invalid", "the Assertion lacks ID or Version='2.0'")
    return assertion
