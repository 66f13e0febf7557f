"""Find a Chromium for Playwright, installing one if needed, or say clearly why there is none.

Order: ``CHROMIUM_PATH``; a Chromium Playwright installed itself; a system Chromium (Debian's
``/usr/bin/chromium``); ``playwright install chromium``; as root on Debian, ``apt-get install -y
chromium``. Playwright's own download is unreachable on some networks, hence the fallbacks.

Headless runs use Chromium's headless shell where there is one (Debian's ``chromium-headless-shell``,
``/usr/bin/chromium-headless-shell``): the same Blink and V8 without the desktop browser around them, and the
binary Playwright itself launches for headless runs when it installs its own Chromium. It opens a context and page
faster than the full browser (README "Performance").
Headed runs (``--headed``, ``repro --headed``) need the full ``chromium``. ``launch_options`` is the one place
that decides, for the browser suites and the benchmark alike.

No extra command-line switches: Playwright already passes the usual ones for CI (``--disable-dev-shm-usage``,
``--disable-extensions``, ``--no-first-run``, ``--disable-background-networking``,
``--disable-renderer-backgrounding``, ``--disable-background-timer-throttling`` and more), and
``--disable-gpu``, ``--disable-site-isolation-trials`` or unthrottled frames (``--disable-gpu-vsync
--disable-frame-rate-limit``) measured no faster, the last clearly slower on two busy cores.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HEADLESS_SHELL_NAMES = ("chromium-headless-shell", "chrome-headless-shell")
HEADLESS_SHELL_PACKAGE = "chromium-headless-shell"
"""Debian's package of the headless shell, built from the same source and version as Debian's ``chromium``."""


class NoBrowserError(RuntimeError):
    """No Chromium could be found or installed."""


@dataclass(frozen=True)
class Browser:
    """A Chromium Playwright can launch: ``executable_path`` is None for Playwright's own build."""

    executable_path: str | None
    source: str
    headless_shell: str | None = None
    """A system headless shell to launch instead of ``executable_path`` for headless runs, if there is one."""

    def launch_options(self, *, headless: bool = True) -> dict[str, Any]:
        """Keyword arguments for ``playwright.chromium.launch``: which binary to run (the headless shell if headless).

        Empty for Playwright's own Chromium (Playwright picks its own headless shell); ``headless`` itself is left
        to the caller (pytest-playwright sets it from ``--headed``).
        """
        if headless and self.headless_shell:
            return {"executable_path": self.headless_shell}
        return {"executable_path": self.executable_path} if self.executable_path else {}


def playwright_chromium() -> str | None:
    """Return the path of Playwright's own Chromium if it is installed.

    Asked on a thread of its own: the sync API refuses to start inside a running asyncio loop, which is where
    pytest-playwright's own Playwright leaves the main thread when a browser test file runs alone.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    found: list[str] = []

    def ask() -> None:
        with sync_playwright() as p:
            found.append(p.chromium.executable_path)

    thread = threading.Thread(target=ask, name="playwright-chromium-path", daemon=True)
    thread.start()
    thread.join(60)
    path = found[0] if found else None
    return path if path and Path(path).exists() else None


def system_headless_shell() -> str | None:
    """Return a Chromium headless shell found on PATH or at Debian's location."""
    for name in HEADLESS_SHELL_NAMES:
        found = shutil.which(name)
        if found:
            return found
    debian = Path("/usr/bin") / HEADLESS_SHELL_PACKAGE
    return str(debian) if debian.exists() else None


def system_chromium() -> str | None:
    """Return a Chromium found on PATH or at Debian's location."""
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def find_browser() -> Browser | None:
    """Return an installed Chromium without installing anything."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        if not Path(explicit).exists():
            raise NoBrowserError(f"CHROMIUM_PATH={explicit} does not exist")
        return Browser(explicit, "CHROMIUM_PATH")
    own = playwright_chromium()
    if own:
        return Browser(None, "playwright")
    system = system_chromium()
    return Browser(system, "system", system_headless_shell()) if system else None


def _run(command: list[str], timeout: int, env: dict[str, str] | None = None) -> bool:
    print("$", " ".join(command), file=sys.stderr)
    try:
        return subprocess.run(command, timeout=timeout, check=False, env=env).returncode == 0
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"  failed: {exc}", file=sys.stderr)
        return False


def _apt_available() -> bool:
    return bool(shutil.which("apt-get")) and hasattr(os, "geteuid") and os.geteuid() == 0


def _with_headless_shell(found: Browser) -> Browser:
    """Add Debian's headless shell to a system Chromium (as root on Debian; best effort, never required)."""
    if found.source not in ("system", "apt") or found.headless_shell or not _apt_available():
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", HEADLESS_SHELL_PACKAGE]
    if not _run(install, timeout=900, env=env):
        subprocess.run(["apt-get", "update"], env=env, timeout=300, check=False)
        if not _run(install, timeout=900, env=env):
            print(f"  no headless shell: headless runs use {found.executable_path}", file=sys.stderr)
    return Browser(found.executable_path, found.source, system_headless_shell())


def ensure_browser() -> Browser:
    """Return a Chromium, installing one through Playwright or apt if none is there.

    A system Chromium also gets Debian's headless shell when it is missing and apt can install it.
    """
    found = find_browser()
    if found:
        return _with_headless_shell(found)
    if _run([sys.executable, "-m", "playwright", "install", "chromium"], timeout=300):
        own = playwright_chromium()
        if own:
            return Browser(None, "playwright")
    if _apt_available():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "chromium"]
        if not _run(install, timeout=900, env=env):
            subprocess.run(["apt-get", "update"], env=env, timeout=300, check=False)
            _run(install, timeout=900, env=env)
        system = system_chromium()
        if system:
            return _with_headless_shell(Browser(system, "apt"))
    raise NoBrowserError(
        "No Chromium found. Tried CHROMIUM_PATH, Playwright's own browser, a system chromium on PATH, "
        "`python -m playwright install chromium`, and (as root on Debian) `apt-get install -y chromium`. "
        "Install Chromium yourself and set CHROMIUM_PATH=/path/to/chromium."
    )


def main() -> int:
    """Print where the browser is (installing one if needed); exit 1 with the reason if none."""
    try:
        browser = ensure_browser()
    except NoBrowserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(browser.executable_path or "playwright-managed chromium", f"({browser.source})")
    if browser.headless_shell:
        print(f"headless runs: {browser.headless_shell}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
