"""Signatures: pinned certificate only, fixed places, SHA-2 only, and claims read from what was signed (XSW)."""

from __future__ import annotations

import base64
import copy

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sp_helpers import IDP_ISSUER, IDP_SSO_URL, NOW, SLUG, FakeIdp, expect_rejected, post_acs
from sp_test_idp import KeyPair, build, build_unsigned, find, parse, placeholder, sign, sign_element, tostring

from justcall_sp.acs import signatures
from justcall_sp.acs.reasons import Reject
from justcall_sp.service import JustCall
from saml_xmlns import DS, SAML, SAMLP, q

CERTIFICATE_ERROR = "Certificate error"
SUPERVISOR_EMAIL = "sue@acme.example"
ADMIN_EMAIL = "admin@acme.example"


def test_unsigned_response_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    xml = fake_idp.response(sign_response=False, sign_assertion=False)
    expect_rejected(jc, post_acs(client, xml), "signature.missing")


def _set_identity(root: etree._Element, email: str) -> None:
    find(root, "saml2:Assertion/saml2:Subject/saml2:NameID").text = email
    for value in root.iter(q(SAML, "AttributeValue")):
        if value.getparent() is not None and value.getparent().get("Name") == "email":  # type: ignore[union-attr]
            value.text = email


@pytest.mark.parametrize(("sign_response", "sign_assertion"), [(False, True), (True, False), (True, True)])
def test_tampering_after_signing_is_a_digest_mismatch(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, sign_response: bool, sign_assertion: bool
) -> None:
    root = parse(fake_idp.response(SUPERVISOR_EMAIL, sign_response=sign_response, sign_assertion=sign_assertion))
    _set_identity(root, ADMIN_EMAIL)
    entry = expect_rejected(jc, post_acs(client, tostring(root)), "signature.invalid")
    assert "Digest mismatch" in entry["detail"]
    assert client.get("/api/me").status_code == 401


def test_signature_by_another_key_is_a_certificate_error(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, other_keys: KeyPair
) -> None:
    xml = fake_idp.response(keys=other_keys)
    entry = expect_rejected(jc, post_acs(client, xml), "signature.untrusted_key", CERTIFICATE_ERROR)
    assert "other than the configured certificate" in entry["detail"]


def test_another_key_without_key_info_is_an_invalid_signature(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, other_keys: KeyPair
) -> None:
    root = parse(fake_idp.response(keys=other_keys))
    for key_info in list(root.iter(q(DS, "KeyInfo"))):
        key_info.getparent().remove(key_info)  # type: ignore[union-attr]
    expect_rejected(jc, post_acs(client, tostring(root)), "signature.invalid")


