"""Each fault op does what its name says, at its stage; plans validate early and fail clearly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from idp_support import ACS_URL, SP_ENTITY_ID, FakeClock, issue_for, parse, verify, xp
from lxml import etree
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature

from mock_idp.assertion import saml_time
from mock_idp.faults import OPS, FaultPlan, Op
from mock_idp.model import SamlApp, User
from mock_idp.org import Org
from saml_xmlns import NAMEID_PERSISTENT, SAML

REQUIRED_OPS = {
    "set_audience",
    "set_destination",
    "remove_destination",
    "set_recipient",
    "set_issuer",
    "remove_issuer",
    "remove_attribute",
    "rename_attribute",
    "set_attribute_value",
    "set_nameid",
    "set_in_response_to",
    "remove_element",
    "set_time",
    "tamper_text_after_sign",
    "strip_signature",
}


def _pre(org: Org, app: SamlApp, user: User, op_name: str, /, **args: Any) -> etree._Element:
    """Issue a response with one pre_sign op and check its signatures still verify."""
    xml = issue_for(org, app, user, request_id="_r", plan=FaultPlan(pre_sign=(Op(op_name, args),))).xml
    pem = org.active_certificate_pem(app.id)
    root = parse(xml)
    if xp(root, "ds:Signature"):
        verify(xml, pem, "response")
    if xp(root, "saml2:Assertion/ds:Signature"):
        verify(xml, pem, "assertion")
    return root


def test_registry_holds_every_required_op() -> None:
    assert set(OPS) >= REQUIRED_OPS
    assert all(callable(func) and func.__doc__ for func in OPS.values())


def test_unknown_op_is_a_key_error_naming_known_ops() -> None:
    with pytest.raises(KeyError, match=r"unknown fault op 'set_audiance'.*set_audience"):
        FaultPlan(pre_sign=(Op("set_audiance", {"value": "x"}),))


def test_post_sign_only_op_is_refused_before_signing() -> None:
    with pytest.raises(ValueError, match="only runs at post_sign"):
        FaultPlan(pre_sign=(Op("strip_signature"),))


def test_wrong_op_arguments_are_a_type_error_naming_the_op() -> None:
    with pytest.raises(TypeError, match="op 'set_audience'"):
        FaultPlan(pre_sign=(Op("set_audience", {"valu": "x"}),))


def test_unknown_signing_override_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown signing overrides"):
        FaultPlan(signing={"respons_signed": False})


def test_plan_from_scenario_data() -> None:
    plan = FaultPlan.from_mapping(
        {"pre_sign": [{"op": "set_audience", "value": "{sp_entity_id}/"}], "signing": {"response_signed": False}}
    )
    assert plan.pre_sign == (Op("set_audience", {"value": "{sp_entity_id}/"}),)
    assert plan.signing["response_signed"] is False


def test_set_audience_with_placeholder(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "set_audience", value="{sp_entity_id}/")
    assert xp(root, ".//saml2:Audience")[0].text == SP_ENTITY_ID + "/"


def test_unknown_placeholder_is_a_clear_error(org: Org, justcall: SamlApp, ann: User) -> None:
    with pytest.raises(ValueError, match=r"bad placeholder.*known placeholders"):
        _pre(org, justcall, ann, "set_audience", value="{nope}")


def test_set_destination(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "set_destination", value="{acs_url}/other")
    assert root.get("Destination") == ACS_URL + "/other"


def test_remove_destination(org: Org, justcall: SamlApp, ann: User) -> None:
    assert _pre(org, justcall, ann, "remove_destination").get("Destination") is None


def test_set_recipient(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "set_recipient", value="https://evil.test/acs")
    assert xp(root, ".//saml2:SubjectConfirmationData")[0].get("Recipient") == "https://evil.test/acs"


@pytest.mark.parametrize(("target", "changed"), [("response", [0]), ("assertion", [1]), ("both", [0, 1])])
def test_set_issuer(org: Org, justcall: SamlApp, ann: User, target: str, changed: list[int]) -> None:
    root = _pre(org, justcall, ann, "set_issuer", target=target, value="{idp_issuer}x")
    texts = [i.text for i in xp(root, "saml2:Issuer | saml2:Assertion/saml2:Issuer")]
    for index, text in enumerate(texts):
        assert text == (org.issuer(justcall) + "x" if index in changed else org.issuer(justcall))


def test_remove_issuer_of_the_assertion_keeps_the_signature_valid(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "remove_issuer", target="assertion")
    assert xp(root, "saml2:Assertion/saml2:Issuer") == []
    assert len(xp(root, "saml2:Issuer")) == 1
    assert etree.QName(xp(root, "saml2:Assertion")[0][0]).localname == "Signature"


def test_remove_attribute(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "remove_attribute", name="lastName")
    assert [a.get("Name") for a in xp(root, ".//saml2:Attribute")] == ["email", "firstName"]


def test_rename_attribute(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "rename_attribute", name="email", to="Email")
    assert [a.get("Name") for a in xp(root, ".//saml2:Attribute")] == ["Email", "firstName", "lastName"]


def test_set_attribute_value_single_and_multi(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "set_attribute_value", name="email", value="{email}.evil")
    assert [v.text for v in xp(root, ".//saml2:Attribute[@Name='email']/*")] == ["ann@acme.test.evil"]
    root = _pre(org, justcall, ann, "set_attribute_value", name="firstName", value=["A", "B"])
    values = xp(root, ".//saml2:Attribute[@Name='firstName']/saml2:AttributeValue")
    assert [v.text for v in values] == ["A", "B"]
    assert values[1].get("{http://www.w3.org/2001/XMLSchema-instance}type") == "xs:string"


def test_attribute_op_on_a_missing_attribute_fails_loudly(org: Org, justcall: SamlApp, ann: User) -> None:
    with pytest.raises(ValueError, match="no saml2:Attribute named 'phone'"):
        _pre(org, justcall, ann, "remove_attribute", name="phone")


def test_add_attribute(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "add_attribute", name="role", value="admin")
    assert [v.text for v in xp(root, ".//saml2:Attribute[@Name='role']/*")] == ["admin"]


def test_set_nameid_with_format(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "set_nameid", value="admin@victim.test", format=NAMEID_PERSISTENT)
    name_id = xp(root, ".//saml2:NameID")[0]
    assert (name_id.text, name_id.get("Format")) == ("admin@victim.test", NAMEID_PERSISTENT)


def test_set_in_response_to(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "set_in_response_to", value="_forged")
    assert root.get("InResponseTo") == "_forged"
    assert xp(root, ".//saml2:SubjectConfirmationData")[0].get("InResponseTo") == "_forged"


def test_remove_element(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "remove_element", xpath="saml2:Assertion/saml2:Conditions")
    assert xp(root, ".//saml2:Conditions") == []
    assert len(xp(root, ".//saml2:AuthnStatement")) == 1


def test_remove_element_that_matches_nothing_fails_loudly(org: Org, justcall: SamlApp, ann: User) -> None:
    with pytest.raises(ValueError, match="nothing matches"):
        _pre(org, justcall, ann, "remove_element", xpath="saml2:Nope")


@pytest.mark.parametrize(
    ("target", "attr", "path"),
    [
        ("conditions", "NotOnOrAfter", ".//saml2:Conditions"),
        ("subject_confirmation", "NotBefore", ".//saml2:SubjectConfirmationData"),
        ("response", "IssueInstant", "."),
        ("authn_statement", "SessionNotOnOrAfter", ".//saml2:AuthnStatement"),
    ],
)
def test_set_time(org: Org, justcall: SamlApp, ann: User, clock: FakeClock, target: str, attr: str, path: str) -> None:
    root = _pre(org, justcall, ann, "set_time", target=target, attr=attr, offset_seconds=-600)
    expected = saml_time(clock.now.replace(microsecond=123000) - timedelta(seconds=600))
    assert xp(root, path)[0].get(attr) == expected


def test_set_attr_and_set_text(org: Org, justcall: SamlApp, ann: User) -> None:
    root = _pre(org, justcall, ann, "set_attr", xpath=".", attr="Version", value="1.0")
    assert root.get("Version") == "1.0"
    root = _pre(org, justcall, ann, "set_text", xpath=".//saml2:AuthnContextClassRef", value="urn:x")
    assert xp(root, ".//saml2:AuthnContextClassRef")[0].text == "urn:x"


def test_tamper_text_after_sign_breaks_the_digest(org: Org, justcall: SamlApp, ann: User) -> None:
    op = Op("tamper_text_after_sign", {"xpath": ".//saml2:NameID", "value": "admin@acme.test"})
    xml = issue_for(org, justcall, ann, plan=FaultPlan(post_sign=(op,))).xml
    assert xp(parse(xml), ".//saml2:NameID")[0].text == "admin@acme.test"
    with pytest.raises(InvalidDigest):
        verify(xml, org.active_certificate_pem(justcall.id), "assertion")


def test_post_sign_audience_change_breaks_the_signature(org: Org, justcall: SamlApp, ann: User) -> None:
    plan = FaultPlan(post_sign=(Op("set_audience", {"value": "x"}),))
    xml = issue_for(org, justcall, ann, plan=plan).xml
    with pytest.raises(InvalidSignature):
        verify(xml, org.active_certificate_pem(justcall.id), "assertion")


@pytest.mark.parametrize(("target", "left"), [("response", 1), ("assertion", 1), ("both", 0)])
def test_strip_signature(org: Org, justcall: SamlApp, ann: User, target: str, left: int) -> None:
    plan = FaultPlan(post_sign=(Op("strip_signature", {"target": target}),))
    root = parse(issue_for(org, justcall, ann, plan=plan).xml)
    assert len(xp(root, "ds:Signature | saml2:Assertion/ds:Signature")) == left


def test_signing_override_unsigned_response(org: Org, justcall: SamlApp, ann: User) -> None:
    root = parse(issue_for(org, justcall, ann, plan=FaultPlan(signing={"response_signed": False})).xml)
    assert xp(root, "ds:Signature") == [] and len(xp(root, "saml2:Assertion/ds:Signature")) == 1


def test_signing_override_nothing_signed(org: Org, justcall: SamlApp, ann: User) -> None:
    plan = FaultPlan(signing={"response_signed": False, "assertion_signed": False})
    xml = issue_for(org, justcall, ann, plan=plan).xml
    with pytest.raises(InvalidInput, match="Signature"):
        verify(xml, org.active_certificate_pem(justcall.id))


def test_signing_override_other_key_does_not_verify(org: Org, justcall: SamlApp, ann: User) -> None:
    xml = issue_for(org, justcall, ann, plan=FaultPlan(signing={"key": "other"})).xml
    with pytest.raises(InvalidSignature):
        verify(xml, org.active_certificate_pem(justcall.id))
    verify(xml, org.special_credential("other").cert_pem)


def test_signing_override_expired_key_embeds_an_expired_certificate(org: Org, justcall: SamlApp, ann: User) -> None:
    xml = issue_for(org, justcall, ann, plan=FaultPlan(signing={"key": "expired"})).xml
    with pytest.raises(InvalidCertificate, match="expired"):
        verify(xml, org.special_credential("expired").cert_pem)


def test_signing_override_inactive_kid(org: Org, justcall: SamlApp, ann: User) -> None:
    inactive = org.generate_key(justcall.id)
    xml = issue_for(org, justcall, ann, plan=FaultPlan(signing={"key": inactive.kid})).xml
    verify(xml, inactive.credential.cert_pem)
    with pytest.raises(InvalidSignature):
        verify(xml, org.active_certificate_pem(justcall.id))


def test_clock_offset_moves_every_instant(org: Org, justcall: SamlApp, ann: User, clock: FakeClock) -> None:
    root = parse(issue_for(org, justcall, ann, plan=FaultPlan(clock_offset_seconds=3600)).xml)
    ahead = clock.now.replace(microsecond=123000) + timedelta(hours=1)
    assert root.get("IssueInstant") == saml_time(ahead)
    assert xp(root, ".//saml2:Conditions")[0].get("NotBefore") == saml_time(ahead - timedelta(minutes=5))
    assert xp(root, ".//saml2:AuthnStatement")[0].get("AuthnInstant") == saml_time(ahead)


def test_bad_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown SAML status"):
        FaultPlan(status="urn:example:nope")


def test_ops_run_in_order(org: Org, justcall: SamlApp, ann: User) -> None:
    plan = FaultPlan(
        pre_sign=(Op("rename_attribute", {"name": "email", "to": "mail"}), Op("remove_attribute", {"name": "mail"}))
    )
    root = parse(issue_for(org, justcall, ann, plan=plan).xml)
    assert [a.get("Name") for a in root.iter(f"{{{SAML}}}Attribute")] == ["firstName", "lastName"]
