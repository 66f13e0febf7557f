"""Build what the Configure SAML form needs to render, shared by the wizard and the General tab's edit page."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import request

from mock_idp.admin import saml_form
from mock_idp.admin.choices import (
    APPLICATION_USERNAMES,
    ATTRIBUTE_NAME_FORMATS,
    DIGEST_ALGORITHMS,
    NAME_ID_FORMATS,
    SIGNATURE_ALGORITHMS,
)
from mock_idp.admin.console import current_admin
from mock_idp.admin.preview import preview_assertion
from mock_idp.admin.records import GROUP_FILTERS
from mock_idp.admin.saml_form import SamlSettings
from mock_idp.encryption import ENCRYPTION_LABELS, KEY_TRANSPORT_LABELS, load_certificate
from mock_idp.idp_session import current_org

ADVANCED_FIELDS = (
    "signing",
    "response",
    "assertion_signature",
    "signature_algorithm",
    "digest_algorithm",
    "honor_force_authn",
    "issuer",
    "assertion_encryption",
    "encryption_algorithm",
    "key_transport_algorithm",
    "encryption_certificate",
    "signature_certificate",
    "request_signed",
    "slo_enabled",
    "slo_url",
    "sp_issuer",
)

MAX_CERTIFICATE_BYTES = 64 * 1024
"""A certificate file larger than this is refused unread."""


CERTIFICATE_UPLOADS = ("encryption_certificate", "signature_certificate")
"""Certificate fields uploaded as ``<field>_file`` and kept across edits in a hidden ``<field>``."""


def submitted_settings() -> SamlSettings:
    """Read the Configure SAML form from the request; an uploaded certificate replaces the kept one."""
    data = request.form.to_dict(flat=False)
    for field in CERTIFICATE_UPLOADS:
        upload = request.files.get(f"{field}_file")
        if upload is not None and upload.filename:
            data[field] = [certificate_text(upload.stream.read(MAX_CERTIFICATE_BYTES + 1))]
    return saml_form.from_form(data)


def certificate_text(raw: bytes) -> str:
    """Return an uploaded certificate as PEM text (DER converted); anything else comes back for validation to refuse."""
    if len(raw) > MAX_CERTIFICATE_BYTES:
        return "(file too large)"
    if raw.lstrip().startswith(b"-----BEGIN"):
        return raw.decode("ascii", errors="replace")
    try:
        return x509.load_der_x509_certificate(raw).public_bytes(serialization.Encoding.PEM).decode("ascii")
    except ValueError:
        return "(not a certificate)"


def certificate_summary(pem: str) -> str:
    """Describe a stored SP certificate for the form (subject and expiry), or "" when there is none."""
    if not pem:
        return ""
    try:
        certificate = load_certificate(pem)
    except ValueError:
        return ""
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    subject = f"CN={names[0].value!s}" if names else certificate.subject.rfc4514_string()
    return f"{subject}, expires {certificate.not_valid_after_utc:%Y-%m-%d}"


def form_context(
    settings: SamlSettings,
    errors: dict[str, str] | None = None,
    *,
    label: str = "",
    external_key: str | None = None,
    preview: bool = False,
    extra_attributes: int = 0,
    extra_groups: int = 0,
) -> dict[str, Any]:
    """Return the template values: padded rows, choices, errors, and the Assertion preview when asked and valid."""
    errors = errors or {}
    xml = None
    if preview and not errors:
        app = saml_form.draft_app(settings, label, external_key)
        xml = preview_assertion(app, current_admin().user, current_org().clock())
    return {
        "s": saml_form.display_rows(settings, extra_attributes, extra_groups),
        "errors": errors,
        "preview": xml,
        "open_advanced": any(key in errors for key in ADVANCED_FIELDS),
        "default_issuer": (
            saml_form.default_issuer(external_key) if external_key else saml_form.DEFAULT_ISSUER_TEMPLATE
        ),
        "name_id_formats": [(label_, label_) for label_ in NAME_ID_FORMATS],
        "application_usernames": list(APPLICATION_USERNAMES.items()),
        "signed_choices": [(v, v) for v in (saml_form.SIGNED, saml_form.UNSIGNED_LABEL)],
        "signature_algorithms": list(SIGNATURE_ALGORITHMS.items()),
        "digest_algorithms": list(DIGEST_ALGORITHMS.items()),
        "yes_no": [(v, v) for v in (saml_form.YES, saml_form.NO)],
        "attribute_formats": [(label_, label_) for label_ in ATTRIBUTE_NAME_FORMATS],
        "group_filters": list(GROUP_FILTERS.items()),
        "encryption_choices": [(v, v) for v in (saml_form.UNENCRYPTED, saml_form.ENCRYPTED)],
        "encryption_algorithms": list(ENCRYPTION_LABELS.items()),
        "key_transport_algorithms": list(KEY_TRANSPORT_LABELS.items()),
        "encryption_certificate_summary": certificate_summary(settings.encryption_certificate),
        "signature_certificate_summary": certificate_summary(settings.signature_certificate),
    }
