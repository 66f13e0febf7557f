"""Describe one account's SP side as SAML metadata (pure: URLs in, XML out)."""

from __future__ import annotations

from lxml import etree

from saml_xmlns import BINDING_POST, MD, NAMEID_EMAIL, SAMLP, q


def sp_metadata(entity_id: str, acs_url: str) -> bytes:
    """Return an EntityDescriptor with one SPSSODescriptor: POST ACS, emailAddress NameID, signed assertions."""
    descriptor = etree.Element(q(MD, "EntityDescriptor"), nsmap={"md": MD})
    descriptor.set("entityID", entity_id)
    sp = etree.SubElement(descriptor, q(MD, "SPSSODescriptor"))
    sp.set("AuthnRequestsSigned", "false")
    sp.set("WantAssertionsSigned", "true")
    sp.set("protocolSupportEnumeration", SAMLP)
    etree.SubElement(sp, q(MD, "NameIDFormat")).text = NAMEID_EMAIL
    acs = etree.SubElement(sp, q(MD, "AssertionConsumerService"))
    acs.set("Binding", BINDING_POST)
    acs.set("Location", acs_url)
    acs.set("index", "0")
    acs.set("isDefault", "true")
    return etree.tostring(descriptor, xml_declaration=True, encoding="UTF-8")
