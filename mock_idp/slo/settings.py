"""Okta's rules for "Enable Single Logout": a Single Logout URL, an SP Issuer and the Signature Certificate."""

from __future__ import annotations

from mock_idp.model import SamlApp

SLO_URL_REQUIRED = "Single Logout URL is required when Single Logout is enabled"
SP_ISSUER_REQUIRED = "SP Issuer is required when Single Logout is enabled"
CERTIFICATE_REQUIRED = "Upload the signature certificate of the service provider to enable Single Logout"


def slo_errors(enabled: bool, slo_url: str, sp_issuer: str, signature_certificate: str) -> dict[str, str]:
    """Return field -> message for an "Enable Single Logout" Okta would refuse (nothing is checked when off)."""
    if not enabled:
        return {}
    errors: dict[str, str] = {}
    if not slo_url.strip():
        errors["slo_url"] = SLO_URL_REQUIRED
    elif not slo_url.startswith(("http://", "https://")):
        errors["slo_url"] = "Single Logout URL must be an absolute http(s) URL"
    if not sp_issuer.strip():
        errors["sp_issuer"] = SP_ISSUER_REQUIRED
    # Okta verifies the SP's LogoutRequests with this certificate, so SLO cannot be on without it.
    if not signature_certificate.strip():
        errors["signature_certificate"] = CERTIFICATE_REQUIRED
    return errors


def check_slo_settings(app: SamlApp) -> None:
    """Refuse an app whose Single Logout settings Okta would refuse (``ValueError`` naming the first problem)."""
    errors = slo_errors(app.slo_enabled, app.slo_url, app.sp_issuer, app.signature_certificate)
    if errors:
        raise ValueError(next(iter(errors.values())))
