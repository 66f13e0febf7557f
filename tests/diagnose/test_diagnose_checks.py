"""diagnose() names the exact cause of each way JustCall refuses an Okta response (synthetic, signed at run time)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from diagnose_support import (
    ACS_URL,
    EMAIL,
    ENTITY_ID,
    ISSUER,
    NOW,
    REQUEST_ID,
    Pki,
    Shape,
    build,
    make_pki,
    sign,
    signed,
)
from lxml import etree

from saml_harness.diagnose import Config, Finding, Report, TrustedCertificate, diagnose
from saml_harness.diagnose.model import ATTRIBUTES_MISSING, CERTIFICATE_ERROR, INVALID_RESPONSE
from saml_xmlns import NAMEID_EMAIL, NAMEID_UNSPECIFIED, SAML, STATUS_RESPONDER, q


def config_for(pki: Pki, **changes: object) -> Config:
    base = Config(ACS_URL, ENTITY_ID, REQUEST_ID, ISSUER, (TrustedCertificate(pki.cert, "--idp-cert okta.pem"),))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def check(xml: bytes, pki: Pki, **changes: object) -> Report:
    return diagnose(xml, config_for(pki, **changes), NOW)


def the(report: Report, check_id: str) -> Finding:
    found = [f for f in report.findings if f.check == check_id]
    assert len(found) == 1, [f.check for f in report.findings]
    return found[0]


def errors(report: Report) -> dict[str, Finding]:
    return {f.check: f for f in report.findings if f.severity == "error"}


def test_good_response_is_accepted_with_every_check_ok(pki: Pki) -> None:
    report = check(signed(Shape(), pki), pki)
    assert report.accepted, errors(report)
    assert report.verdict == "JustCall would ACCEPT this response"
    assert the(report, "signature.response.verify").severity == "ok"
    assert the(report, "signature.assertion.verify").severity == "ok"
    assert the(report, "audience").severity == "ok"
    assert report.troubleshooting == []


def test_audience_with_trailing_slash_is_explained_exactly(pki: Pki) -> None:
    report = check(signed(Shape(audience=ENTITY_ID + "/"), pki), pki)
    finding = errors(report)["audience"]
    assert "Audience has a trailing slash that JustCall's Entity ID does not have" in finding.message
    assert repr(ENTITY_ID + "/") in finding.message and repr(ENTITY_ID) in finding.message
    assert finding.troubleshooting == INVALID_RESPONSE
    assert set(errors(report)) == {"audience"}


@pytest.mark.parametrize(
    ("destination", "explanation"),
    [
        (ACS_URL.replace("https://", "http://"), "Destination uses http:// where JustCall's ACS URL uses https://"),
        (
            ACS_URL.replace("/acme/", "/ACME/"),
            "the path differs in letter case ('/sso/saml/ACME/acs' vs '/sso/saml/acme/acs')",
        ),
        (ACS_URL.replace("justcall.example", "justcal.example"), "the host differs"),
        (ACS_URL.rstrip("/") + "/", "Destination has a trailing slash that JustCall's ACS URL does not have"),
        (ENTITY_ID, "Okta's Single sign-on URL and Audience URI look swapped"),
    ],
)
def test_destination_and_recipient_mismatch_name_the_difference(pki: Pki, destination: str, explanation: str) -> None:
    report = check(signed(Shape(destination=destination, recipient=destination), pki), pki)
    for check_id, label in (("destination", "Destination"), ("recipient", "Recipient")):
        finding = errors(report)[check_id]
        assert explanation.replace("Destination", label) in finding.message
        assert finding.troubleshooting == INVALID_RESPONSE
        assert ACS_URL in finding.fix


def test_issuer_mismatch_shows_both_strings(pki: Pki) -> None:
    wrong = ISSUER.replace("http://", "https://")
    report = check(signed(Shape(issuer=wrong), pki), pki)
    for check_id in ("issuer.response", "issuer.assertion"):
        message = errors(report)[check_id].message
        assert repr(wrong) in message and repr(ISSUER) in message
        assert "uses https:// where the expected IdP issuer uses http://" in message


def test_content_modified_after_signing_is_a_digest_mismatch(pki: Pki) -> None:
    xml = signed(Shape(), pki).replace(EMAIL.encode(), b"mallory@acme-corp.example")
    report = check(xml, pki)
    for what in ("response", "assertion"):
        finding = errors(report)[f"signature.{what}.verify"]
        assert "modified after Okta signed it" in finding.message
        assert finding.troubleshooting == INVALID_RESPONSE
    assert all(f.troubleshooting != CERTIFICATE_ERROR for f in report.findings)


def test_signature_value_damaged_is_not_blamed_on_the_certificate(pki: Pki) -> None:
    root = etree.fromstring(signed(Shape(), pki, assertion=False))
    value = root.find(".//{http://www.w3.org/2000/09/xmldsig#}SignatureValue")
    assert value is not None and value.text
    value.text = ("A" if value.text[0] != "A" else "B") + value.text[1:]
    report = check(etree.tostring(root), pki)
    finding = errors(report)["signature.response.verify"]
    assert "SignedInfo or SignatureValue was altered" in finding.message
    assert finding.troubleshooting == INVALID_RESPONSE


def test_signed_by_another_key_is_a_certificate_error(pki: Pki, rotated_pki: Pki) -> None:
    report = check(signed(Shape(), rotated_pki), pki)
    finding = errors(report)["signature.assertion.verify"]
    assert "signed by a different key than the trusted certificate" in finding.message
    assert "rotated" in finding.message
    assert finding.troubleshooting == CERTIFICATE_ERROR
    assert finding.fix.startswith("Re-download the active certificate from Okta")
    assert the(report, "signature.assertion.certificate").severity == "warning"
    assert [row for row, _ in report.troubleshooting] == [CERTIFICATE_ERROR]


def test_other_key_claiming_the_trusted_certificate_is_not_a_rotation(pki: Pki, rotated_pki: Pki) -> None:
    report = check(sign(build(Shape()), rotated_pki, key_info_cert=pki.cert), pki)
    assert the(report, "signature.response.certificate").severity == "ok"  # KeyInfo shows the trusted certificate
    finding = errors(report)["signature.response.verify"]
    assert "does not verify with the trusted certificate nor with the certificate it carries" in finding.message
    assert finding.troubleshooting == INVALID_RESPONSE


def test_expired_trusted_certificate_is_a_certificate_error() -> None:
    expired = make_pki("old", not_before=NOW - timedelta(days=800), years=2)
    report = check(signed(Shape(), expired), expired)
    trust = errors(report)["trust.certificate"]
    assert "expired on 2026-09-20 12:00:00 UTC, 70 days before --at" in trust.message
    assert trust.troubleshooting == CERTIFICATE_ERROR
    verify = errors(report)["signature.response.verify"]
    assert "intact" in verify.message and "expired on" in verify.message
    assert [row for row, _ in report.troubleshooting] == [CERTIFICATE_ERROR]


def test_certificate_not_yet_valid_is_a_certificate_error() -> None:
    future = make_pki("next", not_before=NOW + timedelta(days=3, hours=1))
    report = check(signed(Shape(), future), future)
    assert (
        "not yet valid: valid from 2026-12-02 13:00:00 UTC, 3 days after --at"
        in errors(report)["trust.certificate"].message
    )
    assert errors(report)["signature.assertion.verify"].troubleshooting == CERTIFICATE_ERROR


def test_certificate_expiring_soon_is_a_warning(pki: Pki) -> None:
    soon = make_pki("soon", not_before=NOW - timedelta(days=365 * 2 - 20), years=2)
    report = check(signed(Shape(), soon), soon)
    assert report.accepted
    assert "expires in" in the(report, "trust.certificate").message
    assert the(report, "trust.certificate").severity == "warning"


def test_expired_time_window_says_by_how_much(pki: Pki) -> None:
    report = check(signed(Shape(issued=NOW - timedelta(hours=1)), pki), pki)
    conditions = errors(report)["conditions.time"]
    assert "passed 55 min 0 s before --at" in conditions.message
    assert "53 min 30 s beyond the allowed 90 s clock skew" in conditions.message
    assert "passed 55 min 0 s before --at" in errors(report)["subject_confirmation.time"].message


def test_response_from_the_future_is_not_yet_valid(pki: Pki) -> None:
    report = check(signed(Shape(issued=NOW + timedelta(minutes=10)), pki), pki)
    message = errors(report)["conditions.time"].message
    assert "NotBefore" in message and "is 5 min 0 s after --at" in message
    assert "3 min 30 s beyond the allowed 90 s clock skew" in message


def test_clock_skew_tolerates_a_minute(pki: Pki) -> None:
    report = check(signed(Shape(issued=NOW - timedelta(minutes=6)), pki), pki)
    assert report.accepted, errors(report)
    assert the(report, "conditions.time").severity == "warning"
    assert not check(signed(Shape(issued=NOW - timedelta(minutes=6)), pki), pki, skew=timedelta(seconds=30)).accepted


def test_missing_attributes_name_the_near_misses(pki: Pki) -> None:
    shape = Shape(attributes={"Email": EMAIL, "first_name": "Jane", "username": "jdoe"})
    report = check(signed(shape, pki), pki)
    found = errors(report)
    assert "'Email'" in found["attribute.email"].message and "letter case" in found["attribute.email"].message
    assert "rename 'Email' to 'email'" in found["attribute.email"].fix
    assert "'first_name'" in found["attribute.firstName"].message
    assert (
        "does not send it (attributes sent: 'Email', 'first_name', 'username')" in found["attribute.lastName"].message
    )
    assert {found[f"attribute.{n}"].troubleshooting for n in ("email", "firstName", "lastName")} == {ATTRIBUTES_MISSING}


def test_empty_attribute_is_missing(pki: Pki) -> None:
    report = check(signed(Shape(attributes={"email": EMAIL, "firstName": "", "lastName": "Doe"}), pki), pki)
    assert "present but empty" in errors(report)["attribute.firstName"].message
    assert set(errors(report)) == {"attribute.firstName"}


def test_sha1_signatures_are_refused_but_still_verified(pki: Pki) -> None:
    report = check(signed(Shape(), pki, sha1=True), pki)
    algorithm = errors(report)["signature.response.algorithm"]
    assert "SHA-1" in algorithm.message and "rsa-sha1" in algorithm.message
    assert "RSA-SHA256" in algorithm.fix
    assert the(report, "signature.response.verify").severity == "ok"


def test_unsigned_response_is_refused(pki: Pki) -> None:
    report = check(signed(Shape(), pki, response=False, assertion=False), pki)
    assert "Neither the Response nor the Assertion is signed" in errors(report)["signature.coverage"].message


def test_response_signature_alone_covers_the_assertion(pki: Pki) -> None:
    report = check(signed(Shape(), pki, assertion=False), pki)
    assert report.accepted, errors(report)
    assert the(report, "signature.assertion").message == "The Assertion is not signed"


def test_wrapped_second_assertion_is_refused(pki: Pki) -> None:
    root = etree.fromstring(signed(Shape(), pki))
    assertion = root.find(q(SAML, "Assertion"))
    assert assertion is not None
    forged = etree.fromstring(etree.tostring(assertion))
    forged.set("ID", "idEVIL")
    assertion.addprevious(forged)
    report = check(etree.tostring(root), pki)
    assert "2 Assertion" in errors(report)["assertion.count"].message


def test_in_response_to_other_request_is_refused(pki: Pki) -> None:
    report = check(signed(Shape(), pki), pki, request_id="_another")
    assert "is not the AuthnRequest ID '_another'" in errors(report)["in_response_to"].message


def test_unsolicited_response_is_reported_not_refused(pki: Pki) -> None:
    report = check(signed(Shape(in_response_to=None), pki), pki, request_id=None)
    assert report.accepted
    assert "Unsolicited" in the(report, "in_response_to").message


def test_name_id_unspecified_is_a_warning(pki: Pki) -> None:
    report = check(signed(Shape(name_id="jdoe", name_id_format=NAMEID_UNSPECIFIED), pki), pki)
    assert report.accepted
    assert the(report, "nameid.format").severity == "warning"
    assert "unspecified" in the(report, "nameid.format").message
    assert the(report, "nameid.email").severity == "warning"


def test_email_name_id_disagreeing_with_email_attribute_is_refused(pki: Pki) -> None:
    shape = Shape(name_id="someone.else@acme-corp.example", name_id_format=NAMEID_EMAIL)
    assert "differs from the email attribute" in errors(check(signed(shape, pki), pki))["nameid.email"].message


def test_failed_status_is_refused(pki: Pki) -> None:
    report = check(signed(Shape(status=STATUS_RESPONDER), pki), pki)
    assert "Status is urn:oasis:names:tc:SAML:2.0:status:Responder" in errors(report)["status"].message


def test_without_trusted_certificate_trust_is_a_warning(pki: Pki) -> None:
    report = check(signed(Shape(), pki), pki, trusted=())
    assert report.accepted
    assert the(report, "trust.certificate").severity == "warning"
    assert "not checked" in the(report, "signature.response.verify").message


def test_unconfigured_sp_values_are_reported_not_compared(pki: Pki) -> None:
    report = check(signed(Shape(audience="anything"), pki), pki, acs_url=None, entity_id=None, idp_issuer=None)
    assert report.accepted
    assert "not compared" in the(report, "audience").message


def test_missing_authn_statement_is_refused(pki: Pki) -> None:
    root = build(Shape())
    assertion = root.find(q(SAML, "Assertion"))
    assert assertion is not None
    statement = assertion.find(q(SAML, "AuthnStatement"))
    assert statement is not None
    assertion.remove(statement)
    assert "no AuthnStatement" in errors(check(sign(root, pki), pki))["authn_statement"].message
