"""The attack signer's signatures are real: signxml verifies them, and the evidence checker agrees."""

from __future__ import annotations

import pytest
from lxml import etree
from security_support import Idp
from signxml import SignatureConfiguration, XMLVerifier

from mock_idp.attacks.resign import HMAC_SECRET
from mock_idp.faults import FaultPlan, Op
from saml_harness.security import dsig_check
from saml_xmlns import DS, SAML, SAMLP, q

ASSERTION_LOCATION = f"./{q(SAML, 'Assertion')}/"


def verify(xml: bytes, certificate_der: bytes, location: str) -> etree._Element:
    from cryptography import x509

    certificate = x509.load_der_x509_certificate(certificate_der)
    result = XMLVerifier().verify(xml, x509_cert=certificate, expect_config=SignatureConfiguration(location=location))
    assert not isinstance(result, list) and result.signed_xml is not None
    return result.signed_xml


@pytest.mark.parametrize("response_signed", [True, False])
def test_control_resignature_verifies_with_signxml(idp: Idp, response_signed: bool) -> None:
    signing = {} if response_signed else {"response_signed": False}
    xml = idp.issue(FaultPlan(post_sign=(Op("resign_profile", {}),), signing=signing))
    signed = verify(xml, idp.certificate_der, ASSERTION_LOCATION)
    assert signed.tag == q(SAML, "Assertion")
    if response_signed:
        assert verify(xml, idp.certificate_der, "./").tag.endswith("Response")


def test_resign_with_the_idp_key_verifies_with_signxml(idp: Idp) -> None:
    xml = idp.issue(FaultPlan(post_sign=(Op("resign", {"key": "idp", "forge": False}),)))
    assert verify(xml, idp.certificate_der, "./").tag == q(SAMLP, "Response")
    assert verify(xml, idp.certificate_der, ASSERTION_LOCATION).tag == q(SAML, "Assertion")


def test_self_signed_resignature_verifies_with_the_embedded_certificate_only(idp: Idp) -> None:
    xml = idp.issue(FaultPlan(post_sign=(Op("resign", {"key": "self_signed", "target": "assertion"}),)))
    signature = etree.fromstring(xml).find(f"{q(SAML, 'Assertion')}/{q(DS, 'Signature')}")
    assert signature is not None
    assert dsig_check.verifies_with_embedded_key(signature)
    assert not dsig_check.verifies_with_certificate(signature, idp.certificate_der)
    [embedded] = dsig_check.certificates_in(signature)
    from cryptography.hazmat.primitives.serialization import Encoding

    verify(xml, embedded.public_bytes(Encoding.DER), ASSERTION_LOCATION)


def test_cloned_certificate_copies_names_and_serial_not_the_key(idp: Idp) -> None:
    xml = idp.issue(FaultPlan(post_sign=(Op("resign", {"key": "cloned", "target": "assertion"}),)))
    signature = etree.fromstring(xml).find(f"{q(SAML, 'Assertion')}/{q(DS, 'Signature')}")
    assert signature is not None
    [clone] = dsig_check.certificates_in(signature)
    genuine = idp.org.active_key(idp.app.id).credential.certificate
    assert (clone.subject, clone.issuer, clone.serial_number) == (
        genuine.subject,
        genuine.issuer,
        genuine.serial_number,
    )
    assert clone.public_key().public_numbers() != genuine.public_key().public_numbers()  # type: ignore[union-attr]
    assert dsig_check.verifies_with_embedded_key(signature)


def test_hmac_signature_carries_its_key(idp: Idp) -> None:
    xml = idp.issue(FaultPlan(post_sign=(Op("resign", {"key": "hmac", "target": "assertion"}),)))
    signature = etree.fromstring(xml).find(f"{q(SAML, 'Assertion')}/{q(DS, 'Signature')}")
    assert signature is not None
    assert dsig_check.method_of(signature) == "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
    assert dsig_check.value_verifies(signature, dsig_check.KeyMaterial(hmac_secret=HMAC_SECRET))
    assert b"Rk9PCg==" in xml


def test_md5_resignature_is_a_real_rsa_md5_signature(idp: Idp) -> None:
    step = Op("resign_profile", {"signature_method": "rsa-md5", "digest_method": "md5"})
    xml = idp.issue(FaultPlan(post_sign=(step,), signing={"response_signed": False}))
    signature = etree.fromstring(xml).find(f"{q(SAML, 'Assertion')}/{q(DS, 'Signature')}")
    assert signature is not None
    assert dsig_check.verifies_with_certificate(signature, idp.certificate_der)


def test_xpath_transform_digest_is_what_enveloped_gives(idp: Idp) -> None:
    """The harness's XPath transform mimics enveloped-signature: the digest is that of the assertion sans signature."""
    import base64
    import hashlib

    step = Op("resign_profile", {"transforms": ["xpath", "exc_c14n"]})
    root = etree.fromstring(idp.issue(FaultPlan(post_sign=(step,), signing={"response_signed": False})))
    assertion = root.find(q(SAML, "Assertion"))
    assert assertion is not None
    signature = assertion.find(q(DS, "Signature"))
    assert signature is not None
    digest = signature.find(f".//{q(DS, 'DigestValue')}")
    assert digest is not None
    assertion.remove(signature)
    c14n = etree.tostring(assertion, method="c14n", exclusive=True, inclusive_ns_prefixes=["xs"])
    assert digest.text == base64.b64encode(hashlib.sha256(c14n).digest()).decode()
    assert dsig_check.verifies_with_certificate(signature, idp.certificate_der)
