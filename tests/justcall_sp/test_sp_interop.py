"""Check the SP's pipeline against a real Okta response (third-party data in ../shared/interop; skips if absent)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography import x509

from justcall_sp.acs.pipeline import Expectations, Findings, decode_input, validate_response
from justcall_sp.acs.reasons import Reject
from justcall_sp.acs.subject import PendingRequest
from saml_harness.data import okta_interop_dir

pytestmark = pytest.mark.interop

OKTA = okta_interop_dir()
ISSUE_INSTANT = datetime(2016, 7, 25, 23, 20, 30, tzinfo=UTC)
REQUEST_ID = "_15f66d2d-628b-4d9b-a99e-089d8da862e1"


class _Lookups:
    def pending_request(self, request_id: str) -> PendingRequest | None:
        if request_id != REQUEST_ID:
            return None
        return PendingRequest(request_id, "acme", "login", datetime(2016, 7, 25, 23, 25, tzinfo=UTC), False, "/")

    def assertion_seen(self, assertion_id: str) -> bool:
        return False


def _expect(now: datetime) -> Expectations:
    certificate = x509.load_pem_x509_certificate((OKTA / "okta_cert.pem").read_bytes())
    return Expectations(
        account_slug="acme",
        acs_url="http://localhost:8080/v1/_saml_callback",
        entity_id='"123"',
        idp_issuer="http://www.okta.com/exk659aytfMeNI49v0h7",
        certificate=certificate,
        allow_idp_initiated=False,
        now=now,
    )


@pytest.fixture
def okta_xml() -> bytes:
    if not (OKTA / "okta_response.xml").exists():
        pytest.skip("shared/interop/okta is not present")
    return (OKTA / "okta_response.xml").read_bytes()


def test_real_okta_response_passes_every_protocol_check(okta_xml: bytes) -> None:
    import base64

    xml, root = decode_input([base64.b64encode(okta_xml).decode()], 256 * 1024)
    findings = Findings()
    with pytest.raises(Reject) as refused:
        validate_response(xml, root, _expect(ISSUE_INSTANT), _Lookups(), findings)
    # Signatures (both, with InclusiveNamespaces PrefixList="xs"), Issuer, bearer confirmation, InResponseTo,
    # Conditions, Audience and AuthnStatement all pass; the sample only lacks the article's attributes.
    assert refused.value.reason == "attributes.missing"
    assert refused.value.user_detail == "Attributes missing: email, firstName, lastName"
    assert findings.in_response_to == REQUEST_ID
    assert findings.assertion_id == "id12433943338016269283631347"


def test_real_okta_response_is_refused_today_because_its_certificate_expired(okta_xml: bytes) -> None:
    import base64

    xml, root = decode_input([base64.b64encode(okta_xml).decode()], 256 * 1024)
    with pytest.raises(Reject) as refused:
        validate_response(xml, root, _expect(datetime(2026, 6, 1, tzinfo=UTC)), _Lookups(), Findings())
    assert refused.value.reason == "certificate.expired"
