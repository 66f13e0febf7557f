"""The agent op that changes a signed request in transit, the evidence read from the request sent, and their lint."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from justcall_sp.authn_request import redirect_url
from mock_idp.faults import OPS, SIGNING_OVERRIDES
from saml_harness.agent.outcome import Outcome
from saml_harness.agent.tampering import rewriter, set_request_attribute
from saml_harness.agent.trace import Hop, Trace, decode_redirect, saml_from_query
from saml_harness.scenarios.catalogue import lint, parse_scenario
from saml_harness.scenarios.request_evidence import request_problems
from saml_harness.scenarios.setup_ops import SETUP_OPS

SSO = "http://127.0.0.1:5000/app/acme_justcall_1/exk1/sso/saml"
XML = (
    b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0" '
    b'AssertionConsumerServiceURL="http://sp.test/acs"/>'
)
EVIL = "https://attacker.example/acs"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
TAMPERED = {"op": "set_request_attribute", "name": "AssertionConsumerServiceURL", "value": EVIL}


def _fields(url: str) -> dict[str, str]:
    return dict(part.partition("=")[::2] for part in urlsplit(url).query.split("&"))


def test_the_op_changes_only_the_request_and_keeps_the_signature_fields_byte_for_byte() -> None:
    signed = redirect_url(SSO, XML, "/calls", KEY)
    changed = set_request_attribute(signed, "AssertionConsumerServiceURL", EVIL)
    before, after = _fields(signed), _fields(changed)
    assert list(after) == ["SAMLRequest", "RelayState", "SigAlg", "Signature"]
    assert {k: after[k] for k in ("RelayState", "SigAlg", "Signature")} == {
        k: before[k] for k in ("RelayState", "SigAlg", "Signature")
    }
    root = etree.fromstring(decode_redirect(parse_qs(urlsplit(changed).query)["SAMLRequest"][0]))
    assert root.get("AssertionConsumerServiceURL") == EVIL and root.get("ID") == "_a"
    assert set_request_attribute("http://sp.test/calls", "ID", "x") == "http://sp.test/calls"
    assert rewriter([("set_request_attribute", {"name": "ID", "value": "_b"})])(changed) != changed


def _outcome(url: str) -> Outcome:
    return Outcome(
        accepted=False, idp_error="400 Bad Request", trace=Trace([Hop("GET", url, 400, saml=saml_from_query(url))])
    )


def _scenario(**fields: object) -> object:
    raw = {"id": "t", "title": "t", "expect": "idp_error", "idp_error": "400 Bad Request", "advice": "a"}
    return parse_scenario(raw | {"flows": ["sp_initiated"]} | fields, "t.toml")


def test_request_evidence_says_when_the_request_sent_is_not_what_the_case_is_about() -> None:
    signed_setup = [{"op": "sp_sign_authn_requests"}, {"op": "okta_require_signed_requests"}]
    tamper = _scenario(setup=signed_setup, agent=[TAMPERED])
    signed, unsigned = redirect_url(SSO, XML, "/", KEY), redirect_url(SSO, XML, "/")
    tampered = set_request_attribute(signed, "AssertionConsumerServiceURL", EVIL)
    assert request_problems(tamper, _outcome(tampered), {}) == []  # type: ignore[arg-type]
    assert request_problems(tamper, _outcome(signed), {}) == [  # type: ignore[arg-type]
        f"the request sent has AssertionConsumerServiceURL='http://sp.test/acs', not {EVIL!r}"
    ]
    assert "carries no SigAlg and Signature" in request_problems(tamper, _outcome(unsigned), {})[0]  # type: ignore[arg-type]
    unsigned_case = _scenario(setup=[{"op": "okta_require_signed_requests"}])
    assert request_problems(unsigned_case, _outcome(unsigned), {}) == []  # type: ignore[arg-type]
    assert "is signed" in request_problems(unsigned_case, _outcome(signed), {})[0]  # type: ignore[arg-type]
    assert request_problems(unsigned_case, Outcome(accepted=False), {}) == ["no SAMLRequest reached the IdP"]  # type: ignore[arg-type]
    assert request_problems(_scenario(), Outcome(accepted=False), {}) == []  # type: ignore[arg-type]


def test_lint_knows_agent_ops_and_keeps_them_to_the_sp_initiated_flow() -> None:
    unknown = parse_scenario(
        {"id": "u", "title": "u", "expect": "accept", "flows": ["sp_initiated"], "agent": [{"op": "nope"}]}, "x.toml"
    )
    both_flows = parse_scenario({"id": "b", "title": "b", "expect": "accept", "agent": [TAMPERED]}, "x.toml")
    problems = lint([unknown, both_flows], OPS, SETUP_OPS, SIGNING_OVERRIDES)
    assert any("unknown agent op 'nope'" in p for p in problems)
    assert any("b: agent ops change the SP's request" in p for p in problems)
