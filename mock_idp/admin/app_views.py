"""Serve an app's General and Sign On tabs: settings edits, lifecycle, certificates, setup instructions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from mock_idp.admin import saml_form
from mock_idp.admin.choices import APPLICATION_USERNAMES, ATTRIBUTE_NAME_FORMATS, NAME_ID_FORMATS, label_of
from mock_idp.admin.console import bp, console_view, load_app
from mock_idp.admin.general_form import label_error
from mock_idp.admin.records import GROUP_FILTERS, AppLogo
from mock_idp.admin.saml_page import form_context, submitted_settings
from mock_idp.admin.wizard_views import UPLOAD_LIMIT, uploaded_logo
from mock_idp.idp_session import current_org
from mock_idp.metadata import build_metadata
from mock_idp.model import SamlApp

CERTIFICATE_FILENAME = "okta.cert"
"""The file name Okta's "Download certificate" gives."""


@bp.app_template_filter("okta_date")
def okta_date(moment: datetime) -> str:
    """Format a date as the console does (``Jun 1, 2026``)."""
    return f"{moment:%b} {moment.day}, {moment.year}"


def _page(template: str, app: SamlApp, tab: str, **context: Any) -> str:
    org = current_org()
    return render_template(
        template, nav="applications", app=app, tab=tab, extras=org.app_extras(app.id), notice=None, **context
    )


def _saml_rows(app: SamlApp) -> list[tuple[str, str]]:
    return [
        ("Single sign-on URL", app.sso_url),
        ("Recipient URL", app.recipient),
        ("Destination URL", app.destination),
        ("Audience Restriction", app.audience),
        ("Default Relay State", app.default_relay_state),
        ("Name ID Format", label_of(NAME_ID_FORMATS, app.name_id_format)),
        ("Response", "Signed" if app.response_signed else "Unsigned"),
        ("Assertion Signature", "Signed" if app.assertion_signed else "Unsigned"),
        ("Signature Algorithm", app.signature_algorithm.replace("_", "-")),
        ("Digest Algorithm", app.digest_algorithm),
        ("Honor Force Authentication", "Yes" if app.honor_force_authn else "No"),
        ("SAML Issuer ID", app.issuer),
        ("Application username", APPLICATION_USERNAMES.get(app.application_username, app.application_username)),
    ]


@bp.get("/app/<app_name>/instance/<app_id>/")
@console_view()
def app_general(app_name: str, app_id: str) -> ResponseReturnValue:
    """Show the General tab: App Settings and SAML Settings."""
    app = load_app(app_name, app_id)
    return _page(
        "admin/app_general.html",
        app,
        "general",
        embed_link=current_org().embed_link(app),
        saml_rows=_saml_rows(app),
        format_label=lambda uri: label_of(ATTRIBUTE_NAME_FORMATS, uri),
        group_filters=GROUP_FILTERS,
    )


@bp.route("/app/<app_name>/instance/<app_id>/edit-app-settings", methods=["GET", "POST"])
@console_view(edit=True, max_body=UPLOAD_LIMIT + 64 * 1024)
def app_edit_settings(app_name: str, app_id: str) -> ResponseReturnValue:
    """Edit App name and App logo."""
    app = load_app(app_name, app_id)
    org = current_org()
    has_logo = org.app_extras(app.id).logo is not None
    if request.method == "GET":
        return _page("admin/app_edit_settings.html", app, "general", label=app.label, errors={}, has_logo=has_logo)
    label = request.form.get("label", "")
    errors = {}
    problem = label_error(label)
    if problem:
        errors["label"] = problem
    logo = uploaded_logo()
    if isinstance(logo, str):
        errors["logo"] = logo
    if errors:
        page = _page("admin/app_edit_settings.html", app, "general", label=label, errors=errors, has_logo=has_logo)
        return page, 400
    new_logo: AppLogo | Literal["keep"] | None = "keep"
    if isinstance(logo, AppLogo):
        new_logo = logo
    elif request.form.get("remove_logo"):
        new_logo = None
    org.update_app_integration(app.id, label=label.strip(), logo=new_logo)
    return redirect(url_for("admin.app_general", app_name=app.name, app_id=app.id))


@bp.route("/app/<app_name>/instance/<app_id>/edit-saml", methods=["GET", "POST"])
@console_view(edit=True)
def app_edit_saml(app_name: str, app_id: str) -> ResponseReturnValue:
    """Edit the SAML settings (same form as the wizard's Configure SAML); changes apply to the next sign-in."""
    app = load_app(app_name, app_id)
    org = current_org()
    if request.method == "GET":
        settings = saml_form.from_app(app, org.app_extras(app.id).group_attribute_statements)
        return _saml_edit_page(app, settings)
    settings = submitted_settings()
    action = request.form.get("action", "save")
    if action in ("add_attribute", "add_group"):
        adding_attribute = action == "add_attribute"
        return _saml_edit_page(
            app, settings, extra_attributes=int(adding_attribute), extra_groups=int(not adding_attribute)
        )
    errors = saml_form.validate(settings)
    if errors or action == "preview":
        return _saml_edit_page(app, settings, errors=errors, preview=action == "preview"), 400 if errors else 200
    try:
        org.update_app_integration(
            app.id,
            group_attribute_statements=saml_form.group_statements(settings),
            **saml_form.app_settings(settings, app.external_key),
        )
    except ValueError as exc:
        return _saml_edit_page(app, settings, failure=str(exc)), 400
    return redirect(url_for("admin.app_general", app_name=app.name, app_id=app.id))


