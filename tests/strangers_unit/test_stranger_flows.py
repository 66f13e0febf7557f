"""Drive real logins from the mock Okta org into the stranger SP with the harness's protocol user agent."""

from __future__ import annotations

from stranger_support import EMAIL, Stranger, post_to_acs, posted_saml_response

from mock_idp.faults import FaultPlan, Op
from saml_harness.agent.flows import continue_flow, idp_initiated, sp_initiated
from saml_harness.agent.user_agent import UserAgent


def arm(stranger: Stranger, plan: FaultPlan) -> None:
    """Make the mock IdP's next response for our user deviate as ``plan`` says."""
    stranger.okta.org.set_next_login_plan(EMAIL, plan)


def test_sp_initiated_login_signs_in_and_lands_on_next(stranger: Stranger, ua: UserAgent) -> None:
    """The happy path must work, or every refusal below would prove nothing."""
    outcome = sp_initiated(ua, stranger.target, stranger.credentials, next_path="/whoami?from=test")
    assert outcome.accepted, ua.trace.render()
    assert outcome.identity == EMAIL
    assert outcome.final_url == f"{stranger.url}/whoami?from=test"
    me = ua.request("GET", f"{stranger.url}/whoami").json()
    assert isinstance(me, dict)
    assert me["attributes"]["firstName"] == ["Sam"]
    home = ua.get(f"{stranger.url}/")
    assert home.find_text("signed-in-as") == EMAIL


def test_relay_state_off_site_lands_home(stranger: Stranger, ua: UserAgent) -> None:
    """An absolute next/RelayState must not turn the ACS into an open redirect."""
    outcome = sp_initiated(ua, stranger.target, stranger.credentials, next_path="https://evil.example/steal")
    assert outcome.accepted
    assert outcome.final_url == f"{stranger.url}/"


def test_idp_initiated_refused_unless_allowed(stranger: Stranger, ua: UserAgent) -> None:
    """python3-saml accepts unsolicited responses by default; this SP must refuse them without the flag."""
    outcome = idp_initiated(ua, stranger.target, stranger.idp, stranger.credentials)
    assert not outcome.accepted
    assert outcome.final_status == 403
    assert outcome.sp_error == "SSO failed"
    assert "unsolicited" in (outcome.sp_error_detail or "")


def test_idp_initiated_accepted_when_allowed(stranger: Stranger, ua: UserAgent) -> None:
    """With --allow-unsolicited the Okta tile must sign the user in."""
    stranger.sp.allow_unsolicited = True
    outcome = idp_initiated(ua, stranger.target, stranger.idp, stranger.credentials)
    assert outcome.accepted, ua.trace.render()
    assert outcome.identity == EMAIL
    assert outcome.final_url == f"{stranger.url}/"


def test_replayed_sp_initiated_response_refused(stranger: Stranger, ua: UserAgent) -> None:
    """A captured response posted again from another browser must not open a second session."""
    assert sp_initiated(ua, stranger.target, stranger.credentials).accepted
    saml_response, relay_state = posted_saml_response(ua, stranger.sp.acs_url)
    attacker = UserAgent()
    page = attacker.request("POST", stranger.sp.acs_url, {"SAMLResponse": saml_response, "RelayState": relay_state})
    assert page.status == 403
    assert "already used (replay)" in (page.find_text("sso-error-detail") or "")
    assert attacker.request("GET", f"{stranger.url}/whoami").status == 401


def test_replayed_unsolicited_response_refused(stranger: Stranger, ua: UserAgent) -> None:
    """With no AuthnRequest to consume, only the replay cache stops an IdP-initiated replay."""
    stranger.sp.allow_unsolicited = True
    assert idp_initiated(ua, stranger.target, stranger.idp, stranger.credentials).accepted
    saml_response, _ = posted_saml_response(ua, stranger.sp.acs_url)
    page = post_to_acs(stranger.sp.acs_url, {"SAMLResponse": saml_response})
    assert page.status == 403
    assert "already used (replay)" in (page.find_text("sso-error-detail") or "")


def test_second_response_to_one_request_refused(stranger: Stranger, ua: UserAgent) -> None:
    """Each AuthnRequest is answered once: a fresh assertion for an answered request is refused too."""
    assert sp_initiated(ua, stranger.target, stranger.credentials).accepted
    first, _ = posted_saml_response(ua, stranger.sp.acs_url)
    to_idp = next(h.url for h in ua.trace.hops if "SAMLRequest=" in h.url and h.url.startswith(stranger.okta.url))
    page = continue_flow(ua, ua.get(to_idp), stranger.credentials)
    second, _ = posted_saml_response(ua, stranger.sp.acs_url)
    assert second != first
    assert page.status == 403
    assert "was already answered" in (page.find_text("sso-error-detail") or "")


