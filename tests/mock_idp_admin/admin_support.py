"""Helpers for the admin console and API tests: sign in, read CSRF tokens, walk the wizard, call the API."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

IDP_URL = "http://127.0.0.1:5000"
ACS_URL = "http://127.0.0.1:6000/sso/saml/acme/acs"
SP_ENTITY_ID = "http://127.0.0.1:6000/sso/saml/acme"
PASSWORD = "correct horse battery"
ADMIN = "admin@acme.test"
APP_ADMIN = "apps@acme.test"
READ_ONLY = "auditor@acme.test"
END_USER = "ann@acme.test"

# A 1x1 PNG (real magic bytes), for App logo uploads.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

ARTICLE_ATTRIBUTES = (("email", "user.email"), ("firstName", "user.firstName"), ("lastName", "user.lastName"))


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, from_uri: str = "") -> TestResponse:
    """Sign in on the org's sign-in page (the console has no page of its own)."""
    return client.post("/login/login.htm", data={"username": username, "password": password, "fromURI": from_uri})


def csrf_from(page: str) -> str:
    """Return the console's CSRF token on ``page`` (every console page carries it in a meta tag)."""
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf(client: FlaskClient, path: str = "/admin/apps/active") -> str:
    """Open a console page and return its CSRF token."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return csrf_from(response.get_data(as_text=True))


def text(response: TestResponse) -> str:
    """Return the page with HTML entities decoded (for plain-text assertions)."""
    return html.unescape(response.get_data(as_text=True))


def title(response: TestResponse) -> str:
    """Return the page's ``<title>``."""
    match = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)).strip() if match else ""


def saml_form(**overrides: Any) -> dict[str, Any]:
    """Return a valid Configure SAML submission (the article's values); ``None`` drops a field."""
    form: dict[str, Any] = {
        "sso_url": ACS_URL,
        "use_for_recipient": "1",
        "audience": SP_ENTITY_ID,
        "default_relay_state": "",
        "name_id_format": "EmailAddress",
        "application_username": "okta_username",
        "response": "Signed",
        "assertion_signature": "Signed",
        "signature_algorithm": "RSA_SHA256",
        "digest_algorithm": "SHA256",
        "honor_force_authn": "Yes",
        "issuer": "",
        "attr_name": [name for name, _ in ARTICLE_ATTRIBUTES],
        "attr_format": ["Unspecified"] * 3,
        "attr_value": [value for _, value in ARTICLE_ATTRIBUTES],
        "group_name": [""],
        "group_format": ["Unspecified"],
        "group_filter": ["STARTS_WITH"],
        "group_filter_value": [""],
        "action": "next",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def start_wizard(client: FlaskClient) -> str:
    """Create App Integration -> SAML 2.0 -> Next; return the draft's base path."""
    token = csrf(client, "/admin/apps/create")
    response = client.post("/admin/apps/create", data={"csrf_token": token, "sign_in_method": "SAML_2_0"})
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert location.endswith("/general")
    return location.rsplit("/", 1)[0]


def multipart(fields: Mapping[str, str], files: Mapping[str, tuple[bytes, str]]) -> tuple[bytes, str]:
    """Encode a multipart/form-data body in memory (Werkzeug's test encoder spools big bodies to unclosed files)."""
    boundary = "harness-boundary-7c1f"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (data, filename) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def wizard_general(
    client: FlaskClient, draft: str, label: str = "JustCall", logo: tuple[bytes, str] | None = None, **extra: str
) -> TestResponse:
    """Submit General Settings (``logo``: file bytes and name)."""
    fields = {"csrf_token": csrf(client, f"{draft}/general"), "label": label, "action": "next", **extra}
    body, content_type = multipart(fields, {"logo": logo} if logo else {})
    return client.post(f"{draft}/general", data=body, content_type=content_type)


def wizard_saml(client: FlaskClient, draft: str, **overrides: Any) -> TestResponse:
    """Submit Configure SAML."""
    return client.post(f"{draft}/saml", data={"csrf_token": csrf(client, f"{draft}/saml"), **saml_form(**overrides)})


def wizard_finish(client: FlaskClient, draft: str, choice: str | None = "customer") -> TestResponse:
    """Submit Feedback with Finish."""
    data = {"csrf_token": csrf(client, f"{draft}/feedback"), "action": "finish"}
    if choice:
        data["audience_type"] = choice
    return client.post(f"{draft}/feedback", data=data)


def api(
    client: FlaskClient,
    method: str,
    path: str,
    token: str | None,
    body: Mapping[str, Any] | list[Any] | None = None,
    **kwargs: Any,
) -> TestResponse:
    """Call the Admin API with ``Authorization: SSWS <token>`` (``token=None``: no header)."""
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"SSWS {token}"
    if body is not None:
        kwargs["json"] = body
    return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


def saml_app_body(**sign_on: Any) -> dict[str, Any]:
    """Return an Okta-shaped SAML app body (the article's app); ``sign_on`` overrides settings.signOn fields."""
    settings: dict[str, Any] = {
        "defaultRelayState": "",
        "ssoAcsUrl": ACS_URL,
        "idpIssuer": "http://www.okta.com/${org.externalKey}",
        "audience": SP_ENTITY_ID,
        "recipient": ACS_URL,
        "destination": ACS_URL,
        "subjectNameIdTemplate": "${user.userName}",
        "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        "responseSigned": True,
        "assertionSigned": True,
        "signatureAlgorithm": "RSA_SHA256",
        "digestAlgorithm": "SHA256",
        "honorForceAuthn": True,
        "attributeStatements": [
            {
                "type": "EXPRESSION",
                "name": name,
                "namespace": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
                "values": [value],
            }
            for name, value in ARTICLE_ATTRIBUTES
        ],
    }
    settings.update(sign_on)
    return {
        "label": "JustCall",
        "signOnMode": "SAML_2_0",
        "credentials": {"userNameTemplate": {"template": "${source.login}", "type": "BUILT_IN"}},
        "settings": {"signOn": {k: v for k, v in settings.items() if v is not ...}},
    }


def post_saml_settings(
    client: FlaskClient, path: str, file_field: str, upload: tuple[bytes, str] | None, **fields: str
) -> object:
    """Post the SAML settings form at ``path`` with one certificate ``upload`` in ``file_field`` (None: no file)."""
    data = {"csrf_token": csrf(client, path), **saml_form(**fields)}
    flat = {k: v for k, v in data.items() if not isinstance(v, list)}
    body, content_type = multipart(flat, {file_field: upload} if upload else {})
    # multipart() writes one value per name; the statement rows are lists, so append them by hand.
    rows = b"".join(
        f'--harness-boundary-7c1f\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{item}\r\n'.encode()
        for k, v in data.items()
        if isinstance(v, list)
        for item in v
    )
    return client.post(path, data=rows + body, content_type=content_type)
