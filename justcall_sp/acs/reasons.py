"""Name every way the ACS can refuse a response: reason code, the category users see, the HTTP status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

INVALID: Final = "Invalid SAML response"
ATTRIBUTES_MISSING: Final = "Attributes missing"
CERTIFICATE_ERROR: Final = "Certificate error"


@dataclass(frozen=True)
class Reason:
    """One way the ACS (or Sign in with SSO) refuses: its code, what it means, the category users see."""

    code: str
    meaning: str
    category: str = INVALID


REASONS: Final[dict[str, Reason]] = {
    reason.code: reason
    for reason in (
        # Input (HTTP 400): what arrived is not a SAML Response at all.
        Reason("input.missing", "no SAMLResponse form field in the POST body"),
        Reason("input.ambiguous", "SAMLResponse in the query string, or more than one SAMLResponse field"),
        Reason("input.too_large", "SAMLResponse is larger than the SP accepts"),
        Reason("input.base64", "SAMLResponse is not valid base64"),
        Reason("input.not_xml", "not well-formed XML, or NUL bytes in it"),
        Reason("input.dtd", "a DTD or entity declaration (refused outright: XXE, billion laughs)"),
        # The Response envelope (SAML core 3.2, profiles 4.1.4.3).
        Reason("response.invalid", "the root is not a samlp:Response of Version 2.0 with an ID"),
        Reason("response.duplicate_id", "an ID declared more than once (signature wrapping needs two)"),
        Reason("status.not_success", "the IdP answered with a non-Success status"),
        Reason("destination.missing", "the Response has no Destination (required here; Bindings 3.5.5.2)"),
        Reason("destination.mismatch", "Destination is not this ACS URL"),
        Reason("issuer.response.mismatch", "the Response Issuer is not the configured Okta Issuer"),
        Reason("assertion.count", "not exactly one Assertion (or EncryptedAssertion), or not a direct child"),
        Reason("assertion.invalid", "the Assertion lacks ID or Version 2.0"),
        # Encrypted assertions (acs/encryption.py): Encrypt assertions on or off, then decryption.
        Reason("encryption.not_enabled", "an EncryptedAssertion while Encrypt assertions is off"),
        Reason("encryption.required", "a plaintext Assertion while Encrypt assertions is on"),
        Reason("encryption.algorithm", "a data cipher JustCall does not decrypt (only AES256-CBC, AES256-GCM)"),
        Reason("encryption.key_transport", "key transport other than RSA-OAEP (RSA1.5 is refused by policy)"),
        Reason(
            "encryption.decrypt_failed",
            "cannot decrypt with JustCall's key (Okta has an old certificate), or damaged ciphertext: one reason",
            CERTIFICATE_ERROR,
        ),
        Reason("encryption.invalid", "malformed EncryptedData or EncryptedKey, or an external RetrievalMethod"),
        Reason("encryption.assertion_count", "the EncryptedData holds something other than exactly one Assertion"),
        # Signatures (SAML core 5, xmldsig).
        Reason("signature.missing", "neither the Response nor the Assertion is signed"),
        Reason("signature.invalid", "a signature does not verify, or does not cover what it must"),
        Reason(
            "signature.algorithm", "an algorithm or transform outside the policy (RSA-SHA1 and SHA-1 digests included)"
        ),
        Reason("signature.untrusted_key", "signed by a key other than the configured certificate's", CERTIFICATE_ERROR),
        Reason("certificate.expired", "the configured certificate has expired", CERTIFICATE_ERROR),
        Reason("certificate.not_yet_valid", "the configured certificate is not valid yet", CERTIFICATE_ERROR),
        # The Assertion (SAML core 2.3-2.7, profiles 4.1.4.2).
        Reason("issuer.missing", "the Assertion has no Issuer"),
        Reason("issuer.assertion.mismatch", "the Assertion Issuer is not the configured one, or not of entity format"),
        Reason("subject_confirmation.missing", "no Subject, bearer SubjectConfirmation or SubjectConfirmationData"),
        Reason(
            "subject_confirmation.invalid", "SubjectConfirmationData NotOnOrAfter missing or malformed, or NotBefore"
        ),
        Reason("subject_confirmation.expired", "SubjectConfirmationData NotOnOrAfter has passed"),
        Reason("recipient.mismatch", "Recipient is not this ACS URL"),
        Reason("in_response_to.unknown", "InResponseTo names no request of this account, or one already answered"),
        Reason("in_response_to.mismatch", "the Response's InResponseTo differs from the Assertion's"),
        Reason(
            "unsolicited.not_allowed",
            "an IdP-initiated response to an account that disallows it",
            "Sign-in from Okta is disabled for your account; use Sign in with SSO",
        ),
        Reason("replay.detected", "this Assertion ID was already used"),
        Reason("conditions.invalid", "more than one Conditions, or NotBefore not before NotOnOrAfter"),
        Reason("conditions.not_yet_valid", "Conditions NotBefore is in the future (beyond the clock skew)"),
        Reason("conditions.expired", "Conditions NotOnOrAfter has passed (beyond the clock skew)"),
        Reason("audience.mismatch", "no AudienceRestriction naming this SP's Entity ID"),
        Reason("authn_statement.missing", "the Assertion has no AuthnStatement"),
        Reason("authn_statement.invalid", "SessionNotOnOrAfter is not an xs:dateTime"),
        Reason("authn_statement.session_expired", "SessionNotOnOrAfter has passed"),
        # Identity: the help article's attribute statements email, firstName, lastName.
        Reason("subject.nameid_missing", "the Subject has no NameID, or an empty one"),
        Reason("subject.malformed", "markup where only text belongs (NameID, attribute values)"),
        Reason("subject.email_mismatch", "an emailAddress NameID differs from the email attribute"),
        Reason("attributes.missing", "email, firstName or lastName is not sent", ATTRIBUTES_MISSING),
        # Account rules: the JustCall account the user signs in to.
        Reason(
            "account.sso_disabled",
            "SSO is off or not configured for the account",
            "SSO is not enabled for your account",
        ),
        Reason("account.plan", "the account's plan has no SSO", "SSO requires the JustCall Business plan"),
        Reason(
            "account.domain_unverified",
            "the user's email domain is the account's but not verified",
            "Your email domain is not verified for SSO",
        ),
        Reason(
            "account.domain_mismatch",
            "the user's email domain or user belongs to another account",
            "Your email domain does not belong to this account",
        ),
        # Single Logout (justcall_sp/slo): Okta's LogoutRequest or LogoutResponse (signatures use the codes above).
        Reason("slo.disabled", "a logout message while Single Logout is off or not set up"),
        Reason("slo.invalid", "not a LogoutRequest/LogoutResponse with ID and Version 2.0, or no NameID"),
        Reason("slo.issuer_mismatch", "the logout message's Issuer is not the configured Okta Issuer"),
        Reason("slo.destination_mismatch", "the logout message's Destination is not JustCall's SLO URL"),
        Reason("slo.expired", "the LogoutRequest's NotOnOrAfter has passed"),
        Reason("slo.replay", "a LogoutRequest ID already acted on"),
        Reason("slo.in_response_to_unknown", "a LogoutResponse that answers no pending logout request"),
        Reason("slo.unknown_principal", "a LogoutRequest naming nobody in this JustCall account"),
    )
}
"""Every reason code the SP can log, in pipeline order; a test finds each code used in ``justcall_sp`` here."""

CATEGORY_BY_REASON: Final[dict[str, str]] = {code: r.category for code, r in REASONS.items() if r.category != INVALID}
"""Categories other than the default "Invalid SAML response" (the help article's troubleshooting rows)."""


GENERIC_USER_DETAIL: Final = (
    "JustCall could not sign you in with SSO. Ask your JustCall administrator to check the SSO activity log "
    "for the reference below."
)


def category_for(reason: str) -> str:
    """Return the user-facing category of ``reason`` (never the reason code itself)."""
    return CATEGORY_BY_REASON.get(reason, INVALID)


def http_status_for(reason: str) -> int:
    """Return 400 for malformed input (``input.*``) and 403 for a well-formed response the SP refuses."""
    return 400 if reason.startswith("input.") else 403


class Reject(Exception):
    """Refuse the response: ``reason`` and ``detail`` go to the activity log, ``user_detail`` to the page."""

    def __init__(self, reason: str, detail: str, user_detail: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.user_detail = user_detail or GENERIC_USER_DETAIL

    @property
    def category(self) -> str:
        return category_for(self.reason)

    @property
    def http_status(self) -> int:
        return http_status_for(self.reason)
