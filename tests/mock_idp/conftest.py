"""Fixtures for the mock IdP's unit tests: RSA keys generated once per session, a fresh org per test."""

from __future__ import annotations

from collections.abc import Iterator
from random import Random

import pytest
from flask import Flask
from flask.testing import FlaskClient
from idp_support import ACS_URL, IDP_URL, JUSTCALL_ATTRIBUTES, SP_ENTITY_ID, FakeClock

from mock_idp import create_app
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
def org(key_pool: KeyPool, clock: FakeClock) -> Org:
    """A bare org with a seeded random source."""
    return Org("acme", IDP_URL, clock=clock, rng=Random(7), key_source=key_pool.source())


@pytest.fixture
def justcall(org: Org) -> SamlApp:
    """The JustCall app as the help article configures it (Step 2)."""
    return org.create_saml_app("JustCall", ACS_URL, SP_ENTITY_ID, JUSTCALL_ATTRIBUTES)


@pytest.fixture
def ann(org: Org, justcall: SamlApp) -> User:
    """An active user assigned to JustCall directly."""
    user = org.add_user("ann@acme.test", "Ann", "Lee", "correct horse")
    org.assign_user(justcall.id, user.id)
    return user


@pytest.fixture
def app(key_pool: KeyPool, clock: FakeClock) -> Flask:
    """The Flask app around a fresh org."""
    return create_app(
        {
            "PUBLIC_URL": IDP_URL,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "ORG_SEED": 3,
            "CLOCK": clock,
            "KEY_SOURCE": key_pool.source(),
        }
    )


@pytest.fixture
def web_org(app: Flask) -> Org:
    """The org served by ``app``."""
    org: Org = app.extensions["mock_okta"]
    return org


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    """A test client with its own cookie jar."""
    with app.test_client() as test_client:
        yield test_client
