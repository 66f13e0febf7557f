"""Name every way the ACS can refuse a response: reason code, the category users see, the HTTP status."""

from __future__ import annotations

from typing import Final

INVALID: Final = "Invalid SAML response"
ATTRIBUTES_MISSING: Final = "Attributes missing"
CERTIFICATE_ERROR: Final = "Certificate error"

CATEGORY_BY_REASON: Final[dict[str, str]] = {
    "attributes.missing": ATTRIBUTES_MISSING,
    "certificate.expired": CERTIFICATE_ERROR,
    "certificate.not_yet_valid": CERTIFICATE_ERROR,
    "signature.untrusted_key": CERTIFICATE_ERROR,
    "account.sso_disabled": "SSO is not enabled for your account",
    "account.plan": "SSO requires the JustCall Business plan",
    "account.domain_unverified": "Your email domain is not verified for SSO",
    "account.domain_mismatch": "Your email domain does not belong to this account",
    "unsolicited.not_allowed": "Sign-in from Okta is disabled for your account; use Sign in with SSO",
    # Encrypted assertions: a key or certificate mismatch is the article's "Certificate error" row.
    "encryption.decrypt_failed": CERTIFICATE_ERROR,
}
"""Categories other than the default "Invalid SAML response" (the help article's troubleshooting rows)."""

ENCRYPTION_REASONS: Final = (
    "encryption.not_enabled",  # EncryptedAssertion while Encrypt assertions is off
    "encryption.required",  # plaintext Assertion while Encrypt assertions is on
    "encryption.algorithm",  # a data cipher JustCall does not decrypt (only AES256-CBC, AES256-GCM)
    "encryption.key_transport",  # RSA1.5 (policy) or another key transport than RSA-OAEP
    "encryption.decrypt_failed",  # wrong key (old certificate in Okta), damaged ciphertext: one reason for all
    "encryption.invalid",  # malformed EncryptedData/EncryptedKey, external RetrievalMethod
    "encryption.assertion_count",  # the EncryptedData holds something other than exactly one Assertion
)
"""Reason codes of the decryption step (``justcall_sp/acs/encryption.py``), all "Invalid SAML response" but one."""

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
