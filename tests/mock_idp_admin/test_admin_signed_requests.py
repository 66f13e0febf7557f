"""Signed Requests and the Signature Certificate in the Admin Console (Show Advanced Settings) and the Admin API."""

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
def sp_signing() -> Credential:
    """JustCall's signing certificate (what its settings page offers for download)."""
    return make_credential("justcall-signing", datetime(2026, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


def _base(app: SamlApp) -> str:
    return f"/admin/app/{app.name}/instance/{app.id}"


def _post_saml(client: FlaskClient, path: str, upload: tuple[bytes, str] | None, **fields: str) -> object:
    return post_saml_settings(client, path, "signature_certificate_file", upload, **fields)


def _post_edit(client: FlaskClient, app: SamlApp, upload: tuple[bytes, str] | None, **fields: str) -> object:
    return _post_saml(client, f"{_base(app)}/edit-saml", upload, action="save", **fields)


def test_console_uploads_the_signature_certificate_and_switches_signed_requests_on(
    admin_client: FlaskClient, justcall: SamlApp, org: Org, sp_signing: Credential
) -> None:
    response = _post_edit(admin_client, justcall, (sp_signing.cert_pem, "justcall-signing.pem"), request_signed="1")
    assert response.status_code == 302  # type: ignore[attr-defined]
    app = org.get_app(justcall.id)
    assert app.request_signed and app.signature_certificate.strip() == sp_signing.cert_pem.decode().strip()
    page = text(admin_client.get(f"{_base(justcall)}/edit-saml"))
    assert "Uploaded: CN=justcall-signing" in page and 'name="request_signed" value="1" checked' in page
    # An edit without a new upload keeps the certificate (hidden field); unticking switches the check off.
    hidden = page.split('name="signature_certificate" value="', 1)[1].split('"', 1)[0]
    assert _post_edit(admin_client, justcall, None, signature_certificate=hidden).status_code == 302  # type: ignore[attr-defined]
    kept = org.get_app(justcall.id)
    assert not kept.request_signed and kept.signature_certificate.strip() == app.signature_certificate.strip()


def test_the_wizard_creates_an_app_with_signed_requests_on(
    admin_client: FlaskClient, org: Org, sp_signing: Credential
) -> None:
    draft = start_wizard(admin_client)
    wizard_general(admin_client, draft)
    der = sp_signing.certificate.public_bytes(Encoding.DER)
    response = _post_saml(admin_client, f"{draft}/saml", (der, "sp.cer"), action="next", request_signed="1")
    assert response.headers["Location"] == f"{draft}/feedback"  # type: ignore[attr-defined]
    wizard_finish(admin_client, draft)
    (app,) = org.apps()
    assert app.request_signed and app.signature_certificate.strip() == sp_signing.cert_pem.decode().strip()


@pytest.mark.parametrize(
    ("upload", "message"),
    [(None, "Upload the signature certificate"), ((b"hello", "x.pem"), "signature certificate is not a PEM X.509")],
)
def test_console_refuses_signed_requests_without_a_usable_certificate(
    admin_client: FlaskClient, justcall: SamlApp, org: Org, upload: tuple[bytes, str] | None, message: str
) -> None:
    response = _post_edit(admin_client, justcall, upload, request_signed="1")
    assert response.status_code == 400  # type: ignore[attr-defined]
    page = text(response)  # type: ignore[arg-type]
    assert message in page and '<details id="advanced-settings" open' in page
    assert org.get_app(justcall.id) == justcall


def test_api_sets_and_returns_signed_requests_with_okta_names(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, sp_signing: Credential
) -> None:
    before = api(client, "GET", f"/apps/{justcall.id}", token).get_json()["settings"]["signOn"]
    assert before["samlSignedRequestEnabled"] is False and "spCertificate" not in before
    x5c = base64.b64encode(sp_signing.certificate.public_bytes(Encoding.DER)).decode()
    body = saml_app_body(samlSignedRequestEnabled=True, spCertificate={"x5c": [x5c]})
    response = api(client, "PUT", f"/apps/{justcall.id}", token, body)
    assert response.status_code == 200
    sign_on = response.get_json()["settings"]["signOn"]
    assert sign_on["samlSignedRequestEnabled"] is True and sign_on["spCertificate"] == {"x5c": [x5c]}
    app = org.get_app(justcall.id)
    assert app.request_signed and app.signature_certificate.strip() == sp_signing.cert_pem.decode().strip()
    got = api(client, "GET", f"/apps/{justcall.id}", token).get_json()
    assert api(client, "PUT", f"/apps/{justcall.id}", token, got).status_code == 200
    assert org.get_app(justcall.id) == app


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"samlSignedRequestEnabled": True}, "spCertificate.x5c"),
        ({"samlSignedRequestEnabled": True, "spCertificate": {"x5c": ["bm90IGEgY2VydA=="]}}, "spCertificate.x5c"),
        ({"samlSignedRequestEnabled": "yes"}, "samlSignedRequestEnabled"),
        ({"spCertificate": "MIIB"}, "spCertificate"),
    ],
)
def test_api_refuses_bad_signed_request_settings_naming_the_field(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, fields: dict[str, object], field: str
) -> None:
    response = api(client, "PUT", f"/apps/{justcall.id}", token, saml_app_body(**fields))
    assert response.status_code == 400
    causes = [c["errorSummary"] for c in response.get_json()["errorCauses"]]
    assert any(field in cause for cause in causes), causes
    assert org.get_app(justcall.id) == justcall


def test_the_org_refuses_signed_requests_without_a_certificate(org: Org, justcall: SamlApp) -> None:
    with pytest.raises(ValueError, match="no signature certificate"):
        org.update_saml_app(justcall.id, request_signed=True)
    with pytest.raises(ValueError, match="signature certificate is not a PEM"):
        org.update_saml_app(justcall.id, signature_certificate="not a certificate")
