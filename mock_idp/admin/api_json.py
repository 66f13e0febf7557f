"""Render org records in the Admin API's JSON shapes (Okta Management API): apps, keys, users, groups, assignments."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mock_idp.admin.api_base import api_url, okta_time
from mock_idp.admin.records import GroupAttributeStatement
from mock_idp.admin.saml_form import DEFAULT_ISSUER_TEMPLATE, default_issuer
from mock_idp.assets import DEFAULT_APP_LOGO, GROUP_LOGOS
from mock_idp.model import Group, SamlApp, SigningKey, User
from mock_idp.org import Org
from saml_xmlns import AC_PASSWORD_PROTECTED_TRANSPORT

# "Application username" <-> credentials.userNameTemplate.template (Okta's built-in templates).
USERNAME_TEMPLATES: dict[str, str] = {
    "okta_username": "${source.login}",
    "email": "${source.email}",
    "okta_username_prefix": '${fn:substringBefore(source.login, "@")}',
}
SUBJECT_NAME_ID_TEMPLATE = "${user.userName}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64url(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def key_json(key: SigningKey) -> dict[str, Any]:
    """Return an app signing key credential (``GET /apps/{id}/credentials/keys``)."""
    certificate = key.credential.certificate
    der = certificate.public_bytes(serialization.Encoding.DER)
    public = certificate.public_key()
    numbers = public.public_numbers() if isinstance(public, rsa.RSAPublicKey) else None
    return {
        "created": okta_time(key.created),
        "lastUpdated": okta_time(key.created),
        "expiresAt": okta_time(key.credential.not_after),
        "x5c": [base64.b64encode(der).decode("ascii")],
        "e": _int_b64url(numbers.e) if numbers else None,
        "n": _int_b64url(numbers.n) if numbers else None,
        "kid": key.kid,
        "kty": "RSA",
        "use": "sig",
        "x5t#S256": _b64url(hashlib.sha256(der).digest()),
    }


def _group_statement_json(statement: GroupAttributeStatement) -> dict[str, Any]:
    return {
        "type": "GROUP",
        "name": statement.name,
        "namespace": statement.name_format,
        "filterType": statement.filter_type,
        "filterValue": statement.filter_value,
    }


def _link(path: str, **extra: Any) -> dict[str, Any]:
    return {"href": api_url(path), **extra}


def _post(path: str) -> dict[str, Any]:
    return _link(path, method="POST")


def app_orn(org: Org, app: SamlApp) -> str:
    """Return the app's Okta Resource Name: ``orn:okta:idp:{orgId}:apps:{appName}:{appId}``."""
    return f"orn:okta:idp:{org.org_id}:apps:{app.name}:{app.id}"


def app_logo_links(org: Org, app: SamlApp) -> list[dict[str, str]]:
    """Return ``_links.logo``: the uploaded logo (console route) or the org's stock one, as a one-item list."""
    logo = org.app_extras(app.id).logo
    if logo is not None:
        return [{"name": "medium", "href": f"{org.public_url}/admin/app/{app.id}/logo", "type": logo.mimetype}]
    return [{"name": "medium", "href": f"{org.public_url}{DEFAULT_APP_LOGO}", "type": "image/png"}]


