"""Fixtures for the security unit tests: one in-process mock Okta org per module."""

from __future__ import annotations

import pytest
from security_support import Idp


@pytest.fixture(scope="module")
def idp() -> Idp:
    """Scope: module. A mock Okta org issuing JustCall responses in process (no HTTP)."""
    return Idp.create()
