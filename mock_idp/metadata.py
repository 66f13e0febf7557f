"""Render IdP metadata in Okta's exact form (as in Okta's published metadata), pure.

Single line, ``md:`` prefix, not signed, no validUntil/cacheDuration/Organization/ContactPerson, one
``use="signing"`` KeyDescriptor with the certificate wrapped at 76 columns, then NameIDFormat entries,
then SingleSignOnService for HTTP-POST and HTTP-Redirect at the same Location. With "Enable Single Logout" on,
SingleLogoutService for HTTP-POST and HTTP-Redirect (one Location) come between the KeyDescriptor and NameIDFormat
(okta-fidelity.md 1.2), as the schema's SSODescriptor orders them.
"""

from __future__ import annotations

from lxml import etree

from mock_idp.assertion import XML_DECLARATION
from mock_idp.keys import Credential
from saml_xmlns import BINDING_POST, BINDING_REDIRECT, DS, MD, NAMEID_EMAIL, NAMEID_UNSPECIFIED, SAMLP, q


def name_id_formats(configured: str) -> list[str]:
    """Return the NameIDFormat list as real Okta metadata does for the app's Name ID format.

    Unspecified lists ``unspecified`` then ``emailAddress``; EmailAddress (and every other format) lists only
    itself (okta-fidelity.md 1.2: some real metadata lists only ``emailAddress``).
    """
    return [NAMEID_UNSPECIFIED, NAMEID_EMAIL] if configured == NAMEID_UNSPECIFIED else [configured]


def build_metadata(
    entity_id: str, sso_url: str, credential: Credential, name_id_format: str, slo_url: str | None = None
) -> bytes:
    """Return the metadata document for one app and one certificate (the Active one by default).

    ``slo_url`` is Okta's SLO endpoint when the app has Single Logout on, else None (no SingleLogoutService).
    """
    root = etree.Element(q(MD, "EntityDescriptor"), nsmap={"md": MD})
    root.set("entityID", entity_id)
    idp = etree.SubElement(root, q(MD, "IDPSSODescriptor"))
    idp.set("WantAuthnRequestsSigned", "false")
    idp.set("protocolSupportEnumeration", SAMLP)
    descriptor = etree.SubElement(idp, q(MD, "KeyDescriptor"), use="signing")
    key_info = etree.SubElement(descriptor, q(DS, "KeyInfo"), nsmap={"ds": DS})
    x509_data = etree.SubElement(key_info, q(DS, "X509Data"))
    etree.SubElement(x509_data, q(DS, "X509Certificate")).text = credential.cert_b64_76
    if slo_url is not None:
        for binding in (BINDING_POST, BINDING_REDIRECT):
            etree.SubElement(idp, q(MD, "SingleLogoutService"), Binding=binding, Location=slo_url)
    for listed in name_id_formats(name_id_format):
        etree.SubElement(idp, q(MD, "NameIDFormat")).text = listed
    for binding in (BINDING_POST, BINDING_REDIRECT):
        etree.SubElement(idp, q(MD, "SingleSignOnService"), Binding=binding, Location=sso_url)
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)
