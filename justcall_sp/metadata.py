"""Describe one account's SP side as SAML metadata (pure: URLs in, XML out)."""

from __future__ import annotations

from lxml import etree

from saml_xmlns import BINDING_POST, DS, MD, NAMEID_EMAIL, SAMLP, q


def sp_metadata(entity_id: str, acs_url: str, signing_certificate_pem: bytes | None = None) -> bytes:
    """Return an EntityDescriptor with one SPSSODescriptor: POST ACS, emailAddress NameID, signed assertions.

    With ``signing_certificate_pem`` (Sign AuthnRequests is on) it says AuthnRequestsSigned="true" and lists the
    certificate as a ``use="signing"`` KeyDescriptor (SAML Metadata 2.4.4, 2.4.1.1), so an IdP can validate requests.
    """
    descriptor = etree.Element(q(MD, "EntityDescriptor"), nsmap={"md": MD})
    descriptor.set("entityID", entity_id)
    sp = etree.SubElement(descriptor, q(MD, "SPSSODescriptor"))
    sp.set("AuthnRequestsSigned", "true" if signing_certificate_pem else "false")
    sp.set("WantAssertionsSigned", "true")
    sp.set("protocolSupportEnumeration", SAMLP)
    if signing_certificate_pem:
        key = etree.SubElement(sp, q(MD, "KeyDescriptor"), use="signing")
        data = etree.SubElement(etree.SubElement(key, q(DS, "KeyInfo"), nsmap={"ds": DS}), q(DS, "X509Data"))
        body = b"".join(signing_certificate_pem.strip().splitlines()[1:-1])
        etree.SubElement(data, q(DS, "X509Certificate")).text = body.decode("ascii")
    etree.SubElement(sp, q(MD, "NameIDFormat")).text = NAMEID_EMAIL
    acs = etree.SubElement(sp, q(MD, "AssertionConsumerService"))
    acs.set("Binding", BINDING_POST)
    acs.set("Location", acs_url)
    acs.set("index", "0")
    acs.set("isDefault", "true")
    return etree.tostring(descriptor, xml_declaration=True, encoding="UTF-8")
