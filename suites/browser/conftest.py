"""Point pytest-playwright at an available Chromium (Debian's when Playwright's own is missing)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from saml_harness.browser.setup import Browser, find_browser


@pytest.fixture(scope="session")
def chromium() -> Browser:
    """Scope: session. The Chromium to launch; skips (or fails under REQUIRE_BROWSER=1) when none exists."""
    found = find_browser()
    if found is None:
        message = "no Chromium found: run `python -m saml_harness.browser.setup` or set CHROMIUM_PATH"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_name: str, chromium: Browser
) -> dict[str, Any]:
    """Extend pytest-playwright's launch args (``--headed``, ``--slowmo``) with the Chromium to run (Chromium only).

    Headless runs get the headless shell where there is one (``Browser.launch_options``, shared with the benchmark).
    """
    if browser_name != "chromium":
        return browser_type_launch_args
    headless = bool(browser_type_launch_args.get("headless", True))
    return {**browser_type_launch_args, **chromium.launch_options(headless=headless)}
