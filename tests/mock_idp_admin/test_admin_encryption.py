"""Assertion Encryption in the Admin Console (Show Advanced Settings, certificate upload) and the Admin API."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from admin_support import (
    api,
    post_saml_settings,
    saml_app_body,
    start_wizard,
    text,
    wizard_finish,
    wizard_general,
)
from cryptography.hazmat.primitives.serialization import Encoding
from flask.testing import FlaskClient

from mock_idp.keys import Credential, make_credential
from mock_idp.model import SamlApp
from mock_idp.org import Org


@pytest.fixture(scope="module")
def sp_certificate() -> Credential:
    """JustCall's encryption certificate (what its settings page offers for download)."""
    return make_credential("justcall-encryption", datetime(2026, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


def _base(app: SamlApp) -> str:
    return f"/admin/app/{app.name}/instance/{app.id}"


def _post_edit(client: FlaskClient, app: SamlApp, upload: tuple[bytes, str] | None, **fields: str) -> object:
    return _post_saml(client, f"{_base(app)}/edit-saml", upload, action="save", **fields)


def _post_saml(client: FlaskClient, path: str, upload: tuple[bytes, str] | None, **fields: str) -> object:
    return post_saml_settings(client, path, "encryption_certificate_file", upload, **fields)


def test_console_uploads_the_certificate_and_switches_encryption_on(
    admin_client: FlaskClient, justcall: SamlApp, org: Org, sp_certificate: Credential
) -> None:
    response = _post_edit(
        admin_client,
        justcall,
        (sp_certificate.cert_pem, "justcall-encryption.pem"),
        assertion_encryption="Encrypted",
        encryption_algorithm="AES256_GCM",
        key_transport_algorithm="RSA_OAEP",
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    app = org.get_app(justcall.id)
    assert (app.assertion_encrypted, app.encryption_algorithm, app.key_transport_algorithm) == (
        True,
        "AES256_GCM",
        "RSA_OAEP",
    )
    assert app.encryption_certificate.strip() == sp_certificate.cert_pem.decode().strip()
    page = text(admin_client.get(f"{_base(justcall)}/edit-saml"))
    assert "Uploaded: CN=justcall-encryption" in page and '<option value="Encrypted" selected' in page


def test_the_wizard_creates_an_app_with_encryption_on(
    admin_client: FlaskClient, org: Org, sp_certificate: Credential
) -> None:
    draft = start_wizard(admin_client)
    wizard_general(admin_client, draft)
    upload = (sp_certificate.cert_pem, "justcall-encryption.pem")
    response = _post_saml(admin_client, f"{draft}/saml", upload, action="next", assertion_encryption="Encrypted")
    assert response.headers["Location"] == f"{draft}/feedback"  # type: ignore[attr-defined]
    wizard_finish(admin_client, draft)
    (app,) = org.apps()
    assert app.assertion_encrypted and app.encryption_algorithm == "AES256_CBC"
    assert app.encryption_certificate.strip() == sp_certificate.cert_pem.decode().strip()


def test_der_upload_is_accepted_and_an_edit_without_upload_keeps_the_certificate(
    admin_client: FlaskClient, justcall: SamlApp, org: Org, sp_certificate: Credential
) -> None:
    der = sp_certificate.certificate.public_bytes(Encoding.DER)
    assert _post_edit(admin_client, justcall, (der, "sp.cer"), assertion_encryption="Encrypted").status_code == 302  # type: ignore[attr-defined]
    kept = org.get_app(justcall.id).encryption_certificate
    assert kept.startswith("-----BEGIN CERTIFICATE-----")
    form = text(admin_client.get(f"{_base(justcall)}/edit-saml"))
    hidden = form.split('name="encryption_certificate" value="', 1)[1].split('"', 1)[0]
    response = _post_edit(admin_client, justcall, None, assertion_encryption="Encrypted", encryption_certificate=hidden)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert org.get_app(justcall.id).encryption_certificate.strip() == kept.strip()


@pytest.mark.parametrize(
    ("upload", "fields", "message"),
    [
        (None, {"assertion_encryption": "Encrypted"}, "Upload the encryption certificate"),
        ((b"hello", "x.pem"), {"assertion_encryption": "Encrypted"}, "not a PEM X.509 certificate"),
        (None, {"encryption_algorithm": "DES"}, "Select a valid option"),
    ],
)
def test_console_refuses_bad_encryption_settings_with_a_message(
    admin_client: FlaskClient,
    justcall: SamlApp,
    org: Org,
    upload: tuple[bytes, str] | None,
    fields: dict[str, str],
    message: str,
) -> None:
    response = _post_edit(admin_client, justcall, upload, **fields)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in text(response)  # type: ignore[arg-type]
    assert org.get_app(justcall.id) == justcall


def test_api_sets_and_returns_assertion_encryption(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, sp_certificate: Credential
) -> None:
    x5c = base64.b64encode(sp_certificate.certificate.public_bytes(Encoding.DER)).decode()
    encryption = {"enabled": True, "encryptionAlgorithm": "AES128_CBC", "keyTransportAlgorithm": "RSA_15", "x5c": [x5c]}
    response = api(client, "PUT", f"/apps/{justcall.id}", token, saml_app_body(assertionEncryption=encryption))
    assert response.status_code == 200
    assert response.get_json()["settings"]["signOn"]["assertionEncryption"] == encryption
    app = org.get_app(justcall.id)
    assert (app.assertion_encrypted, app.encryption_algorithm, app.key_transport_algorithm) == (
        True,
        "AES128_CBC",
        "RSA_15",
    )
    # GET then PUT keeps it.
    got = api(client, "GET", f"/apps/{justcall.id}", token).get_json()
    assert api(client, "PUT", f"/apps/{justcall.id}", token, got).status_code == 200
    assert org.get_app(justcall.id) == app


@pytest.mark.parametrize(
    ("encryption", "field"),
    [
        ({"enabled": True}, "assertionEncryption.x5c"),
        ({"enabled": True, "x5c": ["bm90IGEgY2VydA=="]}, "assertionEncryption.x5c"),
        ({"enabled": False, "encryptionAlgorithm": "AES192_CBC"}, "assertionEncryption.encryptionAlgorithm"),
        ({"enabled": "yes"}, "assertionEncryption.enabled"),
    ],
)
def test_api_refuses_bad_assertion_encryption_naming_the_field(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, encryption: dict[str, object], field: str
) -> None:
    response = api(client, "PUT", f"/apps/{justcall.id}", token, saml_app_body(assertionEncryption=encryption))
    assert response.status_code == 400
    causes = [c["errorSummary"] for c in response.get_json()["errorCauses"]]
    assert any(field in cause for cause in causes), causes
    assert org.get_app(justcall.id) == justcall
