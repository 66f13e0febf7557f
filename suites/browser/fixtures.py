"""Fixtures for the browser suites: a deployment that starts unwired ("fresh"), an Okta admin, browser engines.

Test modules import these with ``from fixtures import *`` (``suites/browser/conftest.py`` belongs to the lead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from saml_harness.agent.flows import Credentials
from saml_harness.deploy.wiring import Deployment, seed_justcall, start_deployment

__all__ = ["ENGINES", "Fresh", "engine", "fresh", "fresh_live", "new_context", "okta_admin", "open_context"]

OKTA_ADMIN = Credentials("okta.admin@acme.example", "Okta-Admin-2026")
"""The Super Admin the browser suites sign in to the Admin Console with (the article's "Okta admin access")."""

ENGINES = ("chromium", "firefox", "webkit")


def ensure_okta_admin(okta: Any) -> Credentials:
    """Give the org a Super Admin (after a reset the wired deployment's snapshot has none)."""
    if okta.find_user(OKTA_ADMIN.username) is None:
        okta.add_admin(OKTA_ADMIN.username, OKTA_ADMIN.password, "SUPER_ADMIN", "Olga", "Okta-Admin")
    return OKTA_ADMIN


@dataclass
class Fresh:
    """A deployment with SSO configured on neither side, and the state to return to between tests."""

    deployment: Deployment
    snapshot: Any

    def reset(self) -> Deployment:
        """Back to the seeded, unwired state (``Deployment.reset`` assumes a wired app)."""
        self.deployment.okta.restore(self.snapshot)
        self.deployment.justcall.reset()
        seed_justcall(self.deployment.justcall, self.deployment.demo)
        return self.deployment


@pytest.fixture(scope="session")
def fresh_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fresh]:
    """Scope: session. Both servers live and seeded, with no Okta app for JustCall and SSO off in JustCall."""
    folder = tmp_path_factory.mktemp("justcall-fresh")
    deployment = start_deployment(database_url=f"sqlite:///{folder / 'justcall.sqlite3'}", wire=False)
    ensure_okta_admin(deployment.okta)
    yield Fresh(deployment, deployment.okta.snapshot())
    deployment.stop()


@pytest.fixture
def fresh(fresh_live: Fresh) -> Deployment:
    """Scope: function. The fresh deployment, reset to its unwired state."""
    return fresh_live.reset()


@pytest.fixture
def okta_admin(deployment: Deployment) -> Credentials:
    """Scope: function. A Super Admin in the wired deployment's org (re-added after every reset)."""
    return ensure_okta_admin(deployment.okta)


@pytest.fixture
def new_context(new_context: Callable[..., Any], request: pytest.FixtureRequest, output_path: str) -> Iterator[Any]:
    """Scope: function. pytest-playwright's ``new_context``, also keeping every open page's HTML when a test fails.

    Traces and screenshots come from pytest-playwright (``--tracing``/``--screenshot``); the HTML lands beside them.
    """
    contexts: list[Any] = []

    def opened(**kwargs: Any) -> Any:
        context = new_context(**kwargs)
        contexts.append(context)
        return context

    yield opened
    call = getattr(request.node, "rep_call", None)
    if call is None or not call.failed:
        return
    pages = [page for context in contexts for page in context.pages if not page.is_closed()]
    for index, page in enumerate(pages, start=1):
        target = Path(output_path) / f"page-{index}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.write_text(f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
        except Exception as exc:  # a page that is mid-navigation cannot be read; keep going
            target.write_text(f"<!-- {page.url}: could not read the page: {exc} -->", encoding="utf-8")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Scope: function. The browser engine a cross-browser test runs in."""
    return str(request.param)


@pytest.fixture
def open_context(
    engine: str,
    request: pytest.FixtureRequest,
    playwright: Any,
    browser_type_launch_args: dict[str, Any],
    browser_context_args: dict[str, Any],
) -> Iterator[Callable[..., Any]]:
    """Scope: function. Open browser contexts in ``engine``; Chromium's get pytest-playwright's traces/screenshots.

    Firefox and WebKit run only where Playwright has them installed; elsewhere the test is skipped, never
    installed on the fly.
    """
    if engine == "chromium":
        yield request.getfixturevalue("new_context")
        return
    browser_type = getattr(playwright, engine)
    executable = browser_type.executable_path
    if not executable or not Path(executable).exists():
        pytest.skip(
            f"{engine} is not installed for Playwright on this machine ({executable} is missing); "
            f"run `python -m playwright install {engine}` to include it. Chromium is the required browser."
        )
    launch_args = {k: v for k, v in browser_type_launch_args.items() if k != "executable_path"}
    browser = browser_type.launch(**launch_args)
    contexts: list[Any] = []

    def new_context(**kwargs: Any) -> Any:
        context = browser.new_context(**{**browser_context_args, **kwargs})
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()
    browser.close()