def _saml_edit_page(
    app: SamlApp,
    settings: saml_form.SamlSettings,
    *,
    errors: dict[str, str] | None = None,
    preview: bool = False,
    failure: str | None = None,
    extra_attributes: int = 0,
    extra_groups: int = 0,
) -> str:
    context = form_context(
        settings,
        errors,
        label=app.label,
        external_key=app.external_key,
        preview=preview,
        extra_attributes=extra_attributes,
        extra_groups=extra_groups,
    )
    return _page("admin/app_edit_saml.html", app, "general", failure=failure, **context)


@bp.post("/app/<app_name>/instance/<app_id>/lifecycle/<action>")
@console_view(edit=True)
def app_lifecycle(app_name: str, app_id: str, action: str) -> ResponseReturnValue:
    """Activate or deactivate the app; a deactivated app gives no SSO from the next request on."""
    app = load_app(app_name, app_id)
    if action == "activate":
        current_org().activate_app(app.id)
    elif action == "deactivate":
        current_org().deactivate_app(app.id)
    else:
        abort(404)
    return redirect(url_for("admin.app_general", app_name=app.name, app_id=app.id))


@bp.get("/app/<app_name>/instance/<app_id>/signon")
@console_view()
def app_signon(app_name: str, app_id: str) -> ResponseReturnValue:
    """Show the Sign On tab: the IdP details for the Active certificate and the SAML Signing Certificates."""
    app = load_app(app_name, app_id)
    org = current_org()
    return _page(
        "admin/app_signon.html",
        app,
        "signon",
        keys=org.signing_keys(app.id),
        metadata_url=org.metadata_url(app),
        sso_url=org.sso_url(app),
        issuer=org.issuer(app),
        certificate_pem=org.active_certificate_pem(app.id).decode("ascii"),
    )


@bp.post("/app/<app_name>/instance/<app_id>/signon/certificates/generate")
@console_view(edit=True)
def generate_certificate(app_name: str, app_id: str) -> ResponseReturnValue:
    """ "Generate new certificate": a new Inactive certificate (10 years); the Active one keeps signing."""
    app = load_app(app_name, app_id)
    current_org().generate_key(app.id)
    return redirect(url_for("admin.app_signon", app_name=app.name, app_id=app.id))


@bp.post("/app/<app_name>/instance/<app_id>/signon/certificates/<kid>/activate")
@console_view(edit=True)
def activate_certificate(app_name: str, app_id: str, kid: str) -> ResponseReturnValue:
    """ "Activate": this certificate signs from the next response on; metadata shows it."""
    app = load_app(app_name, app_id)
    try:
        current_org().activate_key(app.id, kid)
    except KeyError:
        abort(404)
    return redirect(url_for("admin.app_signon", app_name=app.name, app_id=app.id))


@bp.get("/app/<app_name>/instance/<app_id>/signon/certificates/<kid>/download")
@console_view()
def download_certificate(app_name: str, app_id: str, kid: str) -> ResponseReturnValue:
    """ "Download certificate": the PEM as ``okta.cert``."""
    app = load_app(app_name, app_id)
    try:
        key = current_org().key(app.id, kid)
    except KeyError:
        abort(404)
    return Response(
        key.credential.cert_pem,
        mimetype="application/x-x509-ca-cert",
        headers={"Content-Disposition": f'attachment; filename="{CERTIFICATE_FILENAME}"'},
    )


@bp.get("/app/<app_name>/<external_key>/setup/help/SAML_2_0/instructions")
@console_view()
def setup_instructions(app_name: str, external_key: str) -> ResponseReturnValue:
    """ "View SAML setup instructions": SSO URL, Issuer, X.509 Certificate (and metadata) for the Active key.

    The console links it by the app's externalKey, the Admin API's ``_links.help`` by its id (as Okta's do).
    """
    org = current_org()
    app = org.find_app_by_key(external_key) or next((a for a in org.apps() if a.id == external_key), None)
    if app is None or app.name != app_name:
        abort(404)
    key = org.active_key(app.id)
    metadata = build_metadata(
        org.issuer(app), org.sso_url(app), key.credential, app.name_id_format, org.idp_slo_url(app)
    )
    return render_template(
        "admin/setup_instructions.html",
        nav="applications",
        app=app,
        sso_url=org.sso_url(app),
        issuer=org.issuer(app),
        certificate_pem=key.credential.cert_pem.decode("ascii"),
        kid=key.kid,
        metadata=metadata.decode("utf-8"),
    )
