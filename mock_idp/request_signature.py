"""The app's "Signed Requests" settings: the SP's Signature Certificate that validates its signed requests.

Okta validates an SP's signed AuthnRequests (and, with Single Logout, its LogoutRequests) with the certificate the
admin uploaded as "Signature Certificate"; with "Signed Requests" on, an unsigned request is refused.
"""

from __future__ import annotations

from cryptography import x509

from mock_idp.encryption import load_certificate
from mock_idp.model import SamlApp

SIGNATURE_CERTIFICATE = "signature certificate"


def load_signature_certificate(pem: str) -> x509.Certificate:
    """Parse the uploaded Signature Certificate; ``ValueError`` with a readable message if it is not one."""
    return load_certificate(pem, SIGNATURE_CERTIFICATE)


def check_signature_settings(app: SamlApp) -> None:
    """Refuse an app Okta would refuse: a bad Signature Certificate, or Signed Requests on without one."""
    if app.signature_certificate:
        load_signature_certificate(app.signature_certificate)
    elif app.request_signed:
        raise ValueError("Signed Requests is on but no signature certificate was uploaded")
