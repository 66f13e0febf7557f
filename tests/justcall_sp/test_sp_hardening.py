"""Hardening found by the security suite: each test pins one fix, with its rule."""

from __future__ import annotations

import copy

import pytest
from flask.testing import FlaskClient
from sp_helpers import IDP_ISSUER, IDP_SSO_URL, SLUG, FakeIdp, post_acs
from sp_test_idp import find, parse

from justcall_sp.acs import signatures
from justcall_sp.acs.reasons import Reject
from justcall_sp.db import get_db
from justcall_sp.models import AuthnRequestRecord
from justcall_sp.service import JustCall
from justcall_sp.sso_start import company_email_ok
from justcall_sp.urls import relay_state_target
from saml_xmlns import ALG_EXC_C14N, DS, q


def _assertion_signature(fake_idp: FakeIdp) -> tuple[object, object]:
    root = parse(fake_idp.response(sign_response=False))
    assertion = find(root, "saml2:Assertion")
    return find(assertion, "ds:Signature"), assertion


@pytest.mark.parametrize("extra", [ALG_EXC_C14N, "http://www.w3.org/2000/09/xmldsig#enveloped-signature"])
def test_a_third_or_repeated_transform_is_refused(fake_idp: FakeIdp, extra: str) -> None:
    """SAML core 5.4.4: enveloped-signature and one exclusive c14n, each once."""
    signature, assertion = _assertion_signature(fake_idp)
    transforms = signature.find(f"{q(DS, 'SignedInfo')}/{q(DS, 'Reference')}/{q(DS, 'Transforms')}")  # type: ignore[attr-defined]
    added = copy.deepcopy(transforms[-1])
    added.set("Algorithm", extra)
    transforms.append(added)
    with pytest.raises(Reject) as refused:
        signatures.check_signature_profile(signature, assertion)  # type: ignore[arg-type]
    assert refused.value.reason == "signature.algorithm"


@pytest.mark.parametrize(
    ("relay_state", "target"),
    [
        ("/calls", "/calls"),
        ("/" + "a" * 79, "/" + "a" * 79),
        ("/" + "a" * 80, "/"),
        ("/" + "é" * 40, "/"),
        ("https://evil.example/", "/"),
        (None, "/"),
    ],
)
def test_relay_state_target_is_a_local_path_within_80_bytes(relay_state: str | None, target: str) -> None:
    """Bindings 3.5.3: RelayState MUST NOT exceed 80 bytes (JustCall sends no longer one)."""
    assert relay_state_target(relay_state) == target


def test_acs_ignores_a_relay_state_over_80_bytes(client: FlaskClient, fake_idp: FakeIdp) -> None:
    answer = post_acs(client, fake_idp.response(), relay_state="/" + "a" * 100)
    assert (answer.status_code, answer.headers["Location"]) == (303, "/")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("idp_issuer", "http://www.okta.com/" + "x" * 1100, "at most 1024 characters"),
        ("idp_issuer", "http://www.okta.com/exk\x00", "control characters"),
        ("idp_issuer", "http://www.okta.com/ex\x85k", "control characters"),
        ("idp_sso_url", "https://acme.okta.com/" + "x" * 2100, "at most 2048 characters"),
        ("idp_sso_url", "https://acme.okta.com/sso\x7f", "control characters"),
    ],
)
def test_configure_sso_refuses_oversized_or_control_character_values(
    accounts: JustCall, idp_keys: object, field: str, value: str, message: str
) -> None:
    """Bad input writes nothing; SAML core 8.3.6 caps entity IDs at 1024 characters."""
    before = accounts.sso_settings(SLUG)
    values = {"idp_sso_url": IDP_SSO_URL, "idp_issuer": IDP_ISSUER} | {field: value}
    result = accounts.configure_sso(SLUG, certificate=idp_keys.cert_pem, **values)  # type: ignore[attr-defined]
    assert any(message in error for error in result.errors), result.errors
    assert accounts.sso_settings(SLUG) == before


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("agent@acme.example", True),
        ("first.last+tag@acme.example", True),
        ("x" * 65 + "@acme.example", False),
        ("agent@" + "a" * 320 + ".example", False),
        ("agent\x00@acme.example", False),
        ("<script>@acme.example", False),
        ("agent@acme", False),
        ("a b@acme.example", False),
    ],
)
def test_company_email_shape(email: str, ok: bool) -> None:
    assert company_email_ok(email) is ok


def test_malformed_company_email_stores_no_authn_request(client: FlaskClient) -> None:
    answer = client.post("/login/sso", data={"email": "x" * 5000 + "@acme.example"})
    assert answer.status_code == 400
    with get_db(client.application).session() as session:
        assert session.query(AuthnRequestRecord).count() == 0
