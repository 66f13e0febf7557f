"""Which Chromium binary the browser suites and the benchmark launch (``Browser.launch_options``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from saml_harness.browser import setup as browser_setup
from saml_harness.browser.setup import Browser


def test_headless_runs_use_the_headless_shell_when_there_is_one() -> None:
    found = Browser("/usr/bin/chromium", "system", "/usr/bin/chromium-headless-shell")
    assert found.launch_options(headless=True) == {"executable_path": "/usr/bin/chromium-headless-shell"}


def test_headed_runs_use_the_full_browser() -> None:
    found = Browser("/usr/bin/chromium", "system", "/usr/bin/chromium-headless-shell")
    assert found.launch_options(headless=False) == {"executable_path": "/usr/bin/chromium"}


def test_without_a_headless_shell_headless_runs_use_the_full_browser() -> None:
    assert Browser("/usr/bin/chromium", "system").launch_options() == {"executable_path": "/usr/bin/chromium"}


def test_playwrights_own_chromium_is_left_to_playwright() -> None:
    assert Browser(None, "playwright").launch_options(headless=True) == {}


def test_chromium_path_is_launched_as_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    binary = tmp_path / "chrome"
    binary.write_text("")
    monkeypatch.setenv("CHROMIUM_PATH", str(binary))
    found = browser_setup.find_browser()
    assert found is not None and found.launch_options(headless=True) == {"executable_path": str(binary)}


def test_a_system_chromium_comes_with_its_headless_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setattr(browser_setup, "playwright_chromium", lambda: None)
    monkeypatch.setattr(browser_setup, "system_chromium", lambda: "/opt/chromium")
    monkeypatch.setattr(browser_setup, "system_headless_shell", lambda: "/opt/chromium-headless-shell")
    assert browser_setup.find_browser() == Browser("/opt/chromium", "system", "/opt/chromium-headless-shell")


def test_ensure_browser_adds_the_headless_shell_through_apt(monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[list[str]] = []
    shell: list[str] = []
    monkeypatch.setattr(browser_setup, "find_browser", lambda: Browser("/usr/bin/chromium", "system"))
    monkeypatch.setattr(browser_setup, "_apt_available", lambda: True)
    monkeypatch.setattr(browser_setup, "system_headless_shell", lambda: shell[0] if shell else None)

    def run(command: list[str], timeout: int, env: dict[str, str] | None = None) -> bool:
        installed.append(command)
        shell.append("/usr/bin/chromium-headless-shell")
        return True

    monkeypatch.setattr(browser_setup, "_run", run)
    found = browser_setup.ensure_browser()
    assert installed == [["apt-get", "install", "-y", "--no-install-recommends", "chromium-headless-shell"]]
    assert found.headless_shell == "/usr/bin/chromium-headless-shell"


def test_ensure_browser_without_apt_keeps_the_full_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_setup, "find_browser", lambda: Browser("/usr/bin/chromium", "system"))
    monkeypatch.setattr(browser_setup, "_apt_available", lambda: False)
    assert browser_setup.ensure_browser() == Browser("/usr/bin/chromium", "system")


def test_playwrights_chromium_can_be_asked_for_inside_a_running_event_loop() -> None:
    """As when pytest-playwright already runs Playwright and a browser test file runs alone."""
    import asyncio

    pytest.importorskip("playwright")

    async def ask() -> str | None:
        return browser_setup.playwright_chromium()

    found = asyncio.run(ask())  # raised "Sync API inside the asyncio loop" before
    assert found is None or Path(found).exists()