def app_json(org: Org, app: SamlApp) -> dict[str, Any]:
    """Return a SAML app in Okta's ``SamlApplication`` shape.

    Follows the response of ``POST /api/v1/apps`` in okta/terraform-provider-okta
    test/fixtures/vcr/TestAccAppSaml_crud/mm-oie-2022-10-07-max.yaml (key order, ``settings.notifications``,
    ``_links`` without ``self``), with ``orn`` as Okta's Apps API reference shows it.
    """
    extras = org.app_extras(app.id)
    link = f"/apps/{app.id}"
    lifecycle = "deactivate" if extras.status == "ACTIVE" else "activate"
    links: dict[str, Any] = {
        "help": {
            "href": f"{org.public_url}/admin/app/{app.name}/{app.id}/setup/help/SAML_2_0/instructions",
            "type": "text/html",
        },
        "metadata": _link(f"{link}/sso/saml/metadata", type="application/xml"),
        "uploadLogo": _link(f"{link}/logo", hints={"allow": ["POST"]}),
        "appLinks": [{"name": f"{app.name}_link", "href": org.embed_link(app), "type": "text/html"}],
        "groups": _link(f"{link}/groups"),
        "logo": app_logo_links(org, app),
        "users": _link(f"{link}/users"),
        lifecycle: _link(f"{link}/lifecycle/{lifecycle}"),
    }
    issuer = DEFAULT_ISSUER_TEMPLATE if app.issuer == default_issuer(app.external_key) else app.issuer
    return {
        "id": app.id,
        "orn": app_orn(org, app),
        "name": app.name,
        "label": app.label,
        "status": extras.status,
        "lastUpdated": okta_time(extras.last_updated),
        "created": okta_time(extras.created),
        "accessibility": {"selfService": False, "errorRedirectUrl": None, "loginRedirectUrl": None},
        "visibility": {
            "autoLaunch": False,
            "autoSubmitToolbar": False,
            "hide": {"iOS": False, "web": False},
            "appLinks": {f"{app.name}_link": True},
        },
        "features": [],
        "signOnMode": "SAML_2_0",
        "credentials": {
            "userNameTemplate": {"template": USERNAME_TEMPLATES[app.application_username], "type": "BUILT_IN"},
            "signing": {"kid": org.active_key(app.id).kid},
        },
        "settings": {
            "app": {},
            "notifications": {"vpn": {"network": {"connection": "DISABLED"}, "message": None, "helpUrl": None}},
            "manualProvisioning": False,
            "implicitAssignment": False,
            "notes": {"admin": None, "enduser": None},
            "signOn": {
                "defaultRelayState": app.default_relay_state,
                "ssoAcsUrl": app.sso_url,
                "idpIssuer": issuer,
                "audience": app.audience,
                "recipient": app.recipient,
                "destination": app.destination,
                "subjectNameIdTemplate": SUBJECT_NAME_ID_TEMPLATE,
                "subjectNameIdFormat": app.name_id_format,
                "responseSigned": app.response_signed,
                "assertionSigned": app.assertion_signed,
                "signatureAlgorithm": app.signature_algorithm,
                "digestAlgorithm": app.digest_algorithm,
                "honorForceAuthn": app.honor_force_authn,
                "authnContextClassRef": AC_PASSWORD_PROTECTED_TRANSPORT,
                "requestCompressed": False,
                "attributeStatements": [
                    {"type": "EXPRESSION", "name": s.name, "namespace": s.name_format, "values": [s.value]}
                    for s in app.attribute_statements
                ]
                + [_group_statement_json(g) for g in extras.group_attribute_statements],
                "inlineHooks": [],
                "allowMultipleAcsEndpoints": False,
                "acsEndpoints": [],
                "samlSignedRequestEnabled": app.request_signed,
                "slo": slo_json(app),
                **sp_certificate_json(app),
                "assertionEncryption": assertion_encryption_json(app),
            },
        },
        "_links": links,
    }


def _x5c_value(pem: str) -> str | None:
    """Return a PEM certificate as Okta's ``x5c`` entry (base64 DER on one line), None when there is none."""
    return "".join(pem.strip().splitlines()[1:-1]) if pem else None


def sp_certificate_json(app: SamlApp) -> dict[str, Any]:
    """Return the Signature Certificate as ``spCertificate.x5c``; Okta omits it when none is uploaded."""
    certificate = _x5c_value(app.signature_certificate)
    return {"spCertificate": {"x5c": [certificate]}} if certificate else {}


def slo_json(app: SamlApp) -> dict[str, Any]:
    """Return "Enable Single Logout" as ``settings.signOn.slo`` (Okta writes only ``enabled`` while it is off)."""
    if not app.slo_enabled:
        return {"enabled": False}
    return {"enabled": True, "spIssuer": app.sp_issuer, "logoutUrl": app.slo_url}


def assertion_encryption_json(app: SamlApp) -> dict[str, Any]:
    """Return "Assertion Encryption" as ``settings.signOn.assertionEncryption`` (the certificate as ``x5c``)."""
    certificate = _x5c_value(app.encryption_certificate)
    return {
        "enabled": app.assertion_encrypted,
        "encryptionAlgorithm": app.encryption_algorithm,
        "keyTransportAlgorithm": app.key_transport_algorithm,
        "x5c": [certificate] if certificate else [],
    }


def user_status(user: User) -> str:
    """Return the user's API status (the mock's deactivated user is Okta's ``DEPROVISIONED``)."""
    return "ACTIVE" if user.status == "ACTIVE" else "DEPROVISIONED"


def user_links(org: Org, user: User) -> dict[str, Any]:
    """Return a user's ``_links``: self, schema, type and the operations its status allows.

    For ACTIVE, the links (and order) of ``POST /api/v1/users`` in okta/okta-sdk-python
    tests/integration/cassettes/TestApplicationsResource.test_get_list_assign_users_app.yaml.
    """
    me = f"/users/{user.id}"
    schema = _link(f"/meta/schemas/user/{org.user_schema_id}")
    kind = _link(f"/meta/types/user/{org.user_type_id}")
    if user.status != "ACTIVE":
        return {"schema": schema, "activate": _post(f"{me}/lifecycle/activate"), "self": _link(me), "type": kind}
    return {
        "suspend": _post(f"{me}/lifecycle/suspend"),
        "schema": schema,
        "resetPassword": _post(f"{me}/lifecycle/reset_password"),
        "expirePassword": _post(f"{me}/lifecycle/expire_password"),
        "changeRecoveryQuestion": _post(f"{me}/credentials/change_recovery_question"),
        "self": _link(me),
        "type": kind,
        "changePassword": _post(f"{me}/credentials/change_password"),
        "deactivate": _post(f"{me}/lifecycle/deactivate"),
    }


