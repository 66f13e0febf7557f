"""Enable Single Logout in the Admin Console (Show Advanced Settings) and the Admin API (``settings.signOn.slo``)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from admin_support import api, csrf, multipart, saml_app_body, saml_form, text
from cryptography.hazmat.primitives.serialization import Encoding
from flask.testing import FlaskClient

from mock_idp.keys import Credential, make_credential
from mock_idp.model import SamlApp
from mock_idp.org import Org

SP_SLO_URL = "http://127.0.0.1:6000/sso/saml/acme/slo"
SP_ISSUER = "http://127.0.0.1:6000/sso/saml/acme"


@pytest.fixture(scope="module")
def sp_signing() -> Credential:
    """JustCall's signing certificate: Okta's Signature Certificate, which verifies its logout requests."""
    return make_credential("justcall-signing", datetime(2026, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


def _edit(client: FlaskClient, app: SamlApp, upload: bytes | None, **fields: str) -> object:
    path = f"/admin/app/{app.name}/instance/{app.id}/edit-saml"
    data = {"csrf_token": csrf(client, path), **saml_form(action="save", **fields)}
    flat = {k: v for k, v in data.items() if not isinstance(v, list)}
    body, content_type = multipart(flat, {"signature_certificate_file": (upload, "sp.pem")} if upload else {})
    rows = b"".join(
        f'--harness-boundary-7c1f\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{item}\r\n'.encode()
        for k, v in data.items()
        if isinstance(v, list)
        for item in v
    )
    return client.post(path, data=rows + body, content_type=content_type)


def test_console_enables_single_logout_and_metadata_lists_it(
    admin_client: FlaskClient, justcall: SamlApp, org: Org, sp_signing: Credential
) -> None:
    response = _edit(
        admin_client, justcall, sp_signing.cert_pem, slo_enabled="1", slo_url=SP_SLO_URL, sp_issuer=SP_ISSUER
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    app = org.get_app(justcall.id)
    assert (app.slo_enabled, app.slo_url, app.sp_issuer) == (True, SP_SLO_URL, SP_ISSUER)
    page = text(admin_client.get(f"/admin/app/{app.name}/instance/{app.id}/edit-saml"))
    assert 'name="slo_enabled" value="1" checked' in page and SP_SLO_URL in page
    metadata = admin_client.get(f"/app/{app.external_key}/sso/saml/metadata").get_data(as_text=True)
    post = 'Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"'
    assert f'<md:SingleLogoutService {post} Location="{org.idp_slo_url(app)}"/>' in metadata
    assert metadata.index("SingleLogoutService") < metadata.index("NameIDFormat")


@pytest.mark.parametrize(
    ("upload", "fields", "message"),
    [
        (None, {"slo_url": SP_SLO_URL, "sp_issuer": SP_ISSUER}, "signature certificate"),
        (b"cert", {"sp_issuer": SP_ISSUER}, "Single Logout URL is required"),
        (b"cert", {"slo_url": SP_SLO_URL}, "SP Issuer is required"),
    ],
)
def test_console_refuses_single_logout_without_its_settings(
    admin_client: FlaskClient,
    justcall: SamlApp,
    org: Org,
    sp_signing: Credential,
    upload: bytes | None,
    fields: dict[str, str],
    message: str,
) -> None:
    certificate = sp_signing.cert_pem if upload else None
    response = _edit(admin_client, justcall, certificate, slo_enabled="1", **fields)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in text(response)  # type: ignore[arg-type]
    assert org.get_app(justcall.id) == justcall


def test_api_sets_and_returns_slo_with_okta_names(
    client: FlaskClient, org: Org, token: str, justcall: SamlApp, sp_signing: Credential
) -> None:
    before = api(client, "GET", f"/apps/{justcall.id}", token).get_json()["settings"]["signOn"]
    assert before["slo"] == {"enabled": False}
    x5c = base64.b64encode(sp_signing.certificate.public_bytes(Encoding.DER)).decode()
    slo = {"enabled": True, "spIssuer": SP_ISSUER, "logoutUrl": SP_SLO_URL}
    response = api(client, "PUT", f"/apps/{justcall.id}", token, saml_app_body(slo=slo, spCertificate={"x5c": [x5c]}))
    assert response.status_code == 200
    assert response.get_json()["settings"]["signOn"]["slo"] == slo
    app = org.get_app(justcall.id)
    assert app.slo_enabled and app.slo_url == SP_SLO_URL and app.sp_issuer == SP_ISSUER
    refused = api(client, "PUT", f"/apps/{justcall.id}", token, saml_app_body(slo=slo))
    assert refused.status_code == 400
    assert any("spCertificate.x5c" in c["errorSummary"] for c in refused.get_json()["errorCauses"])
