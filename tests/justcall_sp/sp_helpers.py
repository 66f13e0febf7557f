"""Shared constants and helpers for the JustCall SP unit tests (imported by tests and conftest)."""

from __future__ import annotations

import base64
import io
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import lxml.html
from flask.testing import FlaskClient
from lxml import etree
from sp_test_idp import KeyPair, ResponseSpec, build, encode
from werkzeug.test import TestResponse

from justcall_sp.service import JustCall

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
"""The SP's (and the test IdP's) clock: fixed, so certificates and windows are deterministic."""

PUBLIC_URL = "http://sp.test"
SLUG = "acme"
DOMAIN = "acme.example"
ACS_URL = f"{PUBLIC_URL}/sso/saml/{SLUG}/acs"
ENTITY_ID = f"{PUBLIC_URL}/sso/saml/{SLUG}"
IDP_ISSUER = "http://www.okta.com/exk5zt0r12Edi4rD20h7"
IDP_SSO_URL = "http://idp.test/app/acme_justcall_1/exk5zt0r12Edi4rD20h7/sso/saml"
API_TOKEN = "test-api-token-0123456789"

OWNER = "owner@acme.example"
ADMIN = "admin@acme.example"
AGENT = "agent@acme.example"
SUPERVISOR = "sue@acme.example"
PASSWORD = "correct horse battery staple"


class Clock:
    """A settable clock for the SP's ``CLOCK``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class FakeIdp:
    """Make responses for ``acme`` as Okta would, and post them to the ACS like the auto-POST page."""

    keys: KeyPair
    clock: Clock
    counter: int = 0

    def spec(self, email: str = "newbie@acme.example", **changes: Any) -> ResponseSpec:
        self.counter += 1
        base = ResponseSpec(
            keys=self.keys,
            issuer=IDP_ISSUER,
            destination=ACS_URL,
            recipient=ACS_URL,
            audience=ENTITY_ID,
            issue_instant=self.clock.now,
            email=email,
            response_id=f"id{self.counter:024d}1",
            assertion_id=f"id{self.counter:024d}2",
        )
        return base.but(**changes)

    def response(self, email: str = "newbie@acme.example", **changes: Any) -> bytes:
        return build(self.spec(email, **changes))


def post_acs(client: FlaskClient, xml: bytes | str, relay_state: str | None = None, slug: str = SLUG) -> TestResponse:
    """POST a response (XML bytes are base64-encoded; a str is sent as is) to the ACS."""
    data = {"SAMLResponse": encode(xml) if isinstance(xml, bytes) else xml}
    if relay_state is not None:
        data["RelayState"] = relay_state
    return client.post(f"/sso/saml/{slug}/acs", data=data)


def page_text(response: TestResponse, element_id: str) -> str | None:
    """Return the whitespace-normalized text of the element with ``element_id`` on an HTML page."""
    root = lxml.html.fromstring(response.get_data(as_text=True))
    found = root.find(f".//*[@id='{element_id}']")
    return None if found is None else " ".join("".join(str(t) for t in found.itertext()).split())


def last_activity(jc: JustCall) -> dict[str, Any]:
    entries = jc.activity(SLUG)
    assert entries, "no activity row was written"
    return entries[0]


def expect_rejected(
    jc: JustCall, response: TestResponse, reason: str, category: str = "Invalid SAML response", status: int = 403
) -> dict[str, Any]:
    """Check the error page (status, category, reference) and the activity row (reason) of a refusal."""
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert page_text(response, "sso-error") == category
    reference = page_text(response, "sso-reference")
    entries = jc.activity(reference=reference)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["outcome"] == "failure"
    assert entry["reason"] == reason, entry
    assert entry["category"] == category
    assert reason not in response.get_data(as_text=True), "the reason code must not be shown to the user"
    return entry


def decode_redirect(location: str) -> tuple[etree._Element, dict[str, list[str]]]:
    """Inflate the SAMLRequest of an HTTP-Redirect URL; return it parsed with the query parameters."""
    query = parse_qs(urlsplit(location).query)
    raw = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15)
    return etree.fromstring(raw), query


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    """Sign in with a password through the real form (CSRF token included)."""
    client.get("/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf(client)})


def csrf(client: FlaskClient) -> str:
    """Return the session's CSRF token, loading a page with a form first so that one exists."""
    client.get("/login/sso")
    with client.session_transaction() as session:
        token = session.get("_csrf")
    assert isinstance(token, str)
    return token


def become(client: FlaskClient, jc: JustCall, email: str) -> None:
    """Put ``email``'s user in the client's session directly (for pages that are not about signing in)."""
    user = jc.get_user(email)
    assert user is not None
    with client.session_transaction() as session:
        session["user_id"] = user.id
        session["email"] = user.email


def upload(data: bytes, filename: str = "okta.cert") -> tuple[io.BytesIO, str]:
    """A file for a multipart form field, as a browser uploads it."""
    return io.BytesIO(data), filename
