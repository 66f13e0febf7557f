"""IdP metadata is in Okta's exact form (as in Okta's published metadata) and always shows the Active certificate."""

from __future__ import annotations

import pytest
from idp_support import parse, xp
from lxml import etree

from mock_idp.metadata import build_metadata
from mock_idp.model import SamlApp
from mock_idp.org import Org
from saml_xmlns import BINDING_POST, BINDING_REDIRECT, MD, NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_UNSPECIFIED, SAMLP


def _metadata(org: Org, app: SamlApp) -> bytes:
    key = org.active_key(app.id)
    return build_metadata(org.issuer(app), org.sso_url(app), key.credential, app.name_id_format)


def test_metadata_is_one_line_with_oktas_declaration(org: Org, justcall: SamlApp) -> None:
    xml = _metadata(org, justcall)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="' + MD.encode())
    # The only line breaks are inside the 76-column certificate.
    text = xml.decode()
    certificate = text[text.index("<ds:X509Certificate>") : text.index("</ds:X509Certificate>")]
    assert text.count("\n") == certificate.count("\n") > 0


def test_metadata_shape(org: Org, justcall: SamlApp) -> None:
    root = parse(_metadata(org, justcall))
    assert root.get("entityID") == f"http://www.okta.com/{justcall.external_key}"
    assert sorted(root.attrib) == ["entityID"]
    (idp,) = root
    assert etree.QName(idp).localname == "IDPSSODescriptor"
    assert idp.get("WantAuthnRequestsSigned") == "false"
    assert idp.get("protocolSupportEnumeration") == SAMLP
    assert [etree.QName(e).localname for e in idp] == [
        "KeyDescriptor",
        "NameIDFormat",
        "SingleSignOnService",
        "SingleSignOnService",
    ]
    assert [e.text for e in xp(idp, "md:NameIDFormat")] == [NAMEID_EMAIL]
    services = xp(idp, "md:SingleSignOnService")
    assert [s.get("Binding") for s in services] == [BINDING_POST, BINDING_REDIRECT]
    assert {s.get("Location") for s in services} == {org.sso_url(justcall)}
    assert xp(root, ".//ds:Signature") == []


def test_metadata_carries_the_active_certificate_for_signing(org: Org, justcall: SamlApp) -> None:
    new = org.generate_key(justcall.id)
    org.activate_key(justcall.id, new.kid)
    root = parse(_metadata(org, justcall))
    descriptor = xp(root, ".//md:KeyDescriptor")[0]
    assert descriptor.get("use") == "signing"
    assert xp(descriptor, "ds:KeyInfo/ds:X509Data/ds:X509Certificate")[0].text == new.credential.cert_b64_76


@pytest.mark.parametrize(
    ("configured", "listed"),
    [
        (NAMEID_EMAIL, [NAMEID_EMAIL]),
        (NAMEID_UNSPECIFIED, [NAMEID_UNSPECIFIED, NAMEID_EMAIL]),
        (NAMEID_PERSISTENT, [NAMEID_PERSISTENT]),
    ],
)
def test_name_id_formats_follow_the_apps_name_id_format(
    org: Org, justcall: SamlApp, configured: str, listed: list[str]
) -> None:
    app = org.update_saml_app(justcall.id, name_id_format=configured)
    assert [e.text for e in xp(parse(_metadata(org, app)), ".//md:NameIDFormat")] == listed
