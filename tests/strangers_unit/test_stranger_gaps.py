"""Pin where python3-saml 1.16.0 (strict) judges differently from the bundled JustCall SP, measured, not assumed.

These are the stranger's real verdicts that its expectations file records: if python3-saml changes, these fail and
the expectations must be re-measured. The JustCall reason code in each id is what the bundled SP answers to the same
fault plan (measured with the same plans against ``saml_harness.deploy.wiring.start_deployment``).
"""

from __future__ import annotations

import pytest
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from stranger_support import EMAIL, Stranger, post_to_acs, posted_saml_response

from mock_idp.faults import FaultPlan, Op
from saml_harness.agent.flows import idp_initiated, sp_initiated
from saml_harness.agent.user_agent import UserAgent

SCD = "saml2:Assertion/saml2:Subject/saml2:SubjectConfirmation/saml2:SubjectConfirmationData"

ACCEPTED_BY_PYTHON3_SAML = {
    # Destination: python3-saml checks only that Destination *starts with* the URL the post arrived at, and only
    # when the attribute is present (JustCall: exact match, required).
    "destination-suffix/destination.mismatch": [Op("set_destination", {"value": "{acs_url}/extra"})],
    "destination-trailing-slash/destination.mismatch": [Op("set_destination", {"value": "{acs_url}/"})],
    "destination-query/destination.mismatch": [Op("set_destination", {"value": "{acs_url}?x=1"})],
    "destination-missing/destination.missing": [Op("remove_destination")],
    # Recipient: python3-saml tests `current_url in Recipient` (a substring), and skips it when absent.
    "recipient-contains-acs/recipient.mismatch": [Op("set_recipient", {"value": "https://evil.example/?r={acs_url}"})],
    "recipient-suffix/recipient.mismatch": [Op("set_recipient", {"value": "{acs_url}/extra"})],
    "recipient-missing/recipient.mismatch": [Op("set_attr", {"xpath": SCD, "attr": "Recipient", "value": None})],
    # Audience: checked only if an AudienceRestriction exists (profiles 4.1.4.2 says it MUST).
    "no-audience-restriction/audience.mismatch": [
        Op("remove_element", {"xpath": "saml2:Assertion/saml2:Conditions/saml2:AudienceRestriction"})
    ],
    # Bearer SubjectConfirmationData: NotBefore is tolerated (MUST NOT be present), NotOnOrAfter is optional.
    "scd-not-before/subject_confirmation.invalid": [
        Op("set_time", {"target": "subject_confirmation", "attr": "NotBefore", "offset_seconds": -60})
    ],
    "scd-no-not-on-or-after/subject_confirmation.invalid": [
        Op("set_attr", {"xpath": SCD, "attr": "NotOnOrAfter", "value": None})
    ],
    # Conditions window: python3-saml allows 300 s of clock drift, JustCall 90 s.
    "conditions-expired-200s/conditions.expired": [
        Op("set_time", {"target": "conditions", "attr": "NotOnOrAfter", "offset_seconds": -200})
    ],
    "conditions-not-yet-valid-200s/conditions.not_yet_valid": [
        Op("set_time", {"target": "conditions", "attr": "NotBefore", "offset_seconds": 200})
    ],
    # A signed Response without its own Issuer (profiles 4.1.4.2: MUST be present when signed).
    "response-issuer-missing/issuer.missing": [Op("remove_issuer", {"target": "response"})],
    # No email attribute: this SP falls back to the NameID as the brief says (JustCall requires it).
    "email-attribute-missing/attributes.missing": [Op("remove_attribute", {"name": "email"})],
}

REFUSED_BY_PYTHON3_SAML_ONLY = {
    # No drift at all on the bearer confirmation's NotOnOrAfter (JustCall allows 90 s).
    "scd-expired-60s": (
        [Op("set_time", {"target": "subject_confirmation", "attr": "NotOnOrAfter", "offset_seconds": -60})],
        "A valid SubjectConfirmation was not found on this Response",
    ),
    # SessionNotOnOrAfter is enforced at login (JustCall ignores it).
    "session-not-on-or-after-past": (
        [Op("set_time", {"target": "authn_statement", "attr": "SessionNotOnOrAfter", "offset_seconds": -10})],
        "The attributes have expired, based on the SessionNotOnOrAfter of the AttributeStatement of this Response",
    ),
}


@pytest.mark.parametrize("ops", ACCEPTED_BY_PYTHON3_SAML.values(), ids=ACCEPTED_BY_PYTHON3_SAML.keys())
def test_python3_saml_accepts_what_justcall_refuses(stranger: Stranger, ua: UserAgent, ops: list[Op]) -> None:
    """Each of these validly signed responses is accepted by the stranger (strict) and refused by JustCall."""
    stranger.okta.org.set_next_login_plan(EMAIL, FaultPlan(pre_sign=tuple(ops)))
    outcome = sp_initiated(ua, stranger.target, stranger.credentials)
    assert outcome.accepted, outcome.sp_error_detail
    assert outcome.identity == EMAIL


@pytest.mark.parametrize(
    ("ops", "detail"), REFUSED_BY_PYTHON3_SAML_ONLY.values(), ids=REFUSED_BY_PYTHON3_SAML_ONLY.keys()
)
def test_python3_saml_refuses_what_justcall_accepts(
    stranger: Stranger, ua: UserAgent, ops: list[Op], detail: str
) -> None:
    """Each of these is accepted by JustCall but refused by python3-saml, with this reason."""
    stranger.okta.org.set_next_login_plan(EMAIL, FaultPlan(pre_sign=tuple(ops)))
    outcome = sp_initiated(ua, stranger.target, stranger.credentials)
    assert not outcome.accepted
    assert outcome.sp_error_detail == detail


@pytest.mark.parametrize("kind", ["expired", "not_yet_valid"])
def test_python3_saml_ignores_certificate_validity_dates(stranger: Stranger, ua: UserAgent, kind: str) -> None:
    """The trusted certificate's dates are not checked (validatecert=False); JustCall says certificate.expired."""
    org = stranger.okta.org
    key = org.add_key(stranger.app.id, org.special_credential(kind))
    org.activate_key(stranger.app.id, key.kid)
    stranger.write_metadata()
    outcome = sp_initiated(ua, stranger.target, stranger.credentials)
    assert outcome.accepted, outcome.sp_error_detail


def test_python3_saml_has_no_replay_cache(stranger: Stranger, ua: UserAgent) -> None:
    """The library alone validates one response any number of times: the stranger's own cache is what refuses it."""
    stranger.sp.allow_unsolicited = True
    assert idp_initiated(ua, stranger.target, stranger.idp, stranger.credentials).accepted
    saml_response, _ = posted_saml_response(ua, stranger.sp.acs_url)
    settings = OneLogin_Saml2_Settings(stranger.sp.settings())
    host = stranger.url.removeprefix("http://")
    request_data = {"https": "off", "http_host": host, "script_name": "/acs", "post_data": {}, "get_data": {}}
    verdicts = [OneLogin_Saml2_Response(settings, saml_response).is_valid(request_data) for _ in range(3)]
    assert verdicts == [True, True, True]
    replay = post_to_acs(stranger.sp.acs_url, {"SAMLResponse": saml_response})
    assert replay.status == 403
    assert "already used (replay)" in (replay.find_text("sso-error-detail") or "")
