"""Fixtures for the admin console and API tests: a fresh IdP app per test with admins, a user and an API token."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from admin_support import (
    ACS_URL,
    ADMIN,
    APP_ADMIN,
    END_USER,
    IDP_URL,
    PASSWORD,
    READ_ONLY,
    SP_ENTITY_ID,
    FakeClock,
    sign_in,
)
from flask import Flask
from flask.testing import FlaskClient

from mock_idp import create_app
from mock_idp.admin.records import APP_ADMIN as APP_ADMIN_ROLE
from mock_idp.admin.records import READ_ONLY_ADMIN
from mock_idp.keys import KeyPool
from mock_idp.model import SamlApp, User
from mock_idp.org import Org


@pytest.fixture(scope="session")
def key_pool() -> KeyPool:
    """Share RSA keys across tests (each org still gets distinct keys)."""
    return KeyPool()


@pytest.fixture
def clock() -> FakeClock:
    """A fixed, movable org clock."""
    return FakeClock()


@pytest.fixture
def app(key_pool: KeyPool, clock: FakeClock) -> Flask:
    """The IdP app around a fresh org."""
    return create_app(
        {
            "PUBLIC_URL": IDP_URL,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "ORG_SEED": 5,
            "CLOCK": clock,
            "KEY_SOURCE": key_pool.source(),
        }
    )


@pytest.fixture
def org(app: Flask) -> Org:
    """The org served by ``app``, with a Super Admin, an Application Admin, a Read-only Admin and an end user."""
    org: Org = app.extensions["mock_okta"]
    org.add_admin(ADMIN, PASSWORD)
    org.add_admin(APP_ADMIN, PASSWORD, APP_ADMIN_ROLE, "App", "Admin")
    org.add_admin(READ_ONLY, PASSWORD, READ_ONLY_ADMIN, "Audrey", "Auditor")
    org.add_user(END_USER, "Ann", "Lee", PASSWORD)
    return org


@pytest.fixture
def client(app: Flask, org: Org) -> Iterator[FlaskClient]:
    """A test client with its own cookie jar (nobody signed in)."""
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def make_client(app: Flask, org: Org) -> Callable[[], FlaskClient]:
    """Make more clients (other browsers, each with its own cookie jar)."""
    return app.test_client


@pytest.fixture
def admin_client(client: FlaskClient) -> FlaskClient:
    """A client signed in as the Super Admin."""
    assert sign_in(client, ADMIN).status_code == 302
    return client


@pytest.fixture
def justcall(org: Org) -> SamlApp:
    """The JustCall app as the article's Step 2 configures it."""
    return org.create_saml_app(
        "JustCall",
        ACS_URL,
        SP_ENTITY_ID,
        [("email", "user.email"), ("firstName", "user.firstName"), ("lastName", "user.lastName")],
    )


@pytest.fixture
def ann(org: Org) -> User:
    """The end user (no admin role)."""
    user = org.find_user(END_USER)
    assert user is not None
    return user


@pytest.fixture
def token(org: Org) -> str:
    """A Super Admin API token."""
    return org.create_api_token("tests")
