"""Signatures are Okta-shaped, verify with signxml and python3-saml, and the Response is schema-valid."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from idp_support import ACS_URL, SP_ENTITY_ID, issue_for, parse, verify, xp
from lxml import etree
from signxml.exceptions import InvalidInput

from mock_idp.faults import FaultPlan, Op
from mock_idp.model import SamlApp, User
from mock_idp.org import Org, utc_now
from saml_xmlns import (
    ALG_ENVELOPED,
    ALG_EXC_C14N,
    ALG_RSA_SHA1,
    ALG_RSA_SHA256,
    ALG_SHA1,
    ALG_SHA256,
    EC,
    SAML,
)


def _signature(root: etree._Element, where: str) -> etree._Element:
    parent = root if where == "response" else xp(root, "saml2:Assertion")[0]
    signatures = xp(parent, "ds:Signature")
    assert len(signatures) == 1
    return signatures[0]


@pytest.mark.parametrize("where", ["response", "assertion"])
def test_signature_sits_right_after_its_issuer(org: Org, justcall: SamlApp, ann: User, where: str) -> None:
    signature = _signature(parse(issue_for(org, justcall, ann).xml), where)
    previous = signature.getprevious()
    assert previous is not None and previous.tag == f"{{{SAML}}}Issuer"


@pytest.mark.parametrize("where", ["response", "assertion"])
def test_signed_info_uses_exc_c14n_rsa_sha256_and_inclusive_namespaces_xs(
    org: Org, justcall: SamlApp, ann: User, where: str
) -> None:
    signature = _signature(parse(issue_for(org, justcall, ann).xml), where)
    assert xp(signature, "ds:SignedInfo/ds:CanonicalizationMethod")[0].get("Algorithm") == ALG_EXC_C14N
    assert xp(signature, "ds:SignedInfo/ds:CanonicalizationMethod/*") == []
    assert xp(signature, "ds:SignedInfo/ds:SignatureMethod")[0].get("Algorithm") == ALG_RSA_SHA256
    reference = xp(signature, "ds:SignedInfo/ds:Reference")[0]
    assert xp(reference, "ds:DigestMethod")[0].get("Algorithm") == ALG_SHA256
    transforms = xp(reference, "ds:Transforms/ds:Transform")
    assert [t.get("Algorithm") for t in transforms] == [ALG_ENVELOPED, ALG_EXC_C14N]
    inclusive = transforms[1].findall(f"{{{EC}}}InclusiveNamespaces")
    assert len(inclusive) == 1 and inclusive[0].get("PrefixList") == "xs"
    assert inclusive[0].prefix == "ec"


def test_reference_uris_point_at_their_parents(org: Org, justcall: SamlApp, ann: User) -> None:
    root = parse(issue_for(org, justcall, ann).xml)
    assertion = xp(root, "saml2:Assertion")[0]
    assert xp(_signature(root, "response"), ".//ds:Reference")[0].get("URI") == "#" + (root.get("ID") or "")
    assert xp(_signature(root, "assertion"), ".//ds:Reference")[0].get("URI") == "#" + (assertion.get("ID") or "")


def test_no_inclusive_namespaces_without_attributes(org: Org, ann: User) -> None:
    bare = org.create_saml_app("Bare", "http://sp.test/acs", "sp")
    root = parse(issue_for(org, bare, ann).xml)
    assert xp(root, ".//ec:InclusiveNamespaces") == []
    verify(etree.tostring(root), org.active_certificate_pem(bare.id))


def test_key_info_holds_only_the_x509_certificate_wrapped_at_76(org: Org, justcall: SamlApp, ann: User) -> None:
    key_info = xp(_signature(parse(issue_for(org, justcall, ann).xml), "response"), "ds:KeyInfo")[0]
    assert [etree.QName(e).localname for e in key_info.iter()] == ["KeyInfo", "X509Data", "X509Certificate"]
    text = xp(key_info, ".//ds:X509Certificate")[0].text or ""
    assert "\n" in text and max(len(line) for line in text.split("\n")) == 76
    expected = org.active_key(justcall.id).credential.cert_b64_76
    assert text == expected


@pytest.mark.parametrize("where", ["response", "assertion"])
def test_signature_verifies_with_the_pinned_certificate(org: Org, justcall: SamlApp, ann: User, where: str) -> None:
    xml = issue_for(org, justcall, ann, request_id="_r1").xml
    signed = verify(xml, org.active_certificate_pem(justcall.id), where)
    expected_tag = "Response" if where == "response" else "Assertion"
    assert etree.QName(signed).localname == expected_tag


def test_signature_fails_with_another_certificate(org: Org, justcall: SamlApp, ann: User) -> None:
    xml = issue_for(org, justcall, ann).xml
    other = org.special_credential("other").cert_pem
    with pytest.raises(Exception, match="Signature verification failed"):
        verify(xml, other)


def test_rsa_sha1_app_setting_signs_with_sha1(org: Org, ann: User) -> None:
    app = org.create_saml_app("Legacy", ACS_URL, "sp", signature_algorithm="RSA_SHA1", digest_algorithm="SHA1")
    xml = issue_for(org, app, ann).xml
    root = parse(xml)
    assert xp(root, "ds:Signature/ds:SignedInfo/ds:SignatureMethod")[0].get("Algorithm") == ALG_RSA_SHA1
    assert xp(root, "ds:Signature//ds:DigestMethod")[0].get("Algorithm") == ALG_SHA1
    pem = org.active_certificate_pem(app.id)
    verify(xml, pem, "response", sha1=True)
    verify(xml, pem, "assertion", sha1=True)
    with pytest.raises(InvalidInput, match="forbidden"):
        verify(xml, pem)


def test_rsa_sha1_plan_override_pairs_sha1_digest(org: Org, justcall: SamlApp, ann: User) -> None:
    xml = issue_for(org, justcall, ann, plan=FaultPlan(signing={"algorithm": "RSA_SHA1"})).xml
    assert xp(parse(xml), "ds:Signature//ds:DigestMethod")[0].get("Algorithm") == ALG_SHA1
    verify(xml, org.active_certificate_pem(justcall.id), sha1=True)


def test_unsigned_response_setting_signs_only_the_assertion(org: Org, justcall: SamlApp, ann: User) -> None:
    app = org.update_saml_app(justcall.id, response_signed=False)
    root = parse(issue_for(org, app, ann).xml)
    assert xp(root, "ds:Signature") == []
    assert len(xp(root, "saml2:Assertion/ds:Signature")) == 1


def test_unsigning_both_is_refused_like_oktas_api(org: Org, justcall: SamlApp) -> None:
    with pytest.raises(ValueError, match="Either"):
        org.update_saml_app(justcall.id, response_signed=False, assertion_signed=False)


# ------------------------------------------------------------------------------------------ schema


@pytest.fixture(scope="module")
def protocol_schema() -> Any:
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is not installed")
    saml2 = pytest.importorskip("onelogin.saml2", reason="python3-saml (ships the SAML XSDs) is not installed")
    path = Path(os.path.dirname(saml2.__file__)) / "schemas" / "saml-schema-protocol-2.0.xsd"
    return xmlschema.XMLSchema(str(path))


@pytest.mark.parametrize("request_id", [None, "_sp-req"])
def test_response_is_valid_against_the_saml_schema(
    org: Org, justcall: SamlApp, ann: User, protocol_schema: Any, request_id: str | None
) -> None:
    xml = issue_for(org, justcall, ann, request_id=request_id).xml
    errors = list(protocol_schema.iter_errors(xml.decode()))
    assert errors == []


def test_error_response_is_valid_against_the_saml_schema(
    org: Org, justcall: SamlApp, ann: User, protocol_schema: Any
) -> None:
    xml = issue_for(org, justcall, ann, plan=FaultPlan(status="Responder")).xml
    assert list(protocol_schema.iter_errors(xml.decode())) == []


def test_schema_catches_a_broken_response(org: Org, justcall: SamlApp, ann: User, protocol_schema: Any) -> None:
    plan = FaultPlan(pre_sign=(Op("remove_element", {"xpath": "saml2p:Status"}),))
    xml = issue_for(org, justcall, ann, plan=plan).xml
    assert list(protocol_schema.iter_errors(xml.decode())) != []


# ------------------------------------------------------------------------------------------ interop


def test_python3_saml_accepts_an_sp_initiated_response(org: Org, ann: User) -> None:
    pytest.importorskip("onelogin.saml2", reason="python3-saml is not installed")
    from onelogin.saml2.response import OneLogin_Saml2_Response
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    # python3-saml checks the time window against the real clock, so use it here.
    org.clock = utc_now
    app = org.create_saml_app(
        "JustCall 2",
        ACS_URL,
        SP_ENTITY_ID,
        [("email", "unspecified", "user.email"), ("firstName", "unspecified", "user.firstName")],
    )
    org.assign_user(app.id, ann.id)
    issued = issue_for(org, app, ann, request_id="ONELOGIN_req1")
    certificate = org.active_certificate_pem(app.id).decode()
    settings = OneLogin_Saml2_Settings(
        {
            "strict": True,
            "sp": {
                "entityId": SP_ENTITY_ID,
                "assertionConsumerService": {
                    "url": ACS_URL,
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
            },
            "idp": {
                "entityId": org.issuer(app),
                "singleSignOnService": {"url": org.sso_url(app)},
                "x509cert": certificate,
            },
            "security": {"wantAssertionsSigned": True, "wantMessagesSigned": True},
        },
        sp_validation_only=True,
    )
    acs = urlsplit(ACS_URL)
    request_data = {"http_host": acs.netloc, "script_name": acs.path, "https": "off"}
    response = OneLogin_Saml2_Response(settings, issued.b64)
    assert response.is_valid(request_data, "ONELOGIN_req1", raise_exceptions=True)
    assert response.get_nameid() == "ann@acme.test"
    assert response.get_attributes() == {"email": ["ann@acme.test"], "firstName": ["Ann"]}
    assert not response.is_valid(request_data, "some-other-request")
