"""Turn an Admin API app body (Okta's SAML app JSON) into the org's arguments, or every field error (pure).

Strict about types (a string where a boolean belongs is an error, not a guess); fields Okta has but this mock
does not model (e.g. ``samlAssertionLifetimeSeconds``) are accepted and ignored, so a GET body can be PUT back.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mock_idp.admin.api_json import SUBJECT_NAME_ID_TEMPLATE, USERNAME_TEMPLATES
from mock_idp.admin.choices import ATTRIBUTE_NAME_FORMATS, DIGEST_ALGORITHMS, NAME_ID_FORMATS, SIGNATURE_ALGORITHMS
from mock_idp.admin.records import GROUP_FILTERS, GroupAttributeStatement
from mock_idp.admin.saml_form import DEFAULT_ISSUER_TEMPLATE, MAX_ROWS
from mock_idp.admin.validation import MAX_LABEL, UNSIGNED, text_error, url_error
from mock_idp.encryption import ENCRYPTION_ALGORITHMS, KEY_TRANSPORT_ALGORITHMS
from mock_idp.model import AttributeStatement
from mock_idp.slo.settings import slo_errors

MAX_STATEMENTS = MAX_ROWS


@dataclass
class AppSpec:
    """What an app body asks for: label, SAML settings (org keyword arguments), group statements, signing kid."""

    label: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    group_statements: list[GroupAttributeStatement] = field(default_factory=list)
    signing_kid: str | None = None


class _Reader:
    """Collect field errors while reading typed values out of nested JSON objects."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def obj(self, parent: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> Mapping[str, Any]:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(path, "The field cannot be left blank")
            return {}
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return {}
        return value

    def text(self, parent: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> str | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(path, "The field cannot be left blank")
            return None
        if not isinstance(value, str):
            self.fail(path, "must be a string")
            return None
        return value

    def flag(self, parent: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = parent.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(path, "must be a boolean")
            return default
        return value

    def check(self, path: str, message: str | None) -> None:
        if message:
            self.fail(path, message)


def parse_app(body: Mapping[str, Any]) -> AppSpec | dict[str, str]:
    """Return the spec, or field path -> message for every problem (nothing is written on error)."""
    r = _Reader()
    spec = AppSpec()
    label = r.text(body, "label", "label", required=True)
    if label is not None:
        r.check("label", text_error(label, limit=MAX_LABEL))
        spec.label = label.strip()
    mode = r.text(body, "signOnMode", "signOnMode", required=True)
    if mode is not None and mode != "SAML_2_0":
        r.fail("signOnMode", "Only SAML_2_0 app integrations can be created in this mock org")
    settings = r.obj(body, "settings", "settings")
    sign_on = r.obj(settings, "signOn", "settings.signOn") if settings else {}
    if sign_on:
        spec.settings = _sign_on(r, sign_on)
        spec.group_statements = _group_statements(r, sign_on)
    _credentials(r, body, spec)
    return r.errors or spec


def _sign_on(r: _Reader, sign_on: Mapping[str, Any]) -> dict[str, Any]:
    p = "settings.signOn."
    out: dict[str, Any] = {}
    sso_url = r.text(sign_on, "ssoAcsUrl", p + "ssoAcsUrl", required=True)
    if sso_url is not None:
        r.check(p + "ssoAcsUrl", url_error(sso_url, sso_url=True))
        out["sso_url"] = sso_url
    audience = r.text(sign_on, "audience", p + "audience", required=True)
    if audience is not None:
        r.check(p + "audience", text_error(audience))
        out["audience"] = audience
    for key, name in (("recipient", "recipient"), ("destination", "destination")):
        value = r.text(sign_on, key, p + key)
        if value:
            r.check(p + key, url_error(value))
        out[name] = value or sso_url
    relay = r.text(sign_on, "defaultRelayState", p + "defaultRelayState")
    r.check(p + "defaultRelayState", text_error(relay or "", required=False))
    out["default_relay_state"] = relay or ""
    issuer = r.text(sign_on, "idpIssuer", p + "idpIssuer")
    if issuer and issuer != DEFAULT_ISSUER_TEMPLATE:
        r.check(p + "idpIssuer", text_error(issuer))
        out["issuer"] = issuer
    template = r.text(sign_on, "subjectNameIdTemplate", p + "subjectNameIdTemplate")
    if template not in (None, SUBJECT_NAME_ID_TEMPLATE):
        r.fail(p + "subjectNameIdTemplate", f"only {SUBJECT_NAME_ID_TEMPLATE} is supported by this mock org")
    name_id = r.text(sign_on, "subjectNameIdFormat", p + "subjectNameIdFormat") or NAME_ID_FORMATS["Unspecified"]
    if name_id not in NAME_ID_FORMATS.values():
        r.fail(p + "subjectNameIdFormat", f"must be one of {sorted(NAME_ID_FORMATS.values())}")
    out["name_id_format"] = name_id
    out["response_signed"] = r.flag(sign_on, "responseSigned", p + "responseSigned", True)
    out["assertion_signed"] = r.flag(sign_on, "assertionSigned", p + "assertionSigned", True)
    if not (out["response_signed"] or out["assertion_signed"]):
        r.fail(p + "responseSigned", UNSIGNED)
    for key, name, allowed, default in (
        ("signatureAlgorithm", "signature_algorithm", SIGNATURE_ALGORITHMS, "RSA_SHA256"),
        ("digestAlgorithm", "digest_algorithm", DIGEST_ALGORITHMS, "SHA256"),
    ):
        value = r.text(sign_on, key, p + key) or default
        if value not in allowed:
            r.fail(p + key, f"must be one of {sorted(allowed)}")
        out[name] = value
    out["honor_force_authn"] = r.flag(sign_on, "honorForceAuthn", p + "honorForceAuthn", True)
    out["attribute_statements"] = _attribute_statements(r, sign_on)
    out.update(_assertion_encryption(r, sign_on))
    out.update(_signed_requests(r, sign_on))
    out.update(_single_logout(r, sign_on, out.get("signature_certificate", "")))
    return out


def _single_logout(r: _Reader, sign_on: Mapping[str, Any], certificate: str) -> dict[str, Any]:
    """Read "Enable Single Logout" as Okta's API writes it: ``slo`` {``enabled``, ``spIssuer``, ``logoutUrl``}."""
    path = "settings.signOn.slo"
    raw = r.obj(sign_on, "slo", path, required=False)
    if not raw:
        return {}
    enabled = r.flag(raw, "enabled", path + ".enabled", False)
    slo_url = r.text(raw, "logoutUrl", path + ".logoutUrl") or ""
    sp_issuer = r.text(raw, "spIssuer", path + ".spIssuer") or ""
    where = {
        "slo_url": path + ".logoutUrl",
        "sp_issuer": path + ".spIssuer",
        "signature_certificate": "settings.signOn.spCertificate.x5c",
    }
    for key, message in slo_errors(enabled, slo_url, sp_issuer, certificate).items():
        r.fail(where[key], message)
    return {"slo_enabled": enabled, "slo_url": slo_url if enabled else "", "sp_issuer": sp_issuer if enabled else ""}


def _signed_requests(r: _Reader, sign_on: Mapping[str, Any]) -> dict[str, Any]:
    """Read "Signed Requests" (``samlSignedRequestEnabled``) and the Signature Certificate (``spCertificate.x5c``)."""
    p = "settings.signOn."
    out: dict[str, Any] = {}
    if "samlSignedRequestEnabled" in sign_on:
        out["request_signed"] = r.flag(sign_on, "samlSignedRequestEnabled", p + "samlSignedRequestEnabled", False)
    raw = r.obj(sign_on, "spCertificate", p + "spCertificate", required=False)
    x5c = raw.get("x5c") if raw else None
    if x5c is not None:
        if not isinstance(x5c, list) or len(x5c) > 1 or not all(isinstance(v, str) for v in x5c):
            r.fail(p + "spCertificate.x5c", "must be an array of at most one base64 DER certificate")
        else:
            out["signature_certificate"] = _pem_from_x5c(r, x5c[0], p + "spCertificate.x5c") if x5c else ""
    if out.get("request_signed") and not out.get("signature_certificate"):
        r.fail(p + "spCertificate.x5c", "a signature certificate is required when signed requests are enabled")
    return out


def _assertion_encryption(r: _Reader, sign_on: Mapping[str, Any]) -> dict[str, Any]:
    path = "settings.signOn.assertionEncryption"
    raw = r.obj(sign_on, "assertionEncryption", path, required=False)
    if not raw:
        return {}
    out: dict[str, Any] = {"assertion_encrypted": r.flag(raw, "enabled", path + ".enabled", False)}
    for key, name, allowed in (
        ("encryptionAlgorithm", "encryption_algorithm", ENCRYPTION_ALGORITHMS),
        ("keyTransportAlgorithm", "key_transport_algorithm", KEY_TRANSPORT_ALGORITHMS),
    ):
        value = r.text(raw, key, f"{path}.{key}")
        if value is None:
            continue
        if value not in allowed:
            r.fail(f"{path}.{key}", f"must be one of {sorted(allowed)}")
        out[name] = value
    x5c = raw.get("x5c")
    if x5c is not None:
        if not isinstance(x5c, list) or len(x5c) > 1 or not all(isinstance(v, str) for v in x5c):
            r.fail(path + ".x5c", "must be an array of at most one base64 DER certificate")
        else:
            out["encryption_certificate"] = _pem_from_x5c(r, x5c[0], path + ".x5c") if x5c else ""
    if out["assertion_encrypted"] and not out.get("encryption_certificate"):
        r.fail(path + ".x5c", "an encryption certificate is required when assertion encryption is enabled")
    return out


def _pem_from_x5c(r: _Reader, value: str, path: str) -> str:
    try:
        der = base64.b64decode("".join(value.split()), validate=True)
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode("ascii")
    except (ValueError, binascii.Error):
        r.fail(path, "must hold a base64 DER X.509 certificate")
        return ""


def _statements(r: _Reader, sign_on: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    path = "settings.signOn.attributeStatements"
    raw = sign_on.get("attributeStatements")
    if raw is None:
        return []
    if not isinstance(raw, list):
        r.fail(path, "must be an array")
        return []
    if len(raw) > MAX_STATEMENTS:
        r.fail(path, f"at most {MAX_STATEMENTS} attribute statements")
        return []
    items: list[tuple[int, Mapping[str, Any]]] = []
    for index, item in enumerate(raw):
        if isinstance(item, dict):
            items.append((index, item))
        else:
            r.fail(f"{path}[{index}]", "must be an object")
    return items


def _name_and_format(r: _Reader, item: Mapping[str, Any], path: str) -> tuple[str, str]:
    name = r.text(item, "name", path + ".name", required=True) or ""
    if name:
        r.check(path + ".name", text_error(name, limit=256))
    namespace = r.text(item, "namespace", path + ".namespace") or ATTRIBUTE_NAME_FORMATS["Unspecified"]
    if namespace not in ATTRIBUTE_NAME_FORMATS.values():
        r.fail(path + ".namespace", f"must be one of {sorted(ATTRIBUTE_NAME_FORMATS.values())}")
    return name, namespace


def _attribute_statements(r: _Reader, sign_on: Mapping[str, Any]) -> list[AttributeStatement]:
    statements: list[AttributeStatement] = []
    seen: set[str] = set()
    for index, item in _statements(r, sign_on):
        path = f"settings.signOn.attributeStatements[{index}]"
        kind = item.get("type", "EXPRESSION")
        if kind == "GROUP":
            continue
        if kind != "EXPRESSION":
            r.fail(path + ".type", "must be EXPRESSION or GROUP")
            continue
        name, namespace = _name_and_format(r, item, path)
        if name in seen:
            r.fail(path + ".name", "Attribute statement names must be unique")
        seen.add(name)
        values = item.get("values")
        if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
            r.fail(path + ".values", "must be an array of exactly one string (one expression) in this mock org")
            continue
        r.check(path + ".values", text_error(values[0]))
        statements.append(AttributeStatement(name=name, value=values[0], name_format=namespace))
    return statements


def _group_statements(r: _Reader, sign_on: Mapping[str, Any]) -> list[GroupAttributeStatement]:
    statements: list[GroupAttributeStatement] = []
    for index, item in _statements(r, sign_on):
        if item.get("type") != "GROUP":
            continue
        path = f"settings.signOn.attributeStatements[{index}]"
        name, namespace = _name_and_format(r, item, path)
        filter_type = r.text(item, "filterType", path + ".filterType", required=True) or ""
        if filter_type and filter_type not in GROUP_FILTERS:
            r.fail(path + ".filterType", f"must be one of {sorted(GROUP_FILTERS)}")
        filter_value = r.text(item, "filterValue", path + ".filterValue", required=True) or ""
        r.check(path + ".filterValue", text_error(filter_value))
        statements.append(GroupAttributeStatement(name, namespace, filter_type, filter_value))
    return statements


def _credentials(r: _Reader, body: Mapping[str, Any], spec: AppSpec) -> None:
    credentials = r.obj(body, "credentials", "credentials", required=False)
    username = r.obj(credentials, "userNameTemplate", "credentials.userNameTemplate", required=False)
    template = r.text(username, "template", "credentials.userNameTemplate.template")
    if template is not None:
        by_template = {t: name for name, t in USERNAME_TEMPLATES.items()}
        if template not in by_template:
            r.fail("credentials.userNameTemplate.template", f"must be one of {sorted(by_template)}")
        else:
            spec.settings["application_username"] = by_template[template]
    signing = r.obj(credentials, "signing", "credentials.signing", required=False)
    spec.signing_kid = r.text(signing, "kid", "credentials.signing.kid")
