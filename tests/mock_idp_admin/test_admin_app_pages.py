"""An app's General and Sign On tabs: edits apply at once, certificates, metadata, setup instructions, lifecycle."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from admin_support import ACS_URL, END_USER, PASSWORD, PNG, csrf, multipart, saml_form, sign_in, text, title
from cryptography import x509
from flask.testing import FlaskClient
from lxml import etree

from mock_idp.admin.inactive import NOT_ACTIVE_TITLE
from mock_idp.model import SamlApp, User
from mock_idp.org import Org
from saml_xmlns import NS


def base(app: SamlApp) -> str:
    return f"/admin/app/{app.name}/instance/{app.id}"


def post(client: FlaskClient, path: str, **data: object) -> int:
    response = client.post(path, data={"csrf_token": csrf(client, "/admin/dashboard"), **data})
    return response.status_code


def test_general_tab_shows_the_saml_settings(admin_client: FlaskClient, justcall: SamlApp, org: Org) -> None:
    page = text(admin_client.get(f"{base(justcall)}/"))
    assert title(admin_client.get(f"{base(justcall)}/")).startswith("JustCall - General")
    assert f"<dt>Single sign-on URL</dt><dd>{ACS_URL}</dd>" in page
    assert "<dt>Name ID Format</dt><dd>EmailAddress</dd>" in page
    assert f'<code id="embed-link">{org.embed_link(justcall)}</code>' in page
    assert "<td>firstName</td><td>Unspecified</td><td>user.firstName</td>" in page
    for tab in ("General", "Sign On", "Assignments"):
        assert f">{tab}</a>" in page


def test_editing_saml_settings_applies_at_once(admin_client: FlaskClient, justcall: SamlApp, org: Org) -> None:
    edit = f"{base(justcall)}/edit-saml"
    form = text(admin_client.get(edit))
    assert 'value="user.lastName"' in form and f'value="{justcall.audience}"' in form
    response = admin_client.post(
        edit, data={"csrf_token": csrf(admin_client, edit), **saml_form(audience="urn:new", action="save")}
    )
    assert response.headers["Location"] == f"{base(justcall)}/"
    updated = org.get_app(justcall.id)
    assert updated.audience == "urn:new"
    assert (updated.name, updated.external_key, updated.issuer) == (
        justcall.name,
        justcall.external_key,
        justcall.issuer,
    )


def test_an_invalid_edit_changes_nothing(admin_client: FlaskClient, justcall: SamlApp, org: Org) -> None:
    edit = f"{base(justcall)}/edit-saml"
    data = saml_form(response="Unsigned", assertion_signature="Unsigned", audience="urn:new", action="save")
    response = admin_client.post(edit, data={"csrf_token": csrf(admin_client, edit), **data})
    assert response.status_code == 400
    assert org.get_app(justcall.id) == justcall


def test_edit_preview_uses_the_apps_own_issuer(admin_client: FlaskClient, justcall: SamlApp) -> None:
    edit = f"{base(justcall)}/edit-saml"
    response = admin_client.post(edit, data={"csrf_token": csrf(admin_client, edit), **saml_form(action="preview")})
    match = re.search(r'id="saml-assertion-preview">(.*?)</pre>', text(response), re.S)
    assert match
    assert etree.fromstring(match.group(1).encode()).findtext("saml2:Issuer", namespaces=NS) == justcall.issuer


def test_app_settings_rename_and_logo(admin_client: FlaskClient, justcall: SamlApp, org: Org) -> None:
    edit = f"{base(justcall)}/edit-app-settings"
    body, content_type = multipart(
        {"csrf_token": csrf(admin_client, edit), "label": "JustCall EU"}, {"logo": (PNG, "l.png")}
    )
    assert admin_client.post(edit, data=body, content_type=content_type).status_code == 302
    assert org.get_app(justcall.id).label == "JustCall EU"
    assert org.get_app(justcall.id).name == justcall.name, "the appName stays"
    logo = admin_client.get(f"/admin/app/{justcall.id}/logo")
    assert (logo.status_code, logo.mimetype, logo.data) == (200, "image/png", PNG)
    body, content_type = multipart(
        {"csrf_token": csrf(admin_client, edit), "label": "JustCall EU", "remove_logo": "1"}, {}
    )
    admin_client.post(edit, data=body, content_type=content_type)
    assert org.app_extras(justcall.id).logo is None
    assert admin_client.get(f"/admin/app/{justcall.id}/logo").status_code == 404


def test_app_settings_refuse_a_blank_name(admin_client: FlaskClient, justcall: SamlApp, org: Org) -> None:
    edit = f"{base(justcall)}/edit-app-settings"
    body, content_type = multipart({"csrf_token": csrf(admin_client, edit), "label": " "}, {})
    assert admin_client.post(edit, data=body, content_type=content_type).status_code == 400
    assert org.get_app(justcall.id).label == "JustCall"


def test_sign_on_tab_shows_the_idp_details_and_certificates(
    admin_client: FlaskClient, justcall: SamlApp, org: Org
) -> None:
    page = text(admin_client.get(f"{base(justcall)}/signon"))
    assert ">Identity Provider Single Sign-On URL</label>" in page
    assert f'id="idp-sso-url" value="{org.sso_url(justcall)}"' in page
    assert f'id="idp-issuer" value="{org.issuer(justcall)}"' in page
    assert org.active_certificate_pem(justcall.id).decode() in page
    assert "<h2>SAML Signing Certificates</h2>" in page
    assert '<td class="certificate-status">Active</td>' in page
    for action in ("View IdP metadata", "Download certificate", "Activate", "Generate new certificate"):
        assert action in page
    assert "View SAML setup instructions" in page
    assert "Jun 1, 2026" in page and "Jun 1, 2036" in page, "created and expires (10 years)"


def test_generate_then_activate_rotates_the_signing_certificate(
    admin_client: FlaskClient, justcall: SamlApp, org: Org
) -> None:
    old = org.active_key(justcall.id)
    assert post(admin_client, f"{base(justcall)}/signon/certificates/generate") == 302
    keys = org.signing_keys(justcall.id)
    assert [k.status for k in keys] == ["Active", "Inactive"]
    assert org.active_key(justcall.id) == old, "a new certificate does not sign until activated"
    page = text(admin_client.get(f"{base(justcall)}/signon"))
    assert '<td class="certificate-status">Inactive</td>' in page
    new = keys[1]
    assert post(admin_client, f"{base(justcall)}/signon/certificates/{new.kid}/activate") == 302
    assert org.active_key(justcall.id).kid == new.kid
    metadata = admin_client.get(f"/app/{justcall.external_key}/sso/saml/metadata")
    assert new.credential.cert_b64_76 in metadata.get_data(as_text=True)
    assert old.credential.cert_b64_76 not in metadata.get_data(as_text=True)


def test_activating_an_unknown_certificate_is_404(admin_client: FlaskClient, justcall: SamlApp) -> None:
    assert post(admin_client, f"{base(justcall)}/signon/certificates/nope/activate") == 404


def test_download_certificate_gives_the_pem_file(admin_client: FlaskClient, justcall: SamlApp, org: Org) -> None:
    key = org.active_key(justcall.id)
    response = admin_client.get(f"{base(justcall)}/signon/certificates/{key.kid}/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="okta.cert"'
    assert response.data == key.credential.cert_pem
    assert x509.load_pem_x509_certificate(response.data).serial_number == key.credential.certificate.serial_number
    assert admin_client.get(f"{base(justcall)}/signon/certificates/nope/download").status_code == 404


def test_view_idp_metadata_links_to_that_certificates_metadata(
    admin_client: FlaskClient, justcall: SamlApp, org: Org
) -> None:
    post(admin_client, f"{base(justcall)}/signon/certificates/generate")
    inactive = org.signing_keys(justcall.id)[1]
    page = text(admin_client.get(f"{base(justcall)}/signon"))
    links = re.findall(r'<a href="([^"]+)">View IdP metadata</a>', page)
    assert len(links) == 2
    metadata = admin_client.get(links[1])
    root = etree.fromstring(metadata.data)
    assert root.get("entityID") == org.issuer(justcall)
    assert root.findtext(".//ds:X509Certificate", namespaces=NS) == inactive.credential.cert_b64_76
    location = root.find(".//md:SingleSignOnService", NS)
    assert location is not None and location.get("Location") == org.sso_url(justcall)


def test_setup_instructions_show_the_three_values(admin_client: FlaskClient, justcall: SamlApp, org: Org) -> None:
    path = f"/admin/app/{justcall.name}/{justcall.external_key}/setup/help/SAML_2_0/instructions"
    assert f'href="{path}">View SAML setup instructions' in text(admin_client.get(f"{base(justcall)}/signon"))
    page = text(admin_client.get(path))
    assert f'id="setup-sso-url" value="{org.sso_url(justcall)}"' in page
    assert f'id="setup-issuer" value="{org.issuer(justcall)}"' in page
    assert org.active_certificate_pem(justcall.id).decode() in page
    assert "Identity Provider Single Sign-On URL:" in page and "X.509 Certificate:" in page
    assert admin_client.get(path.replace(justcall.name, "acme_other_1")).status_code == 404


def test_unknown_or_mismatched_app_urls_are_404(admin_client: FlaskClient, justcall: SamlApp) -> None:
    assert admin_client.get(f"/admin/app/{justcall.name}/instance/0oaNope/").status_code == 404
    assert admin_client.get(f"/admin/app/acme_other_1/instance/{justcall.id}/signon").status_code == 404


@pytest.fixture
def assigned_ann(org: Org, justcall: SamlApp, ann: User) -> User:
    org.assign_user(justcall.id, ann.id)
    return ann


def test_deactivating_stops_sso_and_hides_the_tile_until_reactivated(
    admin_client: FlaskClient,
    make_client: Callable[[], FlaskClient],
    justcall: SamlApp,
    org: Org,
    assigned_ann: User,
) -> None:
    user = make_client()
    sign_in(user, END_USER, PASSWORD)
    sso = f"/app/{justcall.name}/{justcall.external_key}/sso/saml"
    tile = f"/home/{justcall.name}/{justcall.id}/{justcall.link_id}"
    assert user.get(sso).status_code == 200
    assert post(admin_client, f"{base(justcall)}/lifecycle/deactivate") == 302
    assert org.app_status(justcall.id) == "INACTIVE"
    for path in (sso, tile):
        refused = user.get(path)
        assert refused.status_code == 403
        assert title(refused) == NOT_ACTIVE_TITLE
        assert "SAMLResponse" not in text(refused)
    assert 'id="no-apps"' in text(user.get("/app/UserHome"))
    assert ">Inactive</span>" in text(admin_client.get(f"{base(justcall)}/"))
    assert post(admin_client, f"{base(justcall)}/lifecycle/activate") == 302
    assert 'name="SAMLResponse"' in text(user.get(sso))


def test_unknown_lifecycle_action_is_404(admin_client: FlaskClient, justcall: SamlApp, org: Org) -> None:
    assert post(admin_client, f"{base(justcall)}/lifecycle/delete") == 404
    assert org.app_status(justcall.id) == "ACTIVE"


def test_applications_list_links_every_app_with_its_status(
    admin_client: FlaskClient, justcall: SamlApp, org: Org
) -> None:
    other = org.create_saml_app("Zendesk", "https://z.example/acs", "urn:z")
    org.deactivate_app(other.id)
    page = text(admin_client.get("/admin/apps/active"))
    assert f'<a href="{base(justcall)}/">JustCall</a>' in page
    assert f'<a href="{base(other)}/">Zendesk</a>' in page
    assert page.index("JustCall") < page.index("Zendesk")
    assert 'class="status-inactive">Inactive<' in page and 'class="status-active">Active<' in page
