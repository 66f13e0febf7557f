"""Serve Settings -> Security -> Single Sign-On (Steps 1 and 4 of the help article) and the activity page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from justcall_sp import urls
from justcall_sp.certificates import MAX_CERTIFICATE_BYTES
from justcall_sp.current_user import admin_required, current_user, facade
from justcall_sp.db import get_db
from justcall_sp.models import DEFAULT_ROLE_CHOICES
from justcall_sp.service import Account, SsoSettings
from justcall_sp.sso_start import begin_test

bp = Blueprint("settings", __name__)

PageResult = str | tuple[str, int] | WerkzeugResponse

DOMAIN_REQUIRED = "A verified email domain is required before SSO can be enabled."


@dataclass(frozen=True)
class FormValues:
    """What the configuration form shows: saved values, or what the admin just submitted."""

    idp_sso_url: str
    idp_issuer: str
    default_role: str
    allow_idp_initiated: bool

    @classmethod
    def saved(cls, settings: SsoSettings) -> FormValues:
        return cls(
            settings.idp_sso_url or "", settings.idp_issuer or "", settings.default_role, settings.allow_idp_initiated
        )

    @classmethod
    def submitted(cls) -> FormValues:
        return cls(
            request.form.get("idp_sso_url", ""),
            request.form.get("idp_issuer", ""),
            request.form.get("default_role", "Agent"),
            request.form.get("allow_idp_initiated") is not None,
        )


def render_settings(account: Account, **overrides: Any) -> str:
    """Render Settings -> Security -> Single Sign-On with the saved values, then ``overrides``."""
    return _render(account, **overrides)


def _render(account: Account, **overrides: Any) -> str:
    jc = facade()
    settings = jc.sso_settings(account.slug)
    tests = jc.activity(account.slug, flow="test", limit=1)
    now = current_app.config["CLOCK"]()
    context: dict[str, Any] = {
        "user": current_user(),
        "account": account,
        "settings": settings,
        "certificate_status": settings.certificate.status_at(now) if settings.certificate else None,
        "acs_url": urls.acs_url(current_app, account.slug),
        "entity_id": urls.entity_id(current_app, account.slug),
        "metadata_url": urls.metadata_url(current_app, account.slug),
        "has_verified_domain": any(d.verified for d in jc.domains(account.slug)),
        "role_choices": DEFAULT_ROLE_CHOICES,
        "form": FormValues.saved(settings),
        "errors": [],
        "warnings": [],
        "notice": None,
        "last_test": tests[0] if tests else None,
        "advanced": jc.advanced_settings(account.slug),
        "slo": jc.single_logout_settings(account.slug),
        "slo_url": urls.slo_url(current_app, account.slug),
        "mapping_roles": DEFAULT_ROLE_CHOICES,
    }
    context.update(overrides)
    return render_template("settings_sso.html", **context)


def _uploaded_certificate() -> bytes | None:
    upload = request.files.get("certificate")
    if upload is None or not upload.filename:
        return None
    return upload.stream.read(MAX_CERTIFICATE_BYTES + 1)


@bp.route("/settings/security/sso", methods=["GET", "POST"])
@admin_required
def sso() -> PageResult:
    user = current_user()
    assert user is not None
    account = facade().get_account(user.account)
    assert account is not None
    if request.method == "GET":
        return _render(account)
    if not account.has_sso_plan:
        return _render(account), 403
    action = request.form.get("action", "")
    if action == "enable":
        return _enable(account)
    if action == "disable":
        facade().enable_sso(account.slug, False)
        return _render(account, notice="SSO disabled. Everyone signs in with a password again.")
    if action == "save":
        return _save(account)
    if action in ADVANCED_ACTIONS:
        return _advanced(account, action)
    if action == "test":
        config = current_app.config
        start = begin_test(get_db(current_app), current_app, account.slug, config["CLOCK"](), config["ID_FACTORY"])
        if start.redirect_url is not None:
            return redirect(start.redirect_url, 302)
        return _render(account, errors=[start.error]), start.status
    return _render(account, errors=["Unknown action."]), 400


def _enable(account: Account) -> PageResult:
    if request.form.get("protocol", "saml2") != "saml2":
        return _render(account, errors=["Only SAML 2.0 is supported."]), 400
    if not any(d.verified for d in facade().domains(account.slug)):
        return _render(account, errors=[DOMAIN_REQUIRED]), 400
    facade().enable_sso(account.slug, True)
    return _render(account, notice="SSO enabled. Copy the ACS URL and Entity ID into your Okta app.")


def _save(account: Account) -> PageResult:
    jc = facade()
    submitted = FormValues.submitted()
    certificate = _uploaded_certificate()
    if certificate is None:
        certificate = jc.pinned_certificate(account.slug)
    if certificate is None:
        errors = ["Certificate: upload the X.509 certificate you downloaded from Okta."]
        return _render(account, errors=errors, form=submitted), 400
    result = jc.configure_sso(
        account.slug,
        idp_sso_url=submitted.idp_sso_url,
        idp_issuer=submitted.idp_issuer,
        certificate=certificate,
        default_role=submitted.default_role,
        allow_idp_initiated=submitted.allow_idp_initiated,
    )
    if result.errors:
        return _render(account, errors=result.errors, form=submitted), 400
    return _render(account, notice="Configuration saved.", warnings=result.warnings)


ADVANCED_ACTIONS = frozenset(
    {
        "encrypt_on",
        "encrypt_off",
        "rotate_encryption",
        "sign_requests_on",
        "sign_requests_off",
        "rotate_signing",
        "save_roles",
    }
)


def _advanced(account: Account, action: str) -> PageResult:
    """The optional sections: Encrypt assertions, Sign AuthnRequests (on, off, new certificate), group mapping."""
    jc = facade()
    if action in SIGNING_ACTIONS:
        return _signing(account, action)
    if action == "encrypt_on":
        jc.set_encrypt_assertions(account.slug, True)
        return _render(account, notice=ENCRYPTION_ON)
    if action == "encrypt_off":
        jc.set_encrypt_assertions(account.slug, False)
        return _render(account, notice="Encrypt assertions is off: set Assertion Encryption to Unencrypted in Okta.")
    if action == "rotate_encryption":
        jc.rotate_encryption_certificate(account.slug)
        return _render(account, notice="New encryption certificate: download it and upload it in Okta now.")
    groups, roles = request.form.getlist("group_name"), request.form.getlist("group_role")
    mappings = [(g, r) for g, r in zip(groups, roles, strict=False) if g.strip()]
    errors = jc.set_group_roles(account.slug, mappings, request.form.get("roles_at_every_login") is not None)
    if errors:
        return _render(account, errors=errors), 400
    return _render(account, notice="Group role mapping saved.")


SIGNING_ACTIONS = frozenset({"sign_requests_on", "sign_requests_off", "rotate_signing"})


def _signing(account: Account, action: str) -> PageResult:
    jc = facade()
    if action == "rotate_signing":
        jc.rotate_signing_certificate(account.slug)
        return _render(account, notice="New signing certificate: download it and upload it in Okta now.")
    jc.set_sign_authn_requests(account.slug, action == "sign_requests_on")
    if action == "sign_requests_on":
        return _render(account, notice=SIGNING_ON)
    return _render(account, notice="Sign AuthnRequests is off: untick Signed Requests in Okta first.")


SIGNING_ON = (
    "Sign AuthnRequests is on. In Okta upload JustCall's signing certificate as the Signature Certificate and tick "
    "Signed Requests."
)

ENCRYPTION_ON = (
    "Encrypt assertions is on. In Okta set Assertion Encryption to Encrypted and upload JustCall's encryption "
    "certificate; until then sign-ins fail."
)


def _certificate_download(kind: str, pem_of: Callable[[str], bytes]) -> WerkzeugResponse:
    """Send the account's ``kind`` certificate (PEM) as a file the admin uploads to Okta."""
    user = current_user()
    assert user is not None
    return WerkzeugResponse(
        pem_of(user.account),
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": f'attachment; filename="justcall-{user.account}-{kind}.pem"'},
    )


@bp.get("/settings/security/sso/encryption-certificate.pem")
@admin_required
def encryption_certificate() -> WerkzeugResponse:
    """Download JustCall's encryption certificate (PEM) for Okta's Encryption Certificate upload."""
    return _certificate_download("encryption", facade().encryption_certificate)


@bp.get("/settings/security/sso/signing-certificate.pem")
@admin_required
def signing_certificate() -> WerkzeugResponse:
    """Download JustCall's signing certificate (PEM) for Okta's Signature Certificate upload."""
    return _certificate_download("signing", facade().signing_certificate)


@bp.get("/settings")
@bp.get("/settings/security")
@admin_required
def security() -> WerkzeugResponse:
    """Settings -> Security has one item so far, Single Sign-On."""
    return redirect("/settings/security/sso", 302)


@bp.get("/settings/security/sso/activity")
@admin_required
def activity() -> str:
    user = current_user()
    assert user is not None
    entries = facade().activity(user.account, limit=200)
    return render_template("activity.html", user=user, entries=entries)