def user_json(org: Org, user: User, *, all_links: bool = True) -> dict[str, Any]:
    """Return a user in Okta's shape (same cassette as ``user_links``).

    Lists (``GET /users``, group members) carry only the ``self`` link, as Okta's "List all users" example shows.
    """
    times = org.user_times(user.id)
    return {
        "id": user.id,
        "status": user_status(user),
        "created": okta_time(times.created),
        "activated": okta_time(times.activated),
        "statusChanged": okta_time(times.status_changed),
        "lastLogin": okta_time(times.last_login),
        "lastUpdated": okta_time(times.last_updated),
        "passwordChanged": okta_time(times.password_changed),
        "type": {"id": org.user_type_id},
        "profile": {
            "firstName": user.first_name,
            "lastName": user.last_name,
            "mobilePhone": None,
            "secondEmail": None,
            "login": user.login,
            "email": user.email,
        },
        "credentials": {
            "password": {},
            "emails": [{"value": user.email, "status": "VERIFIED", "type": "PRIMARY"}],
            "provider": {"type": "OKTA", "name": "OKTA"},
        },
        "_links": user_links(org, user) if all_links else {"self": _link(f"/users/{user.id}")},
    }


def group_json(org: Org, group: Group) -> dict[str, Any]:
    """Return a group in Okta's shape (okta/okta-sdk-python
    tests/integration/cassettes/TestGroupsResource.test_list_groups.yaml: "Everyone" is BUILT_IN)."""
    created = okta_time(org.created_at(group.id))
    return {
        "id": group.id,
        "created": created,
        "lastUpdated": created,
        "lastMembershipUpdated": okta_time(org.membership_updated(group.id)),
        "objectClass": ["okta:user_group"],
        "type": group.type,
        "profile": {"name": group.name, "description": group.description},
        "_links": {
            "logo": [
                {"name": size, "href": f"{org.public_url}{path}", "type": "image/png"}
                for size, path in GROUP_LOGOS.items()
            ],
            "users": _link(f"/groups/{group.id}/users"),
            "apps": _link(f"/groups/{group.id}/apps"),
        },
    }


def app_user_json(org: Org, app: SamlApp, user: User) -> dict[str, Any]:
    """Return an app user (``scope`` USER for a direct assignment, GROUP when only a group assigns them).

    Shape of ``POST /api/v1/apps/{id}/users`` in okta/okta-sdk-python
    tests/integration/cassettes/TestApplicationsResource.test_get_list_assign_users_app.yaml; a GROUP-scoped
    user also links the group that assigns them (the one with the lowest priority).
    """
    direct = user.id in org.assigned_user_ids(app.id)
    via = _assigning_group(org, app, user)
    created = okta_time(org.created_at(f"{app.id}/{user.id if direct or via is None else via.id}"))
    links: dict[str, Any] = {"app": _link(f"/apps/{app.id}"), "user": _link(f"/users/{user.id}")}
    if not direct and via is not None:
        links["group"] = {"name": via.name, "href": api_url(f"/groups/{via.id}")}
    return {
        "id": user.id,
        "externalId": None,
        "created": created,
        "lastUpdated": created,
        "scope": "USER" if direct else "GROUP",
        "status": "ACTIVE" if user.status == "ACTIVE" else "INACTIVE",
        "statusChanged": created,
        "passwordChanged": None,
        "syncState": "DISABLED",
        "credentials": {"userName": app.username_for(user)},
        "profile": {},
        "_links": links,
    }


def _assigning_group(org: Org, app: SamlApp, user: User) -> Group | None:
    assigned = org.assigned_group_ids(app.id) & org.group_ids_of(user.id)
    if not assigned:
        return None
    return org.get_group(min(assigned, key=lambda g: (org.group_assignment_priority(app.id, g), g)))


def app_group_json(org: Org, app: SamlApp, group: Group) -> dict[str, Any]:
    """Return an app group assignment (``PUT /api/v1/apps/{id}/groups/{groupId}`` in okta/okta-sdk-python
    tests/integration/cassettes/TestApplicationsResource.test_assign_group_app.yaml)."""
    return {
        "id": group.id,
        "lastUpdated": okta_time(org.created_at(f"{app.id}/{group.id}")),
        "priority": org.group_assignment_priority(app.id, group.id),
        "profile": {},
        "_links": {
            "app": _link(f"/apps/{app.id}"),
            "self": _link(f"/apps/{app.id}/groups/{group.id}"),
            "group": _link(f"/groups/{group.id}"),
        },
    }


def app_link_json(org: Org, app: SamlApp, user: User, order: int) -> dict[str, Any]:
    """Return one entry of ``GET /users/{id}/appLinks`` (the user's dashboard tile)."""
    assignment = hashlib.sha256(f"{app.id}/{user.id}".encode()).hexdigest()[:17]
    return {
        "id": app.link_id,
        "label": app.label,
        "linkUrl": org.embed_link(app),
        "logoUrl": app_logo_links(org, app)[0]["href"],
        "appName": app.name,
        "appInstanceId": app.id,
        "appAssignmentId": f"0ua{assignment}",
        "credentialsSetup": False,
        "hidden": False,
        "sortOrder": order,
    }
