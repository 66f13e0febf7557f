"""Serve the App Integration Wizard for SAML 2.0: General Settings -> Configure SAML -> Feedback -> Finish."""

from __future__ import annotations

from dataclasses import replace

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from mock_idp.admin import saml_form
from mock_idp.admin.apps_views import drafts
from mock_idp.admin.console import bp, console_view, current_admin
from mock_idp.admin.drafts import Draft
from mock_idp.admin.general_form import LOGO_ERROR, label_error, read_logo
from mock_idp.admin.records import AppLogo
from mock_idp.admin.saml_form import SamlSettings
from mock_idp.admin.saml_page import form_context, submitted_settings
from mock_idp.idp_session import current_org

UPLOAD_LIMIT = 4 * 1024 * 1024
"""Largest upload read (a logo over 1 MB still gets Okta's message, not a bare 413)."""
SELECT_OPTION = "Select an option"


def _draft(draft_id: str) -> Draft:
    draft = drafts().get(draft_id, current_admin().user.id)
    if draft is None:
        abort(404)
    return draft


def uploaded_logo() -> AppLogo | str | None:
    """Return the uploaded logo, an error message for a bad file, or ``None`` when no file was chosen."""
    upload = request.files.get("logo")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(UPLOAD_LIMIT + 1)
    return read_logo(data) or LOGO_ERROR


@bp.route("/apps/saml-wizard/<draft_id>/general", methods=["GET", "POST"])
@console_view(edit=True, max_body=UPLOAD_LIMIT + 64 * 1024)
def wizard_general(draft_id: str) -> ResponseReturnValue:
    """Step 1, General Settings: App name and optional App logo."""
    draft = _draft(draft_id)
    if request.method == "GET":
        return _general_page(draft, draft.label, {})
    if request.form.get("action") == "cancel":
        drafts().drop(draft.id)
        return redirect(url_for("admin.applications"))
    label = request.form.get("label", "")
    errors = {}
    problem = label_error(label)
    if problem:
        errors["label"] = problem
    logo = uploaded_logo()
    if isinstance(logo, str):
        errors["logo"] = logo
    if errors:
        return _general_page(draft, label, errors), 400
    drafts().save(replace(draft, label=label.strip(), logo=logo if isinstance(logo, AppLogo) else draft.logo))
    return redirect(url_for("admin.wizard_saml", draft_id=draft.id))


def _general_page(draft: Draft, label: str, errors: dict[str, str]) -> str:
    return render_template(
        "admin/wizard_general.html",
        nav="applications",
        draft=draft,
        label=label,
        errors=errors,
        has_logo=draft.logo is not None,
    )


@bp.route("/apps/saml-wizard/<draft_id>/saml", methods=["GET", "POST"])
@console_view(edit=True)
def wizard_saml(draft_id: str) -> ResponseReturnValue:
    """Step 2, Configure SAML; "Add Another" and "Preview the SAML Assertion" work without JavaScript."""
    draft = _draft(draft_id)
    if not draft.label:
        return redirect(url_for("admin.wizard_general", draft_id=draft.id))
    if request.method == "GET":
        return _saml_page(draft, draft.settings or SamlSettings())
    settings = submitted_settings()
    action = request.form.get("action", "next")
    if action == "previous":
        drafts().save(replace(draft, settings=settings))
        return redirect(url_for("admin.wizard_general", draft_id=draft.id))
    if action in ("add_attribute", "add_group"):
        adding_attribute = action == "add_attribute"
        return _saml_page(
            draft, settings, extra_attributes=int(adding_attribute), extra_groups=int(not adding_attribute)
        )
    errors = saml_form.validate(settings)
    if action == "preview":
        return _saml_page(draft, settings, errors=errors, preview=True), 400 if errors else 200
    if errors:
        return _saml_page(draft, settings, errors=errors), 400
    drafts().save(replace(draft, settings=settings))
    return redirect(url_for("admin.wizard_feedback", draft_id=draft.id))


def _saml_page(
    draft: Draft,
    settings: SamlSettings,
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
        label=draft.label,
        preview=preview,
        extra_attributes=extra_attributes,
        extra_groups=extra_groups,
    )
    return render_template("admin/wizard_saml.html", nav="applications", draft=draft, failure=failure, **context)


@bp.route("/apps/saml-wizard/<draft_id>/feedback", methods=["GET", "POST"])
@console_view(edit=True)
def wizard_feedback(draft_id: str) -> ResponseReturnValue:
    """Step 3, Feedback; Finish creates the app (all or nothing) and opens its Sign On tab."""
    draft = _draft(draft_id)
    settings = draft.settings
    if not draft.label or settings is None or saml_form.validate(settings):
        return redirect(url_for("admin.wizard_saml", draft_id=draft.id))
    if request.method == "GET":
        return _feedback_page(draft, {}, None)
    if request.form.get("action") == "previous":
        return redirect(url_for("admin.wizard_saml", draft_id=draft.id))
    choice = request.form.get("audience_type")
    if choice not in ("customer", "vendor"):
        return _feedback_page(draft, {"audience_type": SELECT_OPTION}, None), 400
    try:
        app = current_org().create_app_integration(
            draft.label,
            logo=draft.logo,
            group_attribute_statements=saml_form.group_statements(settings),
            **saml_form.app_settings(settings),
        )
    except ValueError as exc:
        return _feedback_page(draft, {}, str(exc)), 400
    drafts().drop(draft.id)
    return redirect(url_for("admin.app_signon", app_name=app.name, app_id=app.id))


def _feedback_page(draft: Draft, errors: dict[str, str], failure: str | None) -> str:
    choice = request.form.get("audience_type") if request.method == "POST" else None
    return render_template(
        "admin/wizard_feedback.html", nav="applications", draft=draft, errors=errors, failure=failure, choice=choice
    )
