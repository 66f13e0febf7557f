"""The Response the mock builds has Okta's exact shape (as in real Okta responses)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from idp_support import ACS_URL, SP_ENTITY_ID, FakeClock, issue_for, parse, xp
from lxml import etree

from mock_idp.assertion import saml_time
from mock_idp.faults import FaultPlan
from mock_idp.model import SamlApp, User
from mock_idp.org import Org
from saml_xmlns import (
    AC_PASSWORD_PROTECTED_TRANSPORT,
    NAMEID_EMAIL,
    NAMEID_ENTITY,
    SAML,
    SAMLP,
    STATUS_AUTHN_FAILED,
    STATUS_RESPONDER,
    STATUS_SUCCESS,
    XS,
    XSI,
)

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def sp_root(org: Org, justcall: SamlApp, ann: User) -> etree._Element:
    return parse(issue_for(org, justcall, ann, request_id="_req-42").xml)


@pytest.fixture
def idp_root(org: Org, justcall: SamlApp, ann: User) -> etree._Element:
    return parse(issue_for(org, justcall, ann).xml)


def test_serialization_has_oktas_declaration_and_no_whitespace(org: Org, justcall: SamlApp, ann: User) -> None:
    xml = issue_for(org, justcall, ann).xml
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?><saml2p:Response ')
    assert b"\n<" not in xml and b">\n" not in xml and b">  <" not in xml


def test_prefixes_are_saml2p_and_saml2(sp_root: etree._Element) -> None:
    assert sp_root.prefix == "saml2p" and sp_root.tag == f"{{{SAMLP}}}Response"
    assertion = xp(sp_root, "saml2:Assertion")[0]
    assert assertion.prefix == "saml2"
    assert {e.prefix for e in assertion.iter() if e.tag.startswith(f"{{{SAML}}}")} == {"saml2"}


def test_okta_redeclares_saml2_on_assertion_children(org: Org, justcall: SamlApp, ann: User) -> None:
    xml = issue_for(org, justcall, ann).xml
    for tag in (b"Subject", b"Conditions", b"AuthnStatement", b"AttributeStatement"):
        assert b"<saml2:" + tag + b' xmlns:saml2="' + SAML.encode() + b'"' in xml
    assert b'<saml2p:Status xmlns:saml2p="' + SAMLP.encode() + b'"' in xml


def test_ids_are_id_plus_25_digits_and_share_a_prefix(sp_root: etree._Element) -> None:
    response_id = sp_root.get("ID") or ""
    assertion_id = xp(sp_root, "saml2:Assertion")[0].get("ID") or ""
    assert re.fullmatch(r"id\d{25}", response_id) and re.fullmatch(r"id\d{25}", assertion_id)
    assert response_id != assertion_id
    assert response_id[:10] == assertion_id[:10]


def test_ids_differ_between_logins(org: Org, justcall: SamlApp, ann: User) -> None:
    ids = {parse(issue_for(org, justcall, ann).xml).get("ID") for _ in range(5)}
    assert len(ids) == 5


def test_times_are_utc_milliseconds_with_five_minute_windows(sp_root: etree._Element, clock: FakeClock) -> None:
    issue = clock.now.replace(microsecond=123000)
    assert sp_root.get("IssueInstant") == saml_time(issue)
    assert ISO_MS.match(sp_root.get("IssueInstant") or "")
    assertion = xp(sp_root, "saml2:Assertion")[0]
    assert assertion.get("IssueInstant") == sp_root.get("IssueInstant")
    conditions = xp(sp_root, ".//saml2:Conditions")[0]
    assert conditions.get("NotBefore") == saml_time(issue - timedelta(minutes=5))
    assert conditions.get("NotOnOrAfter") == saml_time(issue + timedelta(minutes=5))
    data = xp(sp_root, ".//saml2:SubjectConfirmationData")[0]
    assert data.get("NotOnOrAfter") == saml_time(issue + timedelta(minutes=5))
    assert data.get("NotBefore") is None


def test_sp_initiated_carries_in_response_to_and_session_index(sp_root: etree._Element) -> None:
    assert sp_root.get("InResponseTo") == "_req-42"
    assert xp(sp_root, ".//saml2:SubjectConfirmationData")[0].get("InResponseTo") == "_req-42"
    assert xp(sp_root, ".//saml2:AuthnStatement")[0].get("SessionIndex") == "_req-42"


def test_idp_initiated_has_no_in_response_to(idp_root: etree._Element, clock: FakeClock) -> None:
    assert idp_root.get("InResponseTo") is None
    assert xp(idp_root, ".//saml2:SubjectConfirmationData")[0].get("InResponseTo") is None
    session_index = xp(idp_root, ".//saml2:AuthnStatement")[0].get("SessionIndex") or ""
    assert re.fullmatch(rf"id{int(clock.now.timestamp() * 1000)}\.\d{{9,10}}", session_index)


def test_destination_recipient_issuer_audience_and_nameid(sp_root: etree._Element, justcall: SamlApp) -> None:
    assert sp_root.get("Destination") == ACS_URL
    assert xp(sp_root, ".//saml2:SubjectConfirmationData")[0].get("Recipient") == ACS_URL
    issuers = xp(sp_root, "saml2:Issuer | saml2:Assertion/saml2:Issuer")
    assert [i.text for i in issuers] == [f"http://www.okta.com/{justcall.external_key}"] * 2
    assert all(i.get("Format") == NAMEID_ENTITY for i in issuers)
    assert xp(sp_root, ".//saml2:Audience")[0].text == SP_ENTITY_ID
    name_id = xp(sp_root, ".//saml2:Subject/saml2:NameID")[0]
    assert (name_id.text, name_id.get("Format")) == ("ann@acme.test", NAMEID_EMAIL)
    confirmation = xp(sp_root, ".//saml2:SubjectConfirmation")[0]
    assert confirmation.get("Method") == "urn:oasis:names:tc:SAML:2.0:cm:bearer"


def test_authn_instant_is_the_sign_in_time(org: Org, justcall: SamlApp, ann: User, clock: FakeClock) -> None:
    signed_in_at = clock.now - timedelta(hours=2)
    root = parse(issue_for(org, justcall, ann, auth_time=signed_in_at).xml)
    statement = xp(root, ".//saml2:AuthnStatement")[0]
    assert statement.get("AuthnInstant") == saml_time(signed_in_at)
    assert xp(statement, ".//saml2:AuthnContextClassRef")[0].text == AC_PASSWORD_PROTECTED_TRANSPORT


def test_children_come_in_oktas_order(sp_root: etree._Element) -> None:
    assert [etree.QName(e).localname for e in sp_root] == ["Issuer", "Signature", "Status", "Assertion"]
    assertion = xp(sp_root, "saml2:Assertion")[0]
    assert [etree.QName(e).localname for e in assertion] == [
        "Issuer",
        "Signature",
        "Subject",
        "Conditions",
        "AuthnStatement",
        "AttributeStatement",
    ]


def test_attributes_resolve_from_the_profile_as_typed_strings(sp_root: etree._Element) -> None:
    values = {a.get("Name"): [v.text for v in a] for a in xp(sp_root, ".//saml2:Attribute")}
    assert values == {"email": ["ann@acme.test"], "firstName": ["Ann"], "lastName": ["Lee"]}
    for value in xp(sp_root, ".//saml2:AttributeValue"):
        assert value.get(f"{{{XSI}}}type") == "xs:string"
        assert value.nsmap["xs"] == XS and value.nsmap["xsi"] == XSI


def test_every_attribute_value_declares_xs_and_xsi_itself(org: Org, justcall: SamlApp, ann: User) -> None:
    xml = issue_for(org, justcall, ann).xml
    declared = f'<saml2:AttributeValue xmlns:xs="{XS}" xmlns:xsi="{XSI}" xsi:type="xs:string">'.encode()
    assert xml.count(declared) == 3


def test_xs_is_declared_on_response_and_assertion_only_with_attributes(org: Org, ann: User) -> None:
    bare = org.create_saml_app("Bare", "http://sp.test/acs", "sp")
    org.assign_user(bare.id, ann.id)
    root = parse(issue_for(org, bare, ann).xml)
    assert "xs" not in root.nsmap
    assert "xs" not in xp(root, "saml2:Assertion")[0].nsmap
    assert xp(root, ".//saml2:AttributeStatement") == []


def test_unknown_expression_gives_an_empty_value(org: Org, ann: User) -> None:
    app = org.create_saml_app("Odd", "http://sp.test/acs", "sp", [("dept", "unspecified", "user.department")])
    root = parse(issue_for(org, app, ann).xml)
    values = xp(root, ".//saml2:Attribute[@Name='dept']/saml2:AttributeValue")
    assert len(values) == 1 and not values[0].text


def test_application_username_email_setting_uses_the_email(org: Org, ann: User) -> None:
    app = org.create_saml_app("Mail", "http://sp.test/acs", "sp", application_username="okta_username_prefix")
    root = parse(issue_for(org, app, ann).xml)
    assert xp(root, ".//saml2:NameID")[0].text == "ann"


def test_status_plan_gives_an_error_response_without_assertion(org: Org, justcall: SamlApp, ann: User) -> None:
    root = parse(issue_for(org, justcall, ann, plan=FaultPlan(status="AuthnFailed", status_message="no")).xml)
    top = xp(root, "saml2p:Status/saml2p:StatusCode")[0]
    assert top.get("Value") == STATUS_RESPONDER
    assert xp(top, "saml2p:StatusCode")[0].get("Value") == STATUS_AUTHN_FAILED
    assert xp(root, "saml2p:Status/saml2p:StatusMessage")[0].text == "no"
    assert xp(root, "saml2:Assertion") == []
    assert len(xp(root, "ds:Signature")) == 1


def test_success_status_is_success(sp_root: etree._Element) -> None:
    assert xp(sp_root, "saml2p:Status/saml2p:StatusCode")[0].get("Value") == STATUS_SUCCESS