def test_unknown_in_response_to_refused(stranger: Stranger, ua: UserAgent) -> None:
    """A response answering a request this SP never sent is refused, even when unsolicited ones are allowed."""
    stranger.sp.allow_unsolicited = True
    arm(stranger, FaultPlan(pre_sign=(Op("set_in_response_to", {"value": "id-not-ours"}),)))
    outcome = sp_initiated(ua, stranger.target, stranger.credentials)
    assert not outcome.accepted
    assert "'id-not-ours' is not an AuthnRequest this SP issued" in (outcome.sp_error_detail or "")


def test_tampered_response_refused(stranger: Stranger, ua: UserAgent) -> None:
    """Changing the signed NameID after signing must break the signature python3-saml checks."""
    xpath = ".//saml2:Subject/saml2:NameID"
    arm(stranger, FaultPlan(post_sign=(Op("tamper_text_after_sign", {"xpath": xpath, "value": "eve@acme.example"}),)))
    outcome = sp_initiated(ua, stranger.target, stranger.credentials)
    assert not outcome.accepted
    assert outcome.final_status == 403
    assert outcome.sp_error_detail == "Signature validation failed. SAML Response rejected"
    # What the SP said is kept on the outcome and its trace, for the report and repro.
    assert outcome.sp_status == 403
    assert outcome.sp_said == "SSO failed: Signature validation failed. SAML Response rejected"
    acs_answer = next(hop for hop in outcome.trace.hops if hop.url == stranger.sp.acs_url)
    assert acs_answer.note.startswith("SP refused: HTTP 403: SSO failed: Signature validation failed")


def test_wrong_audience_refused(stranger: Stranger, ua: UserAgent) -> None:
    """An assertion for another SP (validly signed) must be refused on its Audience."""
    arm(stranger, FaultPlan(pre_sign=(Op("set_audience", {"value": "https://other.example/sp"}),)))
    outcome = sp_initiated(ua, stranger.target, stranger.credentials)
    assert not outcome.accepted
    assert outcome.sp_error_detail == f"{stranger.sp.entity_id} is not a valid audience for this Response"


def test_no_strict_accepts_wrong_audience(stranger: Stranger, ua: UserAgent) -> None:
    """--no-strict must really switch python3-saml's protocol checks off (only signatures remain)."""
    stranger.sp.strict = False
    arm(stranger, FaultPlan(pre_sign=(Op("set_audience", {"value": "https://other.example/sp"}),)))
    assert sp_initiated(ua, stranger.target, stranger.credentials).accepted


def test_sha1_signature_refused(stranger: Stranger, ua: UserAgent) -> None:
    """rejectDeprecatedAlgorithm is on: an RSA-SHA1 signature is refused."""
    arm(stranger, FaultPlan(signing={"algorithm": "RSA_SHA1"}))
    outcome = sp_initiated(ua, stranger.target, stranger.credentials)
    assert not outcome.accepted
    assert (outcome.sp_error_detail or "").startswith("Deprecated signature algorithm found")


def test_response_signed_only_refused(stranger: Stranger, ua: UserAgent) -> None:
    """wantAssertionsSigned is on: Okta's "Response only" signing option is refused by this SP."""
    arm(stranger, FaultPlan(signing={"assertion_signed": False}))
    outcome = sp_initiated(ua, stranger.target, stranger.credentials)
    assert not outcome.accepted
    assert outcome.sp_error_detail == "The Assertion of the Response is not signed and the SP require it"


def test_metadata_file_is_reread_on_each_login(stranger: Stranger) -> None:
    """After a key rotation the SP must follow the metadata file the harness rewrites, without a restart."""
    org = stranger.okta.org
    org.activate_key(stranger.app.id, org.generate_key(stranger.app.id).kid)
    stale = sp_initiated(UserAgent(), stranger.target, stranger.credentials)
    assert not stale.accepted
    assert stale.sp_error_detail == "Signature validation failed. SAML Response rejected"
    stranger.write_metadata()
    assert sp_initiated(UserAgent(), stranger.target, stranger.credentials).accepted


def test_logout_ends_the_session(stranger: Stranger, ua: UserAgent) -> None:
    """POST /logout must clear the session cookie's identity."""
    assert sp_initiated(ua, stranger.target, stranger.credentials).accepted
    page = ua.request("POST", f"{stranger.url}/logout")
    assert page.status == 303
    assert ua.request("GET", f"{stranger.url}/whoami").status == 401
    assert ua.get(f"{stranger.url}/").find_text("signed-in-as") is None
