"""Response envelope checks: root, IDs, Status, Destination, Response Issuer, exactly one Assertion."""

from __future__ import annotations

import copy

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sp_helpers import ACS_URL, SLUG, FakeIdp, expect_rejected, post_acs
from sp_test_idp import build_unsigned, find, parse, sign, tostring

from justcall_sp.service import JustCall
from saml_xmlns import SAML, STATUS_RESPONDER, q


def test_root_must_be_a_samlp_response(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    assertion = find(parse(fake_idp.response()), "saml2:Assertion")
    entry = expect_rejected(jc, post_acs(client, etree.tostring(assertion)), "response.invalid")
    assert "not samlp:Response" in entry["detail"]


@pytest.mark.parametrize("attribute", ["Version", "ID"])
def test_response_version_and_id_are_required(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, attribute: str
) -> None:
    spec = fake_idp.spec(sign_response=False)
    root = sign(build_unsigned(spec), spec)
    if attribute == "Version":
        root.set("Version", "1.0")
    else:
        del root.attrib["ID"]
    expect_rejected(jc, post_acs(client, tostring(root)), "response.invalid")


def test_duplicate_ids_are_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    spec = fake_idp.spec(sign_response=False)
    root = sign(build_unsigned(spec), spec)
    root.set("ID", spec.assertion_id)
    expect_rejected(jc, post_acs(client, tostring(root)), "response.duplicate_id")


def test_non_success_status_is_refused_even_with_a_signed_assertion(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    xml = fake_idp.response(status=STATUS_RESPONDER, status_message="User is not assigned")
    entry = expect_rejected(jc, post_acs(client, xml), "status.not_success")
    assert STATUS_RESPONDER in entry["detail"] and "User is not assigned" in entry["detail"]
    assert jc.get_user("newbie@acme.example") is None


def test_destination_is_required(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    expect_rejected(jc, post_acs(client, fake_idp.response(destination=None)), "destination.missing")


@pytest.mark.parametrize(
    "destination",
    [ACS_URL + "/", ACS_URL + ".evil", "http://other.test/sso/saml/acme/acs", ACS_URL.upper(), ""],
    ids=["trailing-slash", "suffix", "other-host", "case", "empty"],
)
def test_destination_must_be_this_acs_exactly(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, destination: str
) -> None:
    expected = "destination.missing" if destination == "" else "destination.mismatch"
    expect_rejected(jc, post_acs(client, fake_idp.response(destination=destination)), expected)


def test_response_issuer_must_match_when_present(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(response_issuer="http://www.okta.com/exkOTHER")
    expect_rejected(jc, post_acs(client, xml), "issuer.response.mismatch")


def test_signed_response_needs_an_issuer(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(response_issuer=None, sign_response=True)
    expect_rejected(jc, post_acs(client, xml), "issuer.missing")


def test_unsigned_response_may_omit_its_issuer(client: FlaskClient, fake_idp: FakeIdp) -> None:
    xml = fake_idp.response(response_issuer=None, sign_response=False)
    assert post_acs(client, xml).status_code == 303


def _two_assertions(fake_idp: FakeIdp) -> etree._Element:
    spec = fake_idp.spec(sign_response=False)
    root = sign(build_unsigned(spec), spec)
    extra = copy.deepcopy(find(root, "saml2:Assertion"))
    extra.set("ID", "id-second-assertion")
    root.append(extra)
    return root


def test_two_assertions_are_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    expect_rejected(jc, post_acs(client, tostring(_two_assertions(fake_idp))), "assertion.count")


def test_no_assertion_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    spec = fake_idp.spec(sign_assertion=False, sign_response=False)
    root = build_unsigned(spec)
    root.remove(find(root, "saml2:Assertion"))
    expect_rejected(jc, post_acs(client, tostring(root)), "assertion.count")


def test_encrypted_assertion_is_refused_while_encryption_is_off(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    spec = fake_idp.spec(sign_assertion=False)
    root = build_unsigned(spec)
    root.remove(find(root, "saml2:Assertion"))
    etree.SubElement(root, q(SAML, "EncryptedAssertion"))
    expect_rejected(jc, post_acs(client, tostring(sign(root, spec))), "encryption.not_enabled")


def test_assertion_nested_in_an_unknown_element_is_refused(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    spec = fake_idp.spec(sign_response=False)
    root = sign(build_unsigned(spec), spec)
    assertion = find(root, "saml2:Assertion")
    wrapper = etree.SubElement(root, "Wrapper")
    wrapper.append(assertion)
    expect_rejected(jc, post_acs(client, tostring(root)), "assertion.count")
    assert jc.activity(SLUG)[0]["assertion_id"] is None
