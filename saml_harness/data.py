"""Find the harness's data (scenario catalogue, requirements, expectations) in a checkout or an installed wheel.

The top-level ``fixtures/`` folder is the source; the wheel carries it as ``saml_harness/fixtures`` (see
``pyproject.toml``), so an installed harness knows its scenarios without a checkout.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
CHECKOUT_FIXTURES = _PACKAGE.parent / "fixtures"
INSTALLED_FIXTURES = _PACKAGE / "fixtures"


def fixtures_dir() -> Path:
    """The fixtures folder: the checkout's ``fixtures/`` when running from a clone, else the installed copy."""
    if (CHECKOUT_FIXTURES / "scenarios").is_dir():
        return CHECKOUT_FIXTURES
    if (INSTALLED_FIXTURES / "scenarios").is_dir():
        return INSTALLED_FIXTURES
    raise FileNotFoundError(f"no scenario catalogue in {CHECKOUT_FIXTURES} or {INSTALLED_FIXTURES}")


FIXTURES = fixtures_dir()
SCENARIO_DIR = FIXTURES / "scenarios"
EXPECTATIONS_DIR = FIXTURES / "expectations"
REQUIREMENTS_FILE = FIXTURES / "requirements.toml"


def okta_interop_dir() -> Path:
    """Where real Okta captures (third-party test data, never shipped) are: ``$SAML_INTEROP_OKTA``, else the
    first ``shared/interop/okta`` beside the checkout or one of its parents (a git worktree sits deeper than the
    clone). Tests that read them skip when the folder does not exist."""
    import os

    named = os.environ.get("SAML_INTEROP_OKTA")
    if named:
        return Path(named)
    for folder in _PACKAGE.parent.parents:
        candidate = folder / "shared" / "interop" / "okta"
        if candidate.is_dir():
            return candidate
    return _PACKAGE.parent.parent / "shared" / "interop" / "okta"