def test_garbage_signature_value_is_an_invalid_signature(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    root = parse(fake_idp.response(sign_response=False))
    value = find(root, "saml2:Assertion/ds:Signature/ds:SignatureValue")
    value.text = base64.b64encode(b"This is the invalid signature" * 9).decode()
    expect_rejected(jc, post_acs(client, tostring(root)), "signature.invalid")


def test_foreign_certificate_in_key_info_is_ignored(
    client: FlaskClient, fake_idp: FakeIdp, other_keys: KeyPair
) -> None:
    root = parse(fake_idp.response(sign_response=False))
    cert = find(root, "saml2:Assertion/ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate")
    cert.text = base64.b64encode(other_keys.cert_der).decode()
    assert post_acs(client, tostring(root)).status_code == 303


@pytest.mark.parametrize(
    ("signature_algorithm", "digest_algorithm"),
    [("rsa-sha1", "sha1"), ("rsa-sha1", "sha256"), ("rsa-sha256", "sha1")],
)
def test_sha1_is_refused_by_policy(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, signature_algorithm: str, digest_algorithm: str
) -> None:
    xml = fake_idp.response(signature_algorithm=signature_algorithm, digest_algorithm=digest_algorithm)
    expect_rejected(jc, post_acs(client, xml), "signature.algorithm")


def test_sha512_is_accepted(client: FlaskClient, fake_idp: FakeIdp) -> None:
    xml = fake_idp.response(signature_algorithm="rsa-sha512", digest_algorithm="sha512")
    assert post_acs(client, xml).status_code == 303


def test_inclusive_canonicalization_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    root = parse(fake_idp.response(sign_response=False))
    method = find(root, "saml2:Assertion/ds:Signature/ds:SignedInfo/ds:CanonicalizationMethod")
    method.set("Algorithm", "http://www.w3.org/2006/12/xml-c14n11")
    expect_rejected(jc, post_acs(client, tostring(root)), "signature.algorithm")


def test_xslt_transform_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    root = parse(fake_idp.response(sign_response=False))
    transforms = find(root, "saml2:Assertion/ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms")
    etree.SubElement(transforms, q(DS, "Transform"), Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116")
    expect_rejected(jc, post_acs(client, tostring(root)), "signature.algorithm")


def test_signature_object_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    root = parse(fake_idp.response(sign_response=False))
    signature = find(root, "saml2:Assertion/ds:Signature")
    etree.SubElement(signature, q(DS, "Object")).text = "extra"
    expect_rejected(jc, post_acs(client, tostring(root)), "signature.invalid")


def test_response_signature_must_reference_the_response(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    spec = fake_idp.spec(sign_response=False, sign_assertion=False)
    root = build_unsigned(spec)
    find(root, "saml2:Issuer").addnext(placeholder())
    root = sign_element(root, spec.assertion_id, spec.keys, spec)  # enveloped in the Response, signs the Assertion
    entry = expect_rejected(jc, post_acs(client, tostring(root)), "signature.invalid")
    assert "not its own element" in entry["detail"]


def test_signature_in_an_unexpected_place_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    root = parse(fake_idp.response())
    status = find(root, "saml2p:Status")
    status.append(copy.deepcopy(find(root, "ds:Signature")))
    expect_rejected(jc, post_acs(client, tostring(root)), "signature.invalid")


def test_two_signatures_on_the_assertion_are_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    root = parse(fake_idp.response(sign_response=False))
    signature = find(root, "saml2:Assertion/ds:Signature")
    signature.addnext(copy.deepcopy(signature))
    expect_rejected(jc, post_acs(client, tostring(root)), "signature.invalid")


def test_expired_configured_certificate_is_a_certificate_error(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, expired_keys: KeyPair
) -> None:
    saved = jc.configure_sso(SLUG, idp_sso_url=IDP_SSO_URL, idp_issuer=IDP_ISSUER, certificate=expired_keys.cert_pem)
    assert saved.ok and saved.warnings
    entry = expect_rejected(
        jc, post_acs(client, fake_idp.response(keys=expired_keys)), "certificate.expired", CERTIFICATE_ERROR
    )
    assert "expired" in entry["detail"]


def test_not_yet_valid_configured_certificate_is_a_certificate_error(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall, future_keys: KeyPair
) -> None:
    jc.configure_sso(SLUG, idp_sso_url=IDP_SSO_URL, idp_issuer=IDP_ISSUER, certificate=future_keys.cert_pem)
    answer = post_acs(client, fake_idp.response(keys=future_keys))
    expect_rejected(jc, answer, "certificate.not_yet_valid", CERTIFICATE_ERROR)


# -- signature wrapping (attack catalog 1.A) ---------------------------------------------------------------


def _forged(signed_assertion: etree._Element, email: str) -> etree._Element:
    evil = copy.deepcopy(signed_assertion)
    evil.set("ID", "idEVIL")
    signature = evil.find(q(DS, "Signature"))
    if signature is not None:
        evil.remove(signature)
    _set_identity_in(evil, email)
    return evil


def _set_identity_in(assertion: etree._Element, email: str) -> None:
    find(assertion, "saml2:Subject/saml2:NameID").text = email
    for value in assertion.iter(q(SAML, "AttributeValue")):
        value.text = email if value.getparent().get("Name") == "email" else value.text  # type: ignore[union-attr]


def test_xsw3_forged_assertion_before_the_signed_one_is_refused(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    root = parse(fake_idp.response(SUPERVISOR_EMAIL, sign_response=False))
    original = find(root, "saml2:Assertion")
    original.addprevious(_forged(original, ADMIN_EMAIL))
    expect_rejected(jc, post_acs(client, tostring(root)), "assertion.count")
    assert client.get("/api/me").status_code == 401


def test_xsw4_signed_assertion_inside_the_forged_one_is_refused(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    root = parse(fake_idp.response(SUPERVISOR_EMAIL, sign_response=False))
    original = find(root, "saml2:Assertion")
    evil = _forged(original, ADMIN_EMAIL)
    root.replace(original, evil)
    evil.append(original)
    expect_rejected(jc, post_acs(client, tostring(root)), "assertion.count")


def test_xsw1_cloned_response_inside_the_signature_is_refused(
    client: FlaskClient, fake_idp: FakeIdp, jc: JustCall
) -> None:
    root = parse(fake_idp.response(SUPERVISOR_EMAIL, sign_assertion=False))
    clone = copy.deepcopy(root)
    clone.remove(clone.find(q(DS, "Signature")))  # type: ignore[arg-type]
    find(root, "ds:Signature").append(clone)
    root.set("ID", "idEVILRESPONSE")
    _set_identity_in(find(root, "saml2:Assertion"), ADMIN_EMAIL)
    # The clone repeats the Assertion's ID, which is caught first (core 1.3.4); two assertions would be next.
    expect_rejected(jc, post_acs(client, tostring(root)), "response.duplicate_id")


def test_xsw8_duplicate_id_in_an_object_is_refused(client: FlaskClient, fake_idp: FakeIdp, jc: JustCall) -> None:
    root = parse(fake_idp.response(SUPERVISOR_EMAIL, sign_response=False))
    original = find(root, "saml2:Assertion")
    keep = copy.deepcopy(original)
    keep.remove(keep.find(q(DS, "Signature")))  # type: ignore[arg-type]
    etree.SubElement(find(original, "ds:Signature"), "Object").append(keep)
    _set_identity_in(original, ADMIN_EMAIL)
    answer = post_acs(client, tostring(root))
    assert answer.status_code == 403
    assert client.get("/api/me").status_code == 401
    assert jc.activity(SLUG)[0]["reason"] in ("response.duplicate_id", "assertion.count")


def test_claims_come_from_the_signed_bytes_not_the_posted_tree(fake_idp: FakeIdp) -> None:
    """A comment injected after signing is gone from what verify_signatures returns (exclusive c14n)."""
    xml = fake_idp.response("victim@acme.example.evil.example", sign_response=False)
    root = parse(xml)
    name_id = find(root, "saml2:Assertion/saml2:Subject/saml2:NameID")
    name_id.text = "victim@acme.example"
    comment = etree.Comment("")
    comment.tail = ".evil.example"
    name_id.append(comment)
    posted = tostring(root)
    parsed = parse(posted)
    signed = signatures.verify_signatures(posted, parsed, find(parsed, "saml2:Assertion"), fake_idp.keys.cert, NOW)
    signed_name_id = signed.assertion.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    assert signed_name_id is not None and signed_name_id.text == "victim@acme.example.evil.example"
    assert len(signed_name_id) == 0
    assert signed.assertion is not parsed.find(q(SAML, "Assertion"))  # the signed copy, not the posted tree


def test_verify_signatures_refuses_an_unsigned_forgery_next_to_a_signed_response(fake_idp: FakeIdp) -> None:
    root = parse(fake_idp.response(sign_assertion=False))
    root.append(_forged(find(root, "saml2:Assertion"), ADMIN_EMAIL))
    with pytest.raises(Reject) as refused:
        signatures.verify_signatures(tostring(root), root, find(root, "saml2:Assertion"), fake_idp.keys.cert, NOW)
    assert refused.value.reason == "signature.invalid"


def test_response_signature_check_uses_the_response_location(fake_idp: FakeIdp) -> None:
    assert signatures.RESPONSE_LOCATION == "./"
    assert f"./{{{SAML}}}Assertion/" == signatures.ASSERTION_LOCATION
    xml = fake_idp.response()
    root = parse(xml)
    signed = signatures.verify_signatures(xml, root, find(root, "saml2:Assertion"), fake_idp.keys.cert, NOW)
    assert signed.assertion.get("ID") == find(root, "saml2:Assertion").get("ID")
    assert root.tag == q(SAMLP, "Response")


def test_sign_builds_a_response_the_sp_accepts(client: FlaskClient, fake_idp: FakeIdp) -> None:
    spec = fake_idp.spec()
    assert post_acs(client, tostring(sign(build_unsigned(spec), spec))).status_code == 303
    assert build(spec) != b""
