"""Find a Chromium for Playwright, installing one if needed, or say clearly why there is none.

Order: ``CHROMIUM_PATH``; a Chromium Playwright installed itself; a system Chromium (Debian's
``/usr/bin/chromium``); ``playwright install chromium``; as root on Debian, ``apt-get install -y
chromium``. Playwright's own download is unreachable on some networks, hence the fallbacks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class NoBrowserError(RuntimeError):
    """No Chromium could be found or installed."""


@dataclass(frozen=True)
class Browser:
    """A Chromium Playwright can launch: ``executable_path`` is None for Playwright's own build."""

    executable_path: str | None
    source: str


def playwright_chromium() -> str | None:
    """Return the path of Playwright's own Chromium if it is installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as p:
        path = p.chromium.executable_path
    return path if path and Path(path).exists() else None


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
    return Browser(system, "system") if system else None


def _run(command: list[str], timeout: int) -> bool:
    print("$", " ".join(command), file=sys.stderr)
    try:
        return subprocess.run(command, timeout=timeout, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"  failed: {exc}", file=sys.stderr)
        return False


def ensure_browser() -> Browser:
    """Return a Chromium, installing one through Playwright or apt if none is there."""
    found = find_browser()
    if found:
        return found
    if _run([sys.executable, "-m", "playwright", "install", "chromium"], timeout=300):
        own = playwright_chromium()
        if own:
            return Browser(None, "playwright")
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "chromium"]
        if not _run(install, timeout=900):
            subprocess.run(["apt-get", "update"], env=env, timeout=300, check=False)
            _run(install, timeout=900)
        system = system_chromium()
        if system:
            return Browser(system, "apt")
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
