"""Fixtures for the diagnose tests: run-time keys and the real Okta captures folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from diagnose_support import OKTA_DIR, Pki, make_pki


@pytest.fixture(scope="session")
def pki() -> Pki:
    """Scope: session. The IdP's signing key and certificate (valid a year before NOW, for ten years)."""
    return make_pki("acme")


@pytest.fixture(scope="session")
def rotated_pki() -> Pki:
    """Scope: session. Another key for the same org: Okta after a certificate rotation."""
    return make_pki("acme")


@pytest.fixture
def okta_dir() -> Path:
    """Scope: function. The real Okta captures in ../shared/interop/okta (skip when absent)."""
    if not (OKTA_DIR / "okta_response.xml").is_file():
        pytest.skip(f"real Okta samples not found at {OKTA_DIR}")
    return OKTA_DIR


@pytest.fixture
def cert_file(tmp_path: Path, pki: Pki) -> Path:
    """Scope: function. The trusted certificate as a PEM file."""
    path = tmp_path / "okta.pem"
    path.write_bytes(pki.pem())
    return path
