"""Fixtures for the JustCall SP unit tests: an app on a temp SQLite file, a fixed clock, a test IdP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sp_helpers import (
    ADMIN,
    AGENT,
    API_TOKEN,
    DOMAIN,
    IDP_ISSUER,
    IDP_SSO_URL,
    NOW,
    OWNER,
    PASSWORD,
    PUBLIC_URL,
    SLUG,
    SUPERVISOR,
    Clock,
    FakeIdp,
)
from sp_test_idp import KeyPair, make_keypair

from justcall_sp import create_app
from justcall_sp.service import JustCall


@pytest.fixture(scope="session")
def idp_keys() -> KeyPair:
    """The configured IdP signing key (valid for years around NOW)."""
    return make_keypair("acme", NOW - timedelta(days=30), NOW + timedelta(days=3650))


@pytest.fixture(scope="session")
def other_keys() -> KeyPair:
    """A key the SP does not trust (same subject as the real one: a cloned certificate)."""
    return make_keypair("acme", NOW - timedelta(days=30), NOW + timedelta(days=3650))


@pytest.fixture(scope="session")
def expired_keys() -> KeyPair:
    return make_keypair("acme", NOW - timedelta(days=800), NOW - timedelta(days=1))


@pytest.fixture(scope="session")
def future_keys() -> KeyPair:
    return make_keypair("acme", NOW + timedelta(days=1), NOW + timedelta(days=800))


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "PUBLIC_URL": PUBLIC_URL,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'justcall.sqlite3'}",
            "API_TOKEN": API_TOKEN,
            "CLOCK": clock,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    yield application
    application.extensions["justcall_db"].dispose()


@pytest.fixture
def jc(app: Flask) -> JustCall:
    justcall: JustCall = app.extensions["justcall"]
    return justcall


@pytest.fixture
def accounts(jc: JustCall, idp_keys: KeyPair) -> JustCall:
    """Seed the Business account ``acme`` (verified domain, owner, admin, agent, supervisor) with SSO configured."""
    jc.create_account(SLUG, "Acme Inc.", plan="business")
    jc.add_domain(SLUG, DOMAIN, verified=True)
    jc.add_domain(SLUG, "acme-pending.example", verified=False)
    jc.add_user(SLUG, OWNER, "Olive", "Owner", "Owner", password=PASSWORD, is_owner=True)
    jc.add_user(SLUG, ADMIN, "Adam", "Admin", "Admin", password=PASSWORD)
    jc.add_user(SLUG, AGENT, "Agnes", "Agent", "Agent", password=PASSWORD)
    jc.add_user(SLUG, SUPERVISOR, "Sue", "Visor", "Supervisor")
    jc.create_account("globex", "Globex", plan="business")
    jc.add_domain("globex", "globex.example", verified=True)
    jc.add_user("globex", "gina@globex.example", "Gina", "Globex", "Agent")
    jc.create_account("smallco", "Small Co", plan="standard")
    jc.add_domain("smallco", "smallco.example", verified=True)
    jc.add_user("smallco", "sam@smallco.example", "Sam", "Small", "Owner", password=PASSWORD, is_owner=True)
    jc.enable_sso(SLUG)
    result = jc.configure_sso(SLUG, idp_sso_url=IDP_SSO_URL, idp_issuer=IDP_ISSUER, certificate=idp_keys.cert_pem)
    assert result.ok, result.errors
    return jc


@pytest.fixture
def client(app: Flask, accounts: JustCall) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def fake_idp(idp_keys: KeyPair, clock: Clock) -> FakeIdp:
    """Scope: function. Build Okta-like responses for ``acme`` signed with the configured key."""
    return FakeIdp(idp_keys, clock)
