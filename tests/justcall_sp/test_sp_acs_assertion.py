"""Assertion checks on the signed assertion: Issuer, bearer confirmation, InResponseTo, Conditions, identity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sp_helpers import ACS_URL, ENTITY_ID, NOW, Clock, FakeIdp, decode_redirect, expect_rejected, post_acs
from sp_test_idp import build_unsigned, find, sign, tostring

from justcall_sp.acs.policy import ALLOWED_CLOCK_SKEW
from justcall_sp.service import JustCall
from saml_xmlns import NAMEID_UNSPECIFIED, SAML, q

SKEW = ALLOWED_CLOCK_SKEW


def _request_id(client: FlaskClient, email: str = "newbie@acme.example") -> str:
    start = client.post("/login/sso", data={"email": email})
    request, _ = decode_redirect(start.headers["Location"])
    request_id = request.get("ID")
    assert request_id is not None
    return request_id


# -- Issuer ---------------------------------------------------------------------------------------------------


def test_assertion_issuer_must_be_the_idp(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(assertion_issuer="http://www.okta.com/exkOTHER", response_issuer=None, sign_response=False)
    expect_rejected(jc, post_acs(client, xml), "issuer.assertion.mismatch")


def test_assertion_issuer_is_required(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    expect_rejected(jc, post_acs(client, fake_idp.response(assertion_issuer=None)), "issuer.missing")


# -- SubjectConfirmation ----------------------------------------------------------------------------------------


def test_bearer_method_is_required(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")
    expect_rejected(jc, post_acs(client, xml), "subject_confirmation.missing")


@pytest.mark.parametrize(
    "recipient", [None, ACS_URL + "/", "https://evil.example/?u=" + ACS_URL], ids=["absent", "slash", "contains"]
)
def test_recipient_must_be_this_acs(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, recipient: str | None
) -> None:
    expect_rejected(jc, post_acs(client, fake_idp.response(recipient=recipient)), "recipient.mismatch")


def test_subject_confirmation_not_on_or_after_is_required(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(scd_not_on_or_after=None)
    expect_rejected(jc, post_acs(client, xml), "subject_confirmation.invalid")


def test_expired_subject_confirmation_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(scd_not_on_or_after=NOW - SKEW, not_on_or_after=NOW + timedelta(minutes=5))
    expect_rejected(jc, post_acs(client, xml), "subject_confirmation.expired")


def test_subject_confirmation_within_skew_is_accepted(client: FlaskClient, fake_idp: FakeIdp) -> None:
    xml = fake_idp.response(scd_not_on_or_after=NOW - SKEW + timedelta(seconds=1))
    assert post_acs(client, xml).status_code == 303


def test_subject_confirmation_not_before_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(scd_not_before=NOW - timedelta(minutes=1))
    expect_rejected(jc, post_acs(client, xml), "subject_confirmation.invalid")


def test_one_valid_bearer_confirmation_is_enough(client: FlaskClient, fake_idp: FakeIdp) -> None:
    spec = fake_idp.spec()
    root = build_unsigned(spec)
    subject = find(root, "saml2:Assertion/saml2:Subject")
    good = find(subject, "saml2:SubjectConfirmation")
    bad = etree.fromstring(etree.tostring(good))
    find(bad, "saml2:SubjectConfirmationData").set("Recipient", "http://elsewhere.test/acs")
    good.addprevious(bad)
    assert post_acs(client, tostring(sign(root, spec))).status_code == 303


# -- InResponseTo ----------------------------------------------------------------------------------------------


def test_unknown_in_response_to_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(in_response_to="_never_sent")
    expect_rejected(jc, post_acs(client, xml), "in_response_to.unknown")


def test_in_response_to_must_agree_between_response_and_assertion(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    request_id = _request_id(client)
    xml = fake_idp.response(in_response_to=request_id, response_in_response_to="_another")
    expect_rejected(jc, post_acs(client, xml), "in_response_to.mismatch")


def test_in_response_to_only_on_the_response_is_a_mismatch(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    request_id = _request_id(client)
    xml = fake_idp.response(in_response_to=None, response_in_response_to=request_id)
    expect_rejected(jc, post_acs(client, xml), "in_response_to.mismatch")


def test_expired_request_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, clock: Clock) -> None:
    request_id = _request_id(client)
    clock.advance(timedelta(minutes=11))
    xml = fake_idp.response(in_response_to=request_id)
    entry = expect_rejected(jc, post_acs(client, xml), "in_response_to.unknown")
    assert "expired" in entry["detail"]


def test_request_of_another_account_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    jc.enable_sso("globex")
    jc.configure_sso(
        "globex",
        idp_sso_url="http://idp.test/globex/sso/saml",
        idp_issuer="http://www.okta.com/exkGLOBEX",
        certificate=fake_idp.keys.cert_pem,
    )
    other = _request_id(client, "gina@globex.example")
    expect_rejected(jc, post_acs(client, fake_idp.response(in_response_to=other)), "in_response_to.unknown")


def test_request_can_be_answered_only_once(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    request_id = _request_id(client)
    assert post_acs(client, fake_idp.response(in_response_to=request_id)).status_code == 303
    second = fake_idp.response(in_response_to=request_id)  # a fresh assertion ID
    entry = expect_rejected(jc, post_acs(client, second), "in_response_to.unknown")
    assert "already answered" in entry["detail"]


# -- Conditions, Audience, AuthnStatement -----------------------------------------------------------------------


def test_conditions_not_yet_valid(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(not_before=NOW + SKEW + timedelta(seconds=1))
    expect_rejected(jc, post_acs(client, xml), "conditions.not_yet_valid")


def test_conditions_not_before_within_skew_is_accepted(client: FlaskClient, fake_idp: FakeIdp) -> None:
    assert post_acs(client, fake_idp.response(not_before=NOW + SKEW)).status_code == 303


def test_conditions_expired(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(not_on_or_after=NOW - SKEW, not_before=NOW - timedelta(minutes=10))
    expect_rejected(jc, post_acs(client, xml), "conditions.expired")


def test_conditions_expire_on_the_clock(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, clock: Clock) -> None:
    xml = fake_idp.response()
    clock.advance(timedelta(minutes=5) + SKEW)
    expect_rejected(jc, post_acs(client, xml), "subject_confirmation.expired")


def test_inverted_conditions_window_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(not_before=NOW + timedelta(minutes=1), not_on_or_after=NOW - timedelta(minutes=1))
    expect_rejected(jc, post_acs(client, xml), "conditions.invalid")


def test_unknown_condition_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    spec = fake_idp.spec()
    root = build_unsigned(spec)
    etree.SubElement(find(root, "saml2:Assertion/saml2:Conditions"), q(SAML, "Condition"))
    expect_rejected(jc, post_acs(client, tostring(sign(root, spec))), "conditions.invalid")


@pytest.mark.parametrize(
    "audience", [None, ENTITY_ID + "/", "http://sp.test/sso/saml/globex", ""], ids=["none", "slash", "other", "empty"]
)
def test_audience_must_be_this_entity_id(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, audience: str | None
) -> None:
    expect_rejected(jc, post_acs(client, fake_idp.response(audience=audience)), "audience.mismatch")


def test_missing_conditions_means_no_audience(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    expect_rejected(jc, post_acs(client, fake_idp.response(conditions=False)), "audience.mismatch")


def test_every_audience_restriction_must_include_us(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    spec = fake_idp.spec()
    root = build_unsigned(spec)
    restriction = etree.SubElement(find(root, "saml2:Assertion/saml2:Conditions"), q(SAML, "AudienceRestriction"))
    etree.SubElement(restriction, q(SAML, "Audience")).text = "urn:someone-else"
    expect_rejected(jc, post_acs(client, tostring(sign(root, spec))), "audience.mismatch")


def test_authn_statement_is_required(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    expect_rejected(jc, post_acs(client, fake_idp.response(authn_statement=False)), "authn_statement.missing")


# -- Attributes, NameID, identity policy ------------------------------------------------------------------------


def test_missing_attributes_are_named_to_the_user(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(attributes=(("email", ("newbie@acme.example",)), ("first_name", ("Nia",))))
    answer = post_acs(client, xml)
    expect_rejected(jc, answer, "attributes.missing", "Attributes missing")
    from sp_helpers import page_text

    assert page_text(answer, "sso-error-detail") == "Attributes missing: firstName, lastName"


def test_attribute_names_are_case_sensitive(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    attributes = (("Email", ("newbie@acme.example",)), ("firstName", ("Nia",)), ("lastName", ("N",)))
    expect_rejected(
        jc, post_acs(client, fake_idp.response(attributes=attributes)), "attributes.missing", "Attributes missing"
    )


def test_empty_attribute_value_counts_as_missing(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(last_name="  ")
    entry = expect_rejected(jc, post_acs(client, xml), "attributes.missing", "Attributes missing")
    assert "lastName" in entry["detail"]


def test_no_attribute_statement_at_all(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    answer = post_acs(client, fake_idp.response(attributes=()))
    expect_rejected(jc, answer, "attributes.missing", "Attributes missing")


def test_two_different_emails_are_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    attributes = (
        ("email", ("newbie@acme.example", "admin@acme.example")),
        ("firstName", ("Nia",)),
        ("lastName", ("N",)),
    )
    xml = fake_idp.response(attributes=attributes, name_id_format=NAMEID_UNSPECIFIED, name_id="nia")
    expect_rejected(jc, post_acs(client, xml), "subject.malformed")


def test_email_attribute_must_be_an_address(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response("not-an-email", name_id_format=NAMEID_UNSPECIFIED)
    expect_rejected(jc, post_acs(client, xml), "subject.malformed")


def test_name_id_is_required(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    expect_rejected(jc, post_acs(client, fake_idp.response(name_id="")), "subject.nameid_missing")


def test_email_name_id_must_match_the_email_attribute(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response("newbie@acme.example", name_id="admin@acme.example")
    expect_rejected(jc, post_acs(client, xml), "subject.email_mismatch")
    assert jc.get_user("newbie@acme.example") is None


def test_email_name_id_comparison_ignores_case(client: FlaskClient, fake_idp: FakeIdp) -> None:
    xml = fake_idp.response("newbie@acme.example", name_id="Newbie@ACME.example")
    assert post_acs(client, xml).status_code == 303


def test_unspecified_name_id_may_differ_from_the_email(client: FlaskClient, fake_idp: FakeIdp) -> None:
    xml = fake_idp.response("newbie@acme.example", name_id="00u1abcd", name_id_format=NAMEID_UNSPECIFIED)
    assert post_acs(client, xml).status_code == 303
    me = client.get("/api/me").json
    assert me is not None and me["email"] == "newbie@acme.example"


def _with_comment(fake_idp: FakeIdp, path: str, before: str, after: str) -> bytes:
    """Sign ``before + after`` as the value at ``path``, then split it with a comment (CVE-2017-11427)."""
    spec = fake_idp.spec("newbie@acme.example")
    root = sign(build_unsigned(spec), spec)
    element = find(root, path)
    element.text = before
    comment = etree.Comment(" attack ")
    comment.tail = after
    element.append(comment)
    return tostring(root)


def test_comment_inside_name_id_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = _with_comment(fake_idp, "saml2:Assertion/saml2:Subject/saml2:NameID", "newbie@acme.exa", "mple")
    expect_rejected(jc, post_acs(client, xml), "subject.malformed")
    assert client.get("/api/me").status_code == 401


def test_comment_inside_email_attribute_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    path = "saml2:Assertion/saml2:AttributeStatement/saml2:Attribute[@Name='email']/saml2:AttributeValue"
    xml = _with_comment(fake_idp, path, "newbie@acme", ".example")
    expect_rejected(jc, post_acs(client, xml), "subject.malformed")


def test_child_element_inside_name_id_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    spec = fake_idp.spec()
    root = build_unsigned(spec)
    name_id = find(root, "saml2:Assertion/saml2:Subject/saml2:NameID")
    etree.SubElement(name_id, q(SAML, "NameID")).text = "nested@acme.example"
    expect_rejected(jc, post_acs(client, tostring(sign(root, spec))), "subject.malformed")
