"""The attack ops build what they claim (SAMLRaider's exact shapes) and the evidence checks can tell."""

from __future__ import annotations

import pytest
from lxml import etree
from security_support import EMAIL, Idp

from mock_idp.faults import OPS, FaultPlan, Op
from saml_harness.scenarios.catalogue import Scenario, load_catalogue, parse_scenario
from saml_harness.scenarios.evidence import check_evidence
from saml_xmlns import DS, SAML, SAMLP, q

SECURITY = load_catalogue(suite="security")
OWNER = "owner@acme.example"


def tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, strip_cdata=False))


def name_ids(root: etree._Element) -> list[str]:
    return ["".join(str(t) for t in e.itertext()) for e in root.iter(q(SAML, "NameID"))]


def post_sign(idp: Idp, *ops: Op, response_signed: bool = True) -> etree._Element:
    signing = {} if response_signed else {"response_signed": False}
    return tree(idp.issue(FaultPlan(post_sign=ops, signing=signing)))


@pytest.mark.parametrize("scenario", SECURITY, ids=[s.id for s in SECURITY])
def test_every_security_scenario_puts_its_attack_in_the_xml(idp: Idp, scenario: Scenario) -> None:
    xml = idp.issue_for(scenario)
    assert (
        check_evidence(scenario, xml, idp.placeholders, idp.certificate_der, decryption_key=idp.sp_decryption_key) == []
    )


REJECTIONS = [s for s in SECURITY if s.expect == "reject" and (s.pre_sign or s.post_sign)]


@pytest.mark.parametrize("scenario", REJECTIONS, ids=[s.id for s in REJECTIONS])
def test_evidence_is_not_satisfied_by_a_genuine_response(idp: Idp, scenario: Scenario) -> None:
    """The checks are not vacuous: Okta's unmodified response does not pass for the attack."""
    genuine = idp.issue(FaultPlan(signing=dict(scenario.signing)))
    assert (
        check_evidence(scenario, genuine, idp.placeholders, idp.certificate_der, decryption_key=idp.sp_decryption_key)
        != []
    )


def test_the_trusted_certificate_reaches_the_checks_as_an_argument_asked_once(idp: Idp) -> None:
    """A re-signed or extended response must still verify with the key the SP trusts: passed in, not global."""
    scenario = next(s for s in SECURITY if s.id == "security.keyinfo.replace.response.both_signed")
    xml = idp.issue_for(scenario)
    asked: list[bytes] = []

    def trusted() -> bytes:
        asked.append(idp.certificate_der)
        return idp.certificate_der

    assert check_evidence(scenario, xml, idp.placeholders, trusted) == []
    assert len(asked) == 1
    stranger = Idp.create().certificate_der
    problems = check_evidence(scenario, xml, idp.placeholders, stranger)
    assert problems == ["replace_key_info: the signature is no longer a valid IdP signature"]


# ------------------------------------------------------------------------------------------------ XSW shapes


def test_xsw1_hides_the_signed_original_inside_the_response_signature(idp: Idp) -> None:
    root = post_sign(idp, Op("xsw", {"variant": 1}))
    assert root.get("ID") == "_evil_response_ID"
    signature = root.find(q(DS, "Signature"))
    assert signature is not None
    hidden = signature.find(q(SAMLP, "Response"))
    assert hidden is not None and hidden.find(q(DS, "Signature")) is None, "SAMLRaider removes the clone's signature"
    assert name_ids(hidden) == [EMAIL]
    assert name_ids(root.find(q(SAML, "Assertion"))) == [OWNER]  # type: ignore[arg-type]


def test_xsw3_puts_an_unsigned_evil_assertion_first(idp: Idp) -> None:
    root = post_sign(idp, Op("xsw", {"variant": 3}), response_signed=False)
    first, second = root.findall(q(SAML, "Assertion"))
    assert (first.get("ID"), first.find(q(DS, "Signature"))) == ("_evil_assertion_ID", None)
    assert second.find(q(DS, "Signature")) is not None
    assert (name_ids(first), name_ids(second)) == ([OWNER], [EMAIL])


def test_xsw7_uses_an_unnamespaced_extensions_and_keeps_the_id(idp: Idp) -> None:
    root = post_sign(idp, Op("xsw", {"variant": 7}), response_signed=False)
    extensions = root.find("Extensions")
    assert extensions is not None
    evil = extensions.find(q(SAML, "Assertion"))
    genuine = root.find(q(SAML, "Assertion"))
    assert evil is not None and genuine is not None
    assert evil.get("ID") == genuine.get("ID")
    assert root.index(extensions) == root.index(genuine) - 1


def test_xsw8_namespaced_uses_ds_object(idp: Idp) -> None:
    root = post_sign(idp, Op("xsw", {"variant": 8, "namespaced": True}), response_signed=False)
    assertion = root.find(q(SAML, "Assertion"))
    assert assertion is not None
    hidden = assertion.find(f"{q(DS, 'Signature')}/{q(DS, 'Object')}/{q(SAML, 'Assertion')}")
    assert hidden is not None and hidden.get("ID") == assertion.get("ID")
    subject = assertion.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    assert subject is not None and (subject.text, name_ids(hidden)) == (OWNER, [EMAIL])


def test_evil_identity_can_be_named(idp: Idp) -> None:
    root = post_sign(idp, Op("xsw", {"variant": 3, "evil": "ceo@acme.example"}), response_signed=False)
    assert "ceo@acme.example" in name_ids(root)


