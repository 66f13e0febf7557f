"""Serve ``/api/v1/apps``: list, get, create, replace, delete, lifecycle, signing keys and IdP metadata."""

from __future__ import annotations

from flask import Response, request

from mock_idp.admin.api_base import APPS_PAGE, api_bp, json_response, paginate, read_json
from mock_idp.admin.api_errors import VALIDITY_YEARS, ApiError, not_found, validation_failed
from mock_idp.admin.api_json import app_json, key_json
from mock_idp.admin.api_parse import AppSpec, parse_app
from mock_idp.admin.general_form import LOGO_ERROR, read_logo
from mock_idp.idp_session import current_org
from mock_idp.metadata import build_metadata
from mock_idp.model import SamlApp, SigningKey
from mock_idp.org import MAX_VALIDITY_YEARS, MIN_VALIDITY_YEARS


def find_app(app_id: str) -> SamlApp:
    """Return the app or raise Okta's 404 (``AppInstance``)."""
    try:
        return current_org().get_app(app_id)
    except KeyError:
        raise not_found(app_id, "AppInstance") from None


def _spec() -> AppSpec:
    parsed = parse_app(read_json())
    if isinstance(parsed, dict):
        raise validation_failed(parsed)
    return parsed


def _status_filter() -> str | None:
    raw = request.args.get("filter")
    if raw is None:
        return None
    wanted = {'status eq "ACTIVE"': "ACTIVE", 'status eq "INACTIVE"': "INACTIVE"}.get(raw.strip())
    if wanted is None:
        raise ApiError(400, "E0000031", "Invalid search criteria.", ['Supported: status eq "ACTIVE"|"INACTIVE"'])
    return wanted


@api_bp.get("/apps")
def list_apps() -> Response:
    """List apps (``q`` label prefix, ``filter=status eq "ACTIVE"``, ``limit``/``after``)."""
    org = current_org()
    q = request.args.get("q", "").lower()
    status = _status_filter()
    apps = [
        a for a in org.apps() if a.label.lower().startswith(q) and (status is None or org.app_status(a.id) == status)
    ]
    return paginate(apps, lambda a: a.id, lambda a: app_json(org, a), APPS_PAGE)


@api_bp.post("/apps")
def create_app() -> Response:
    """Create a SAML 2.0 app from Okta's JSON (``?activate=false`` leaves it INACTIVE)."""
    activate = request.args.get("activate", "true")
    if activate not in ("true", "false"):
        raise validation_failed({"activate": "must be true or false"})
    spec = _spec()
    org = current_org()
    try:
        app = org.create_app_integration(
            spec.label,
            status="ACTIVE" if activate == "true" else "INACTIVE",
            group_attribute_statements=spec.group_statements,
            **spec.settings,
        )
    except (ValueError, TypeError) as exc:
        raise validation_failed({"settings.signOn": str(exc)}) from None
    return json_response(app_json(org, app))


@api_bp.get("/apps/<app_id>")
def get_app(app_id: str) -> Response:
    """Return one app."""
    return json_response(app_json(current_org(), find_app(app_id)))


@api_bp.put("/apps/<app_id>")
def replace_app(app_id: str) -> Response:
    """Replace an app's label and SAML settings; ``credentials.signing.kid`` activates that signing key."""
    app = find_app(app_id)
    spec = _spec()
    org = current_org()
    changes = dict(spec.settings)
    changes.setdefault("issuer", f"http://www.okta.com/{app.external_key}")
    changes.setdefault("application_username", "okta_username")
    if spec.signing_kid is not None and spec.signing_kid not in {k.kid for k in org.signing_keys(app.id)}:
        raise validation_failed({"credentials.signing.kid": f"no signing key {spec.signing_kid} for this app"})
    try:
        updated = org.update_app_integration(
            app.id,
            label=spec.label,
            group_attribute_statements=spec.group_statements,
            signing_kid=spec.signing_kid,
            **changes,
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise validation_failed({"settings.signOn": str(exc)}) from None
    return json_response(app_json(org, updated))


@api_bp.delete("/apps/<app_id>")
def delete_app(app_id: str) -> Response:
    """Delete an INACTIVE app; an ACTIVE one is refused (E0000056) as in Okta."""
    app = find_app(app_id)
    try:
        current_org().delete_app(app.id)
    except ValueError:
        raise ApiError(403, "E0000056", "Delete application forbidden.") from None
    return Response(status=204)


@api_bp.post("/apps/<app_id>/lifecycle/<action>")
def lifecycle(app_id: str, action: str) -> Response:
    """Activate or deactivate an app (a deactivated app gives no SSO)."""
    app = find_app(app_id)
    if action == "activate":
        current_org().activate_app(app.id)
    elif action == "deactivate":
        current_org().deactivate_app(app.id)
    else:
        raise ApiError(404, "E0000007", f"Not found: Resource not found: {request.path} (POST)")
    return json_response({})


@api_bp.post("/apps/<app_id>/logo")
def upload_logo(app_id: str) -> Response:
    """Replace the app's logo (``_links.uploadLogo``): multipart form with the image in ``file``; 201, no body."""
    app = find_app(app_id)
    upload = request.files.get("file")
    logo = read_logo(upload.read()) if upload is not None else None
    if logo is None:
        raise validation_failed({"file": LOGO_ERROR})
    current_org().update_app_integration(app.id, logo=logo)
    return Response(status=201)


def _key(app: SamlApp, kid: str) -> SigningKey:
    try:
        return current_org().key(app.id, kid)
    except KeyError:
        raise not_found(kid, "AppInstanceKeyCredential") from None


@api_bp.get("/apps/<app_id>/credentials/keys")
def list_keys(app_id: str) -> Response:
    """List the app's signing key credentials, oldest first."""
    app = find_app(app_id)
    return json_response([key_json(k) for k in current_org().signing_keys(app.id)])


@api_bp.get("/apps/<app_id>/credentials/keys/<kid>")
def get_key(app_id: str, kid: str) -> Response:
    """Return one signing key credential."""
    return json_response(key_json(_key(find_app(app_id), kid)))


@api_bp.post("/apps/<app_id>/credentials/keys/generate")
def generate_key(app_id: str) -> Response:
    """Generate an Inactive key valid ``validityYears`` (2-10) years; activate it with PUT credentials.signing.kid."""
    app = find_app(app_id)
    raw = request.args.get("validityYears", "")
    years = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else -1
    if not MIN_VALIDITY_YEARS <= years <= MAX_VALIDITY_YEARS:
        raise ApiError(400, "E0000001", VALIDITY_YEARS, [VALIDITY_YEARS])
    key = current_org().generate_key(app.id, years)
    return json_response(key_json(key), 201, headers={"Location": request.base_url.replace("/generate", f"/{key.kid}")})


@api_bp.get("/apps/<app_id>/sso/saml/metadata")
def app_metadata(app_id: str) -> Response:
    """Return the app's IdP metadata for the Active key (or ``?kid=``), as ``application/xml`` (Okta's type)."""
    app = find_app(app_id)
    org = current_org()
    kid = request.args.get("kid")
    key = _key(app, kid) if kid else org.active_key(app.id)
    body = build_metadata(org.issuer(app), org.sso_url(app), key.credential, app.name_id_format, org.idp_slo_url(app))
    return Response(body, mimetype="application/xml")
