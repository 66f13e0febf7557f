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


def app_json(org: Org, app: SamlApp) -> dict[str, Any]:
    """Return a SAML app in Okta's ``Saml2.0Application`` shape."""
    extras = org.app_extras(app.id)
    link = f"/apps/{app.id}"
    lifecycle = "deactivate" if extras.status == "ACTIVE" else "activate"
    links: dict[str, Any] = {
        "appLinks": [{"name": f"{app.name}_link", "href": org.embed_link(app), "type": "text/html"}],
        "self": {"href": api_url(link)},
        "users": {"href": api_url(f"{link}/users")},
        "groups": {"href": api_url(f"{link}/groups")},
        "metadata": {"href": api_url(f"{link}/sso/saml/metadata"), "type": "application/xml"},
        lifecycle: {"href": api_url(f"{link}/lifecycle/{lifecycle}")},
    }
    issuer = DEFAULT_ISSUER_TEMPLATE if app.issuer == default_issuer(app.external_key) else app.issuer
    return {
        "id": app.id,
        "name": app.name,
        "label": app.label,
        "status": extras.status,
        "created": okta_time(extras.created),
        "lastUpdated": okta_time(extras.last_updated),
        "signOnMode": "SAML_2_0",
        "features": [],
        "accessibility": {"selfService": False, "errorRedirectUrl": None, "loginRedirectUrl": None},
        "visibility": {
            "autoLaunch": False,
            "autoSubmitToolbar": False,
            "hide": {"iOS": False, "web": False},
            "appLinks": {f"{app.name}_link": True},
        },
        "credentials": {
            "userNameTemplate": {"template": USERNAME_TEMPLATES[app.application_username], "type": "BUILT_IN"},
            "signing": {"kid": org.active_key(app.id).kid},
        },
        "settings": {
            "app": {},
            "signOn": {
                "defaultRelayState": app.default_relay_state or None,
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
                "allowMultipleAcsEndpoints": False,
                "acsEndpoints": [],
                "samlSignedRequestEnabled": app.request_signed,
                **sp_certificate_json(app),
                "slo": slo_json(app),
                "assertionEncryption": assertion_encryption_json(app),
                "attributeStatements": [
                    {"type": "EXPRESSION", "name": s.name, "namespace": s.name_format, "values": [s.value]}
                    for s in app.attribute_statements
                ]
                + [_group_statement_json(g) for g in extras.group_attribute_statements],
                "inlineHooks": [],
            },
            "implicitAssignment": False,
            "manualProvisioning": False,
            "notes": {"admin": None, "enduser": None},
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


def user_json(org: Org, user: User) -> dict[str, Any]:
    """Return a user in Okta's shape (a deactivated user is ``DEPROVISIONED`` in the API)."""
    created = okta_time(org.created_at(user.id))
    return {
        "id": user.id,
        "status": "ACTIVE" if user.status == "ACTIVE" else "DEPROVISIONED",
        "created": created,
        "activated": created,
        "statusChanged": None,
        "lastLogin": None,
        "lastUpdated": created,
        "passwordChanged": created,
        "profile": {
            "firstName": user.first_name,
            "lastName": user.last_name,
            "mobilePhone": None,
            "secondEmail": None,
            "login": user.login,
            "email": user.email,
        },
        "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": api_url(f"/users/{user.id}")}},
    }


def group_json(org: Org, group: Group) -> dict[str, Any]:
    """Return a group in Okta's shape."""
    created = okta_time(org.created_at(group.id))
    return {
        "id": group.id,
        "created": created,
        "lastUpdated": created,
        "lastMembershipUpdated": created,
        "objectClass": ["okta:user_group"],
        "type": "OKTA_GROUP",
        "profile": {"name": group.name, "description": None},
        "_links": {
            "users": {"href": api_url(f"/groups/{group.id}/users")},
            "apps": {"href": api_url(f"/groups/{group.id}/apps")},
        },
    }


def app_user_json(org: Org, app: SamlApp, user: User) -> dict[str, Any]:
    """Return an app user (``scope`` USER for a direct assignment, GROUP when only a group assigns them)."""
    direct = user.id in org.assigned_user_ids(app.id)
    created = okta_time(org.created_at(f"{app.id}/{user.id}"))
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
        "_links": {"app": {"href": api_url(f"/apps/{app.id}")}, "user": {"href": api_url(f"/users/{user.id}")}},
    }


def app_group_json(org: Org, app: SamlApp, group: Group) -> dict[str, Any]:
    """Return an app group assignment (``ApplicationGroupAssignment``)."""
    return {
        "id": group.id,
        "priority": 0,
        "lastUpdated": okta_time(org.created_at(f"{app.id}/{group.id}")),
        "profile": {},
        "_links": {
            "app": {"href": api_url(f"/apps/{app.id}")},
            "self": {"href": api_url(f"/apps/{app.id}/groups/{group.id}")},
            "group": {"href": api_url(f"/groups/{group.id}")},
        },
    }


def app_link_json(org: Org, app: SamlApp, user: User, order: int) -> dict[str, Any]:
    """Return one entry of ``GET /users/{id}/appLinks`` (the user's dashboard tile)."""
    assignment = hashlib.sha256(f"{app.id}/{user.id}".encode()).hexdigest()[:17]
    return {
        "id": app.link_id,
        "label": app.label,
        "linkUrl": org.embed_link(app),
        "logoUrl": None,
        "appName": app.name,
        "appInstanceId": app.id,
        "appAssignmentId": f"0ua{assignment}",
        "credentialsSetup": False,
        "hidden": False,
        "sortOrder": order,
    }
