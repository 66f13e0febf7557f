"""The byte-level builders produce the documented recipes (duplicate IDs, comment and CDATA truncation, DTD and
entity attacks)."""

from __future__ import annotations

import pytest
from lxml import etree
from security_support import EMAIL, Idp

from saml_harness.security import hostile_xml
from saml_xmlns import DS, SAML, SAMLP, q


@pytest.fixture(scope="module")
def genuine(idp: Idp) -> bytes:
    return idp.issue()


def test_doctype_goes_after_the_xml_declaration(genuine: bytes) -> None:
    built = hostile_xml.any_doctype(genuine)
    assert built.startswith(b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE Response>')


def test_external_general_entity_replaces_the_name_id(genuine: bytes) -> None:
    built = hostile_xml.external_general_entity(genuine, "http://127.0.0.1:1/x")
    assert b'<!ENTITY xxe SYSTEM "http://127.0.0.1:1/x">' in built and b">&xxe;<" in built


def test_billion_laughs_nests_ten_levels(genuine: bytes) -> None:
    built = hostile_xml.billion_laughs(genuine)
    assert built.count(b"<!ENTITY lol") == 10 and b">&lol9;<" in built


def test_saml_storm_recipe(genuine: bytes) -> None:
    built = hostile_xml.cve_2025_25291(genuine, "owner@acme.example").decode()
    assert built.startswith("<!DOCTYPE response SYSTEM 'x\"><!--'>\n")
    assert built.endswith("<!--]]>-->\n</saml2p:Response>")
    head, _, tail = built.partition("<![CDATA[-->\n")
    assert "owner@acme.example" in head and EMAIL not in head.split("<saml2:NameID")[1]
    assert EMAIL in tail


def test_attlist_namespace_recipe(genuine: bytes) -> None:
    built = hostile_xml.cve_2025_25292(genuine)
    assert b"<!ATTLIST Signature xmlns CDATA #FIXED" in built
    assert 'xmlns:example="http://example.com\u0080"'.encode() in built
    assert b"<saml2p:StatusDetail><Signature><ds:SignedInfo" in built
    with pytest.raises(etree.XMLSyntaxError, match="not a valid URI"):
        etree.fromstring(built.split(b"]>", 1)[1], etree.XMLParser(resolve_entities=False))
    without = built.split(b"]>", 1)[1].replace("\u0080".encode(), b"")
    root = etree.fromstring(without, etree.XMLParser(resolve_entities=False))
    assert root.find(q(DS, "Signature")) is None
    assert root.find(f"{q(SAML, 'Assertion')}/{q(DS, 'Signature')}") is not None
    assert root.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusDetail')}/Signature") is not None


def test_entity_built_ids_recipe(genuine: bytes) -> None:
    built = hostile_xml.cve_2025_23369(genuine)
    assert b'ID="&idViaEntity;"' in built and b"&BypassIDUniqueness;" in built
    assert b"<!ENTITY BypassIDUniqueness" in built


def test_pad_grows_a_well_formed_document(genuine: bytes) -> None:
    built = hostile_xml.pad(genuine, 100_000)
    assert 99_000 < len(built) <= 100_000
    etree.fromstring(built)


def test_xinclude_replaces_the_name_id_text(genuine: bytes) -> None:
    built = hostile_xml.xinclude(genuine, "http://127.0.0.1:1/x")
    assert b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="http://127.0.0.1:1/x"' in built
