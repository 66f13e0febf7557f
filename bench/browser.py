"""Figure 4, browser: median seconds per SP-initiated sign-in in Chromium (one browser, a new context per case).

A case, timed from ``browser.new_context()`` to JustCall's landing page naming the user: JustCall's Sign in
with SSO page (``/login/sso``, where the protocol flow starts too) -> type the company email, Enter ->
AuthnRequest redirect -> Okta sign-in page -> type username and password, Enter -> auto-POST -> ACS -> landing
page (``#signed-in-as``); then the context is closed (not timed). The deployment is reset
before each case, as in the suites. Chromium is Debian's (``saml_harness.browser_setup.find_browser``).

Reference: the same SP-initiated sign-in with the protocol-level user agent against the same deployment, in the
same run (median); the ratio is browser / protocol.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stats import Figure, Target

TARGET = Target("<=", 0.4)


def _sign_in(page: Any, sp_url: str, username: str, password: str) -> dict[str, float]:
    """Sign in as a person does (type, press Enter); return when each page was ready (seconds from start)."""
    started = time.perf_counter()
    marks: dict[str, float] = {}
    page.goto(f"{sp_url}/login/sso")
    marks["sso_page"] = time.perf_counter() - started
    page.fill("#email", username)
    page.press("#email", "Enter")
    page.wait_for_selector("#username")
    marks["okta_page"] = time.perf_counter() - started
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")
    shown = page.wait_for_selector("#signed-in-as")
    marks["landing_page"] = time.perf_counter() - started
    if shown is None or shown.inner_text().strip().lower() != username.lower():
        raise RuntimeError(f"not signed in as {username!r}")
    return marks


def protocol_median(deployment: Any, cases: int) -> float:
    from saml_harness.flows import SP_INITIATED, run_flow
    from saml_harness.user_agent import UserAgent

    who = deployment.credentials("assigned")
    times = []
    for _ in range(cases):
        deployment.reset()
        started = time.perf_counter()
        outcome = run_flow(SP_INITIATED, UserAgent(), deployment.target, deployment.idp, who)
        times.append(time.perf_counter() - started)
        if not outcome.accepted:
            raise RuntimeError(f"protocol sign-in failed: {outcome.explain()}")
    return statistics.median(times)


def run(*, cases: int = 15) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    from saml_harness.browser_setup import find_browser
    from saml_harness.wiring import start_deployment

    found = find_browser()
    if found is None:
        raise RuntimeError("no Chromium: run `python -m saml_harness.browser_setup` or set CHROMIUM_PATH")
    folder = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    deployment = start_deployment(database_url=f"sqlite:///{folder / 'justcall.sqlite3'}")
    who = deployment.credentials("assigned")
    times: list[float] = []
    phases: list[dict[str, float]] = []
    try:
        with sync_playwright() as playwright:
            launch: dict[str, Any] = {"headless": True}
            if found.executable_path:
                launch["executable_path"] = found.executable_path
            started = time.perf_counter()
            browser = playwright.chromium.launch(**launch)
            launch_s = time.perf_counter() - started
            try:
                for index in range(cases + 1):
                    deployment.reset()
                    started = time.perf_counter()
                    context = browser.new_context()
                    page = context.new_page()
                    opened = time.perf_counter() - started
                    marks = _sign_in(page, deployment.sp_url, who.username, who.password)
                    elapsed = time.perf_counter() - started
                    context.close()
                    if index:  # the first case warms up Chromium and the servers
                        times.append(elapsed)
                        phases.append({"context_and_page": opened, **{k: v + opened for k, v in marks.items()}})
            finally:
                browser.close()
        reference = protocol_median(deployment, max(5, cases // 2))
    finally:
        deployment.stop()
    median = statistics.median(times)
    return [
        Figure(
            key="browser",
            label="Browser: SP-initiated sign-in, Chromium (median)",
            value=median,
            unit="s",
            reference_label="same sign-in, protocol user agent (median)",
            reference_value=reference,
            ratio=median / reference if reference else None,
            target=TARGET,
            target_on="value",
            note=f"{cases} cases, new context each; browser launch {launch_s:.2f} s ({found.source})",
            details={
                "times_s": times,
                "median_phase_ends_s": {k: statistics.median(p[k] for p in phases) for k in phases[0]},
                "launch_s": launch_s,
                "chromium": found.executable_path,
                "source": found.source,
            },
        )
    ]
