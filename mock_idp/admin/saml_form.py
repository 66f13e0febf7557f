"""Read, check and convert the Configure SAML form (pure: submitted values in, settings and messages out).

The same ``SamlSettings`` backs the wizard's Configure SAML step and the General tab's SAML Settings edit.
Select values stay raw strings until ``validate`` has accepted them, so a forged option is a message, not a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Any

from mock_idp.admin.choices import (
    APPLICATION_USERNAMES,
    ATTRIBUTE_NAME_FORMATS,
    DIGEST_ALGORITHMS,
    NAME_ID_FORMATS,
    SIGNATURE_ALGORITHMS,
    label_of,
)
from mock_idp.admin.records import GROUP_FILTERS, GroupAttributeStatement
from mock_idp.admin.validation import UNSIGNED, text_error, url_error
from mock_idp.encryption import ENCRYPTION_LABELS, KEY_TRANSPORT_LABELS, load_certificate
from mock_idp.model import AttributeStatement, SamlApp
from mock_idp.request_signature import SIGNATURE_CERTIFICATE
from mock_idp.slo.settings import slo_errors

FormData = Mapping[str, Sequence[str]]
"""Submitted form values, every key mapped to its list of values (``request.form.to_dict(flat=False)``)."""

MIN_ATTRIBUTE_ROWS = 3
"""Attribute Statements rows shown without JavaScript (the article adds three)."""
MIN_GROUP_ROWS = 1
MAX_ROWS = 50
"""More statement rows than this are refused (a bound on what one form can make the org store)."""

SIGNED, UNSIGNED_LABEL = "Signed", "Unsigned"
ENCRYPTED, UNENCRYPTED = "Encrypted", "Unencrypted"
CERTIFICATE_REQUIRED = "Upload the encryption certificate of the service provider"
SIGNATURE_CERTIFICATE_REQUIRED = "Upload the signature certificate of the service provider to validate signed requests"
YES, NO = "Yes", "No"
INVALID_CHOICE = "Select a valid option"
DEFAULT_ISSUER_TEMPLATE = "http://www.okta.com/${org.externalKey}"
"""What the "SAML Issuer ID" field shows by default (Okta's wizard)."""


@dataclass(frozen=True)
class AttributeRow:
    """One "Attribute Statements" row as typed: Name, Name format (label), Value (an Okta expression)."""

    name: str = ""
    name_format: str = "Unspecified"
    value: str = ""

    def blank(self) -> bool:
        """Return whether the row was left empty (empty rows are ignored)."""
        return not (self.name.strip() or self.value.strip())


@dataclass(frozen=True)
class GroupRow:
    """One "Group Attribute Statements" row: Name, Name format (label), Filter type, filter value."""

    name: str = ""
    name_format: str = "Unspecified"
    filter_type: str = "STARTS_WITH"
    filter_value: str = ""

    def blank(self) -> bool:
        """Return whether the row was left empty (empty rows are ignored)."""
        return not (self.name.strip() or self.filter_value.strip())


@dataclass(frozen=True)
class SamlSettings:
    """The Configure SAML form's values, defaults as the AIW sets them."""

    sso_url: str = ""
    use_for_recipient: bool = True
    recipient: str = ""
    destination: str = ""
    audience: str = ""
    default_relay_state: str = ""
    name_id_format: str = "Unspecified"
    application_username: str = "okta_username"
    response: str = SIGNED
    assertion_signature: str = SIGNED
    signature_algorithm: str = "RSA_SHA256"
    digest_algorithm: str = "SHA256"
    honor_force_authn: str = YES
    issuer: str = ""
    """Blank means Okta's default, ``http://www.okta.com/{externalKey}``."""
    assertion_encryption: str = UNENCRYPTED
    encryption_algorithm: str = "AES256_CBC"
    key_transport_algorithm: str = "RSA_OAEP"
    encryption_certificate: str = ""
    """The uploaded certificate (PEM); kept across edits in a hidden field until another file is uploaded."""
    signature_certificate: str = ""
    """The SP's Signature Certificate (PEM), kept like ``encryption_certificate``."""
    request_signed: bool = False
    """"Signed Requests": validate SAML requests with the signature certificate."""
    slo_enabled: bool = False
    """"Enable Single Logout" ("Allow application to initiate Single Logout")."""
    slo_url: str = ""
    sp_issuer: str = ""
    attribute_rows: tuple[AttributeRow, ...] = ()
    group_rows: tuple[GroupRow, ...] = ()

    def attributes(self) -> list[AttributeRow]:
        """Return the rows that were filled in."""
        return [row for row in self.attribute_rows if not row.blank()]

    def groups(self) -> list[GroupRow]:
        """Return the group rows that were filled in."""
        return [row for row in self.group_rows if not row.blank()]


def _first(data: FormData, key: str, default: str = "") -> str:
    values = data.get(key) or ()
    return str(values[0]) if values else default


def _column(data: FormData, key: str) -> list[str]:
    return [str(v) for v in data.get(key) or ()]


def from_form(data: FormData) -> SamlSettings:
    """Read the submitted form; never raises (checking is ``validate``'s job)."""
    attributes = tuple(
        AttributeRow(name or "", fmt or "Unspecified", value or "")
        for name, fmt, value in zip_longest(
            _column(data, "attr_name"), _column(data, "attr_format"), _column(data, "attr_value")
        )
    )
    groups = tuple(
        GroupRow(name or "", fmt or "Unspecified", ftype or "STARTS_WITH", fvalue or "")
        for name, fmt, ftype, fvalue in zip_longest(
            _column(data, "group_name"),
            _column(data, "group_format"),
            _column(data, "group_filter"),
            _column(data, "group_filter_value"),
        )
    )
    return SamlSettings(
        sso_url=_first(data, "sso_url").strip(),
        use_for_recipient="use_for_recipient" in data,
        recipient=_first(data, "recipient").strip(),
        destination=_first(data, "destination").strip(),
        audience=_first(data, "audience").strip(),
        default_relay_state=_first(data, "default_relay_state"),
        name_id_format=_first(data, "name_id_format", "Unspecified"),
        application_username=_first(data, "application_username", "okta_username"),
        response=_first(data, "response", SIGNED),
        assertion_signature=_first(data, "assertion_signature", SIGNED),
        signature_algorithm=_first(data, "signature_algorithm", "RSA_SHA256"),
        digest_algorithm=_first(data, "digest_algorithm", "SHA256"),
        honor_force_authn=_first(data, "honor_force_authn", YES),
        issuer=_first(data, "issuer").strip(),
        assertion_encryption=_first(data, "assertion_encryption", UNENCRYPTED),
        encryption_algorithm=_first(data, "encryption_algorithm", "AES256_CBC"),
        key_transport_algorithm=_first(data, "key_transport_algorithm", "RSA_OAEP"),
        encryption_certificate=_first(data, "encryption_certificate").strip(),
        signature_certificate=_first(data, "signature_certificate").strip(),
        request_signed="request_signed" in data,
        slo_enabled="slo_enabled" in data,
        slo_url=_first(data, "slo_url").strip(),
        sp_issuer=_first(data, "sp_issuer").strip(),
        attribute_rows=attributes,
        group_rows=groups,
    )


def default_issuer(external_key: str) -> str:
    """Return Okta's default SAML Issuer ID for an app."""
    return f"http://www.okta.com/{external_key}"


def from_app(app: SamlApp, group_statements: Sequence[GroupAttributeStatement] = ()) -> SamlSettings:
    """Return the form pre-filled with an existing app's settings (General tab -> SAML Settings -> Edit)."""
    same = app.recipient == app.sso_url and app.destination == app.sso_url
    return SamlSettings(
        sso_url=app.sso_url,
        use_for_recipient=same,
        recipient="" if same else app.recipient,
        destination="" if same else app.destination,
        audience=app.audience,
        default_relay_state=app.default_relay_state,
        name_id_format=label_of(NAME_ID_FORMATS, app.name_id_format),
        application_username=app.application_username,
        response=SIGNED if app.response_signed else UNSIGNED_LABEL,
        assertion_signature=SIGNED if app.assertion_signed else UNSIGNED_LABEL,
        signature_algorithm=app.signature_algorithm,
        digest_algorithm=app.digest_algorithm,
        honor_force_authn=YES if app.honor_force_authn else NO,
        issuer="" if app.issuer == default_issuer(app.external_key) else app.issuer,
        assertion_encryption=ENCRYPTED if app.assertion_encrypted else UNENCRYPTED,
        encryption_algorithm=app.encryption_algorithm,
        key_transport_algorithm=app.key_transport_algorithm,
        encryption_certificate=app.encryption_certificate,
        signature_certificate=app.signature_certificate,
        request_signed=app.request_signed,
        slo_enabled=app.slo_enabled,
        slo_url=app.slo_url,
        sp_issuer=app.sp_issuer,
        attribute_rows=tuple(
            AttributeRow(s.name, label_of(ATTRIBUTE_NAME_FORMATS, s.name_format), s.value)
            for s in app.attribute_statements
        ),
        group_rows=tuple(
            GroupRow(g.name, label_of(ATTRIBUTE_NAME_FORMATS, g.name_format), g.filter_type, g.filter_value)
            for g in group_statements
        ),
    )


def _choice(errors: dict[str, str], key: str, value: str, allowed: Mapping[str, str] | Sequence[str]) -> None:
    if value not in allowed:
        errors[key] = INVALID_CHOICE


def validate(settings: SamlSettings) -> dict[str, str]:
    """Return field key -> Okta-style message for every problem; empty when the settings can be saved."""
    errors: dict[str, str] = {}
    checks = {
        "sso_url": url_error(settings.sso_url, sso_url=True),
        "audience": text_error(settings.audience),
        "default_relay_state": text_error(settings.default_relay_state, required=False),
        "issuer": text_error(settings.issuer, required=False),
    }
    if not settings.use_for_recipient:
        checks["recipient"] = url_error(settings.recipient)
        checks["destination"] = url_error(settings.destination)
    errors.update({key: message for key, message in checks.items() if message})
    _choice(errors, "name_id_format", settings.name_id_format, NAME_ID_FORMATS)
    _choice(errors, "application_username", settings.application_username, APPLICATION_USERNAMES)
    _choice(errors, "response", settings.response, (SIGNED, UNSIGNED_LABEL))
    _choice(errors, "assertion_signature", settings.assertion_signature, (SIGNED, UNSIGNED_LABEL))
    _choice(errors, "signature_algorithm", settings.signature_algorithm, SIGNATURE_ALGORITHMS)
    _choice(errors, "digest_algorithm", settings.digest_algorithm, DIGEST_ALGORITHMS)
    _choice(errors, "honor_force_authn", settings.honor_force_authn, (YES, NO))
    if settings.response == UNSIGNED_LABEL and settings.assertion_signature == UNSIGNED_LABEL:
        errors["signing"] = UNSIGNED
    _validate_encryption(settings, errors)
    _validate_signed_requests(settings, errors)
    _validate_single_logout(settings, errors)
    _validate_attribute_rows(settings, errors)
    _validate_group_rows(settings, errors)
    return errors


def _validate_encryption(settings: SamlSettings, errors: dict[str, str]) -> None:
    _choice(errors, "assertion_encryption", settings.assertion_encryption, (ENCRYPTED, UNENCRYPTED))
    _choice(errors, "encryption_algorithm", settings.encryption_algorithm, ENCRYPTION_LABELS)
    _choice(errors, "key_transport_algorithm", settings.key_transport_algorithm, KEY_TRANSPORT_LABELS)
    if settings.encryption_certificate:
        try:
            load_certificate(settings.encryption_certificate)
        except ValueError as exc:
            message = str(exc)
            errors["encryption_certificate"] = message[:1].upper() + message[1:]
    elif settings.assertion_encryption == ENCRYPTED:
        errors["encryption_certificate"] = CERTIFICATE_REQUIRED


def _validate_signed_requests(settings: SamlSettings, errors: dict[str, str]) -> None:
    if settings.signature_certificate:
        try:
            load_certificate(settings.signature_certificate, SIGNATURE_CERTIFICATE)
        except ValueError as exc:
            message = str(exc)
            errors["signature_certificate"] = message[:1].upper() + message[1:]
    elif settings.request_signed:
        errors["signature_certificate"] = SIGNATURE_CERTIFICATE_REQUIRED


def _validate_single_logout(settings: SamlSettings, errors: dict[str, str]) -> None:
    for key, message in slo_errors(
        settings.slo_enabled, settings.slo_url, settings.sp_issuer, settings.signature_certificate
    ).items():
        errors.setdefault(key, message)
    if settings.slo_enabled:
        for key, value in (("slo_url", settings.slo_url), ("sp_issuer", settings.sp_issuer)):
            problem = text_error(value, limit=1024)
            if problem:
                errors.setdefault(key, problem)


def _validate_attribute_rows(settings: SamlSettings, errors: dict[str, str]) -> None:
    if len(settings.attributes()) > MAX_ROWS:
        errors["attribute_statements"] = f"At most {MAX_ROWS} attribute statements"
    seen: set[str] = set()
    for index, row in enumerate(settings.attribute_rows):
        if row.blank():
            continue
        name_error = text_error(row.name, limit=256)
        if name_error is None and row.name in seen:
            name_error = "Attribute statement names must be unique"
        seen.add(row.name)
        for field, message in (
            ("name", name_error),
            ("value", text_error(row.value)),
            ("format", None if row.name_format in ATTRIBUTE_NAME_FORMATS else INVALID_CHOICE),
        ):
            if message:
                errors[f"attr.{index}.{field}"] = message


def _validate_group_rows(settings: SamlSettings, errors: dict[str, str]) -> None:
    if len(settings.groups()) > MAX_ROWS:
        errors["group_statements"] = f"At most {MAX_ROWS} group attribute statements"
    for index, row in enumerate(settings.group_rows):
        if row.blank():
            continue
        for field, message in (
            ("name", text_error(row.name, limit=256)),
            ("filter_value", text_error(row.filter_value)),
            ("format", None if row.name_format in ATTRIBUTE_NAME_FORMATS else INVALID_CHOICE),
            ("filter", None if row.filter_type in GROUP_FILTERS else INVALID_CHOICE),
        ):
            if message:
                errors[f"group.{index}.{field}"] = message


def attribute_statements(settings: SamlSettings) -> list[AttributeStatement]:
    """Return the filled-in attribute rows as the org stores them."""
    return [
        AttributeStatement(name=row.name, value=row.value, name_format=ATTRIBUTE_NAME_FORMATS[row.name_format])
        for row in settings.attributes()
    ]


def group_statements(settings: SamlSettings) -> list[GroupAttributeStatement]:
    """Return the filled-in group rows as the org stores them."""
    return [
        GroupAttributeStatement(row.name, ATTRIBUTE_NAME_FORMATS[row.name_format], row.filter_type, row.filter_value)
        for row in settings.groups()
    ]


def app_settings(settings: SamlSettings, external_key: str | None = None) -> dict[str, Any]:
    """Return the org's keyword arguments for valid settings; a blank issuer is the default for ``external_key``."""
    values: dict[str, Any] = {
        "sso_url": settings.sso_url,
        "recipient": settings.sso_url if settings.use_for_recipient else settings.recipient,
        "destination": settings.sso_url if settings.use_for_recipient else settings.destination,
        "audience": settings.audience,
        "default_relay_state": settings.default_relay_state,
        "name_id_format": NAME_ID_FORMATS[settings.name_id_format],
        "application_username": settings.application_username,
        "response_signed": settings.response == SIGNED,
        "assertion_signed": settings.assertion_signature == SIGNED,
        "signature_algorithm": settings.signature_algorithm,
        "digest_algorithm": settings.digest_algorithm,
        "honor_force_authn": settings.honor_force_authn == YES,
        "assertion_encrypted": settings.assertion_encryption == ENCRYPTED,
        "encryption_algorithm": settings.encryption_algorithm,
        "key_transport_algorithm": settings.key_transport_algorithm,
        "encryption_certificate": settings.encryption_certificate,
        "signature_certificate": settings.signature_certificate,
        "request_signed": settings.request_signed,
        "slo_enabled": settings.slo_enabled,
        "slo_url": settings.slo_url if settings.slo_enabled else "",
        "sp_issuer": settings.sp_issuer if settings.slo_enabled else "",
        "attribute_statements": attribute_statements(settings),
    }
    if settings.issuer:
        values["issuer"] = settings.issuer
    elif external_key is not None:
        values["issuer"] = default_issuer(external_key)
    return values


def draft_app(settings: SamlSettings, label: str, external_key: str | None = None) -> SamlApp:
    """Return a stand-in app for valid settings (for "Preview the SAML Assertion" before the app exists)."""
    values = app_settings(settings, external_key)
    values.setdefault("issuer", DEFAULT_ISSUER_TEMPLATE)
    values["attribute_statements"] = tuple(values["attribute_statements"])
    return SamlApp(
        id="0oaPreview",
        name="preview",
        label=label or "preview",
        external_key=external_key or "${org.externalKey}",
        link_id="alnPreview",
        **values,
    )


def display_rows(settings: SamlSettings, extra_attributes: int = 0, extra_groups: int = 0) -> SamlSettings:
    """Pad the rows for display: at least three attribute rows and one group row, plus any "Add Another"."""
    attributes = list(settings.attribute_rows)
    attributes += [AttributeRow()] * max(MIN_ATTRIBUTE_ROWS - len(attributes), extra_attributes)
    groups = list(settings.group_rows)
    groups += [GroupRow()] * max(MIN_GROUP_ROWS - len(groups), extra_groups)
    return replace(settings, attribute_rows=tuple(attributes[: MAX_ROWS + 1]), group_rows=tuple(groups[: MAX_ROWS + 1]))