@pytest.mark.parametrize(
    ("args", "message"),
    [({"variant": 9}, "variant must be 1-8"), ({"variant": 3, "namespaced": True}, "namespaced applies")],
)
def test_xsw_refuses_bad_arguments(idp: Idp, args: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        idp.issue(FaultPlan(post_sign=(Op("xsw", args),)))


def test_attack_ops_run_after_signing_only() -> None:
    with pytest.raises(ValueError, match="only runs at post_sign"):
        FaultPlan(pre_sign=(Op("xsw", {"variant": 1}),))


def test_ops_needing_a_signed_response_say_so(idp: Idp) -> None:
    with pytest.raises(ValueError, match="not signed in this baseline"):
        idp.issue(
            FaultPlan(
                post_sign=(Op("pysaml2_xsw", {"shape": "first_sig_response"}),), signing={"response_signed": False}
            )
        )


# ------------------------------------------------------------------------------------------------ markup


def test_comment_splits_the_signed_value(idp: Idp) -> None:
    xpath = "saml2:Assertion/saml2:Subject/saml2:NameID"
    root = post_sign(idp, Op("inject_markup", {"xpath": xpath, "at": 4, "text": "x"}))
    name_id = root.find(f"{q(SAML, 'Assertion')}/{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    assert name_id is not None
    assert name_id.text == EMAIL[:4] and isinstance(name_id[0], etree._Comment) and name_id[0].tail == EMAIL[4:]


def test_cdata_keeps_the_value_and_the_signature(idp: Idp) -> None:
    xpath = "saml2:Assertion/saml2:Subject/saml2:NameID"
    xml = idp.issue(FaultPlan(post_sign=(Op("inject_markup", {"xpath": xpath, "at": 4, "kind": "cdata"}),)))
    assert f"{EMAIL[:4]}<![CDATA[{EMAIL[4:]}]]>".encode() in xml
    assert name_ids(tree(xml)) == [EMAIL]


def test_every_attack_op_has_a_docstring() -> None:
    for name, func in OPS.items():
        assert func.__doc__, f"op {name} has no docstring"


def test_parse_scenario_keeps_requirements() -> None:
    scenario = parse_scenario({"id": "a", "title": "t", "expect": "accept", "requirements": ["X-1"]}, "security_x.toml")
    assert scenario.requirements == ("X-1",) and scenario.suite == "security"


# ------------------------------------------------------------------------------------------------ markup signed in


def _signed_assertion_verifies(xml: bytes, idp: Idp) -> etree._Element:
    """Verify the Assertion's signature with the IdP's certificate and return the element as signed."""
    from cryptography import x509
    from signxml import XMLVerifier

    certificate = x509.load_der_x509_certificate(idp.certificate_der)
    result = XMLVerifier().verify(xml, x509_cert=certificate, id_attribute="ID", expect_references=1)
    assert not isinstance(result, list)
    return result.signed_xml  # type: ignore[return-value]


@pytest.mark.parametrize("kind", ["pi", "comment"])
def test_markup_added_before_signing_is_covered_by_a_valid_signature(idp: Idp, kind: str) -> None:
    xpath = "saml2:Assertion/saml2:Subject/saml2:NameID"
    plan = FaultPlan(
        pre_sign=(Op("inject_markup", {"xpath": xpath, "before": EMAIL[4:], "kind": kind}),),
        signing={"response_signed": False},
    )
    xml = idp.issue(plan)
    signed = _signed_assertion_verifies(xml, idp)
    name_id = signed.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    assert name_id is not None
    if kind == "pi":  # exclusive c14n keeps processing instructions: the signed copy holds it
        assert name_id.text == EMAIL[:4] and isinstance(name_id[0], etree._ProcessingInstruction)
    else:  # ... and drops comments: the signed copy holds the whole value as one text
        assert (name_id.text, len(name_id)) == (EMAIL, 0)
    assert name_ids(tree(xml)) == [EMAIL]


def test_markup_before_names_text_inside_the_value(idp: Idp) -> None:
    xpath = "saml2:Assertion/saml2:Subject/saml2:NameID"
    with pytest.raises(ValueError, match="is not inside"):
        idp.issue(FaultPlan(pre_sign=(Op("inject_markup", {"xpath": xpath, "before": "nowhere"}),)))


# ------------------------------------------------------------------------------------------------ which key signed


def _signed_by_other_key() -> Scenario:
    return parse_scenario({"id": "k", "title": "t", "expect": "reject", "signing": {"key": "other"}}, "x.toml")


def test_signed_by_another_key_is_proven_by_the_signature_value(idp: Idp) -> None:
    xml = idp.issue(FaultPlan(signing={"key": "other"}))
    assert check_evidence(_signed_by_other_key(), xml, idp.placeholders, idp.certificate_der) == []


def test_a_genuine_signature_is_not_taken_for_another_keys(idp: Idp) -> None:
    problems = check_evidence(_signed_by_other_key(), idp.issue(), idp.placeholders, idp.certificate_der)
    assert any("verifies with the trusted key" in p for p in problems), problems


def test_a_foreign_certificate_in_key_info_does_not_prove_another_key_signed(idp: Idp) -> None:
    """KeyInfo shows a foreign certificate, but the trusted key made the values: the evidence says so."""
    plan = FaultPlan(
        signing={"response_signed": False},
        post_sign=(Op("replace_key_info", {"target": "assertion"}),),
    )
    problems = check_evidence(_signed_by_other_key(), idp.issue(plan), idp.placeholders, idp.certificate_der)
    assert any("verifies with the trusted key" in p for p in problems), problems
    assert any("does not verify with the key of the certificate KeyInfo shows" in p for p in problems), problems
