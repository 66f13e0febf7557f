"""Evidence for the encryption variants: the harness opens the ciphertext with the SP's key to prove what it holds."""

from __future__ import annotations

from dataclasses import replace

import pytest
from lxml import etree
from security_support import Idp

from saml_harness.scenarios.catalogue import Scenario, load_catalogue
from saml_harness.scenarios.evidence import check_evidence
from saml_harness.security import xenc_open
from saml_xmlns import DS, NS, SAML, q

VARIANTS = ("encryption_padding", "key_transport_digest", "encrypted_key_placement", "encryption_plaintext")
WITH_VARIANT = [s for s in load_catalogue() if any(v in s.signing for v in VARIANTS)]
OTHER_CHOICE = {
    "encryption_padding": {"whole_block": "one_octet", "one_octet": "whole_block", "beyond_block": "whole_block"},
    "key_transport_digest": {"SHA256": "SHA1", "none": "SHA1"},
    "encrypted_key_placement": {"key_info": "retrieval_method", "both": "key_info"},
    "encryption_plaintext": {"inherits_namespaces": "standalone"},
}


def _check(idp: Idp, scenario: Scenario, xml: bytes) -> list[str]:
    return check_evidence(scenario, xml, idp.placeholders, idp.certificate_der, decryption_key=idp.sp_decryption_key)


@pytest.mark.parametrize("scenario", WITH_VARIANT, ids=[s.id for s in WITH_VARIANT])
def test_each_variant_is_proven_and_another_choice_is_not(idp: Idp, scenario: Scenario) -> None:
    assert _check(idp, scenario, idp.issue_for(scenario)) == []
    name = next(v for v in VARIANTS if v in scenario.signing)
    other = replace(scenario, signing={**scenario.signing, name: OTHER_CHOICE[name][scenario.signing[name]]})
    assert _check(idp, scenario, idp.issue_for(other)) != []


def test_without_the_sp_key_a_padding_cannot_be_proven(idp: Idp) -> None:
    scenario = next(s for s in WITH_VARIANT if s.signing.get("encryption_padding") == "whole_block")
    problems = check_evidence(scenario, idp.issue_for(scenario), idp.placeholders, idp.certificate_der)
    assert problems == ["the SP's decryption key is unknown, so what the ciphertext holds cannot be checked"]


def test_the_decrypted_view_shows_the_signed_assertion_where_the_ciphertext_was(idp: Idp) -> None:
    scenario = next(s for s in WITH_VARIANT if s.signing.get("encrypted_key_placement") == "key_info")
    root = etree.fromstring(idp.issue_for(scenario))
    view = xenc_open.decrypted_view(root, idp.sp_decryption_key())
    assert view.find(q(SAML, "EncryptedAssertion")) is None
    assert view.xpath("saml2:Assertion/ds:Signature", namespaces=NS)
    assert root.find(q(SAML, "EncryptedAssertion")) is not None  # the Response as sent is left alone
    assert xenc_open.decrypted_view(root, None) is root


def test_an_assertion_signed_inside_by_the_trusted_key_is_not_evidence_of_another_key(idp: Idp) -> None:
    scenario = next(s for s in load_catalogue() if s.id == "security.encryption.assertion_signed_by_other_key")
    assert _check(idp, scenario, idp.issue_for(scenario)) == []
    genuine = replace(scenario, signing={"response_signed": False})
    problems = _check(idp, scenario, idp.issue_for(genuine))
    assert any("verifies with the trusted key" in p for p in problems)
    assert etree.fromstring(idp.issue_for(genuine)).find(q(DS, "Signature")) is None
