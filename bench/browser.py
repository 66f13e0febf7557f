"""Figure 4, browser: median seconds per SP-initiated sign-in in Chromium (one browser, a new context per case).

A case, timed from ``browser.new_context()`` to JustCall's landing page naming the user: JustCall's Sign in
with SSO page (``/login/sso``, where the protocol flow starts too) -> the company email, Enter -> AuthnRequest
redirect -> Okta sign-in page -> username, Tab, password, Enter -> auto-POST -> ACS -> landing page, whose
``#signed-in-as`` must name the user (else RuntimeError, as when no JustCall page comes); then the context is
closed (not timed). The deployment is reset before each case, outside the timed part, as in the suites. Chromium
is the one the browser suites use (``saml_harness.browser.setup``: the headless shell where there is one).

Driven with the keyboard, as a person does, and without locators: both pages autofocus their first field, so a
case waits for the caret to be there (one ``page.evaluate`` per page, resolved on the frame that applies
autofocus; keys sent before it are lost: measured), enters the text and presses Tab and Enter; ``wait_for_url``
follows the navigations (``domcontentloaded``) and one ``page.evaluate`` reads ``#signed-in-as``. No locator
means Playwright never compiles its large injected script (several times per sign-in with locators);
``page.evaluate`` runs in the page's main world with only the small utility script, once per page (checked with
DEBUG=pw:protocol; the A/B is in README "Performance").

The figure fills each field at once (``keyboard.insert_text``, what a browser's autofill or a password manager
does, one protocol call per field). Typing key by key (``keyboard.type``: keyDown and keyUp per character,
each a round trip to the renderer, ~50 characters) is measured in alternating cases of the same run and reported
as ``typed_median_s``: what it adds is Playwright's keyboard emulation, not either app. Context options
change nothing measurable (``service_workers="block"``: same medians; no video, tracing or HAR are on by
default), and nothing calls ``page.route`` (which would pause every request in the driver).

Reference: the same SP-initiated sign-in with the protocol-level user agent against the same deployment, in the
same run (median); the ratio is browser / protocol.

Breakdown (``details.breakdown_ms``): a few more cases, after the timed ones, with a CDP session recording
Chromium's network and page lifecycle events and a wrapper timing both apps' WSGI calls. Each millisecond of
a case goes to the first of these that covers it: ``context_and_page`` (new context and page: a renderer
process), ``server`` (inside either app), ``network`` (a request in flight outside the apps: loopback, waitress,
Chromium's network service, redirects), ``document`` (a response received until its page's load event: commit,
parse, style, layout), ``playwright_and_frames`` (the rest: the Python <-> driver <-> Chromium round trips, the
utility script once per page evaluated in, the frames that apply autofocus). Recording costs a little, so
instrumented cases are not the timed ones.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.stats import Figure, Target

TARGET = Target("<=", 0.4)
CATEGORIES = ("context_and_page", "server", "network", "document", "playwright_and_frames")

Interval = tuple[float, float]


FOCUSED = """([id, ms]) => new Promise((done, fail) => {
  const until = performance.now() + ms;
  const check = () => document.activeElement?.id === id ? done(true)
    : performance.now() > until ? fail(new Error(`#${id} never had the focus`)) : requestAnimationFrame(check);
  check();
})"""
"""Resolve once the page's autofocus has put the caret in ``#id`` (a person starts typing when they see it)."""

SIGNED_IN_AS = "document.getElementById('signed-in-as')?.textContent ?? null"


def _arrive(page: Any, where: Callable[[str], bool], what: str, timeout_ms: float) -> None:
    """Wait for the page to navigate to a URL ``where`` accepts (DOMContentLoaded), else raise RuntimeError."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        page.wait_for_url(where, wait_until="domcontentloaded", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        raise RuntimeError(f"not signed in: no {what} after {timeout_ms / 1000:g} s (the page is {page.url})") from None


def _sign_in(
    page: Any,
    sp_url: str,
    idp_url: str,
    username: str,
    password: str,
    started: float,
    *,
    typed: bool = False,
    timeout_ms: float = 10_000,
) -> dict[str, float]:
    """Sign in with the keyboard; return when each step was done (seconds from ``started``).

    Both pages autofocus their first field: wait for the caret, enter the text, Tab to the next field, Enter.
    ``typed``: one key press per character (``keyboard.type``); otherwise each field's text arrives at once
    (``keyboard.insert_text``, as a browser's autofill or a password manager fills it). Raises RuntimeError unless
    the landing page names ``username``.
    """
    enter_text = page.keyboard.type if typed else page.keyboard.insert_text
    marks: dict[str, float] = {}
    page.goto(f"{sp_url}/login/sso", wait_until="domcontentloaded")
    page.evaluate(FOCUSED, ["email", timeout_ms])
    marks["sso_page"] = time.perf_counter() - started
    enter_text(username)
    page.keyboard.press("Enter")
    marks["email_entered"] = time.perf_counter() - started
    _arrive(page, lambda url: url.startswith(f"{idp_url}/login/login.htm"), "Okta sign-in page", timeout_ms)
    page.evaluate(FOCUSED, ["username", timeout_ms])
    marks["okta_page"] = time.perf_counter() - started
    enter_text(username)
    page.keyboard.press("Tab")
    enter_text(password)
    page.keyboard.press("Enter")
    marks["password_entered"] = time.perf_counter() - started
    _arrive(page, lambda url: url.startswith(f"{sp_url}/"), "JustCall page", timeout_ms)
    shown = page.evaluate(SIGNED_IN_AS)
    marks["landing_page"] = time.perf_counter() - started
    if (shown or "").strip().lower() != username.lower():
        raise RuntimeError(f"not signed in as {username!r}: {page.url} shows {shown!r} as the signed-in user")
    return marks


def _case(
    browser: Any,
    deployment: Any,
    who: Any,
    *,
    typed: bool = False,
    recorder: Callable[[Any, Any], None] | None = None,
    timeout_ms: float = 10_000,
) -> dict:
    """One timed sign-in in a new context; ``recorder(context, page)`` runs (untimed) before the first request.

    Returns the phase ends (seconds from the start, without the recorder's pause) and, as ``signing_in``, the
    ``time.perf_counter`` interval from the first request to the landing page.
    """
    deployment.reset()
    started = time.perf_counter()
    context = browser.new_context()
    page = context.new_page()
    opened = time.perf_counter() - started
    try:
        if recorder is not None:
            paused = time.perf_counter()
            recorder(context, page)
            started += time.perf_counter() - paused
        begun = time.perf_counter()
        marks = _sign_in(
            page,
            deployment.sp_url,
            deployment.idp_url,
            who.username,
            who.password,
            started,
            typed=typed,
            timeout_ms=timeout_ms,
        )
        ended = time.perf_counter()
    finally:
        context.close()
    return {"context_and_page": opened, **marks, "signing_in": (begun, ended)}


# ---- breakdown ---------------------------------------------------------------------------------------------


def _union(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _minus(intervals: list[Interval], taken: list[Interval]) -> list[Interval]:
    """``intervals`` (merged) without the parts in ``taken`` (merged)."""
    out: list[Interval] = []
    for start, end in intervals:
        cursor = start
        for t_start, t_end in taken:
            if t_end <= cursor or t_start >= end:
                continue
            if t_start > cursor:
                out.append((cursor, t_start))
            cursor = max(cursor, t_end)
        if cursor < end:
            out.append((cursor, end))
    return out


def _length(intervals: list[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def attribute(window: Interval, layers: dict[str, list[Interval]]) -> dict[str, float]:
    """Split ``window`` over ``layers`` in order (each keeps what no earlier layer took); the rest is ``other``."""
    taken: list[Interval] = []
    shares: dict[str, float] = {}
    for name, intervals in layers.items():
        clipped = [(max(s, window[0]), min(e, window[1])) for s, e in intervals]
        own = _minus(_union(clipped), taken)
        shares[name] = _length(own)
        taken = _union(taken + own)
    shares["other"] = (window[1] - window[0]) - _length(taken)
    return shares


@contextmanager
def _wsgi_timer(apps: list[Any], into: list[Interval]) -> Iterator[None]:
    """Record (start, end) in ``time.perf_counter`` seconds of every WSGI call of ``apps`` (Flask apps)."""
    originals = [app.wsgi_app for app in apps]

    def timed(inner: Any) -> Any:
        def call(environ: Any, start_response: Any) -> Any:
            begun = time.perf_counter()
            try:
                return inner(environ, start_response)
            finally:
                into.append((begun, time.perf_counter()))

        return call

    for app in apps:
        app.wsgi_app = timed(app.wsgi_app)
    try:
        yield
    finally:
        for app, original in zip(apps, originals, strict=True):
            app.wsgi_app = original


class _ChromiumEvents:
    """Network and lifecycle events of one page from a CDP session, on the ``time.perf_counter`` clock."""

    def __init__(self) -> None:
        self.offset: float | None = None  # perf_counter - Chromium's monotonic clock
        self.request_started: dict[str, float] = {}
        self.requests: list[Interval] = []
        self.document_response: dict[str, float] = {}
        self.documents: list[Interval] = []

    def attach(self, context: Any, page: Any) -> None:
        session = context.new_cdp_session(page)
        session.on("Network.requestWillBeSent", self._request)
        session.on("Network.loadingFinished", self._finished)
        session.on("Network.loadingFailed", self._finished)
        session.on("Network.responseReceived", self._response)
        session.on("Page.lifecycleEvent", self._lifecycle)
        session.send("Network.enable")
        session.send("Page.enable")
        session.send("Page.setLifecycleEventsEnabled", {"enabled": True})

    def _clock(self, event: dict[str, Any]) -> float:
        if self.offset is None:  # the first request: wallTime is the same instant as timestamp
            self.offset = (time.perf_counter() - time.time()) + event["wallTime"] - event["timestamp"]
        return float(event["timestamp"]) + self.offset

    def _request(self, event: dict[str, Any]) -> None:
        self.request_started.setdefault(event["requestId"], self._clock(event))

    def _finished(self, event: dict[str, Any]) -> None:
        begun = self.request_started.pop(event["requestId"], None)
        if begun is not None and self.offset is not None:
            self.requests.append((begun, event["timestamp"] + self.offset))

    def _response(self, event: dict[str, Any]) -> None:
        if event.get("type") == "Document" and self.offset is not None:
            self.document_response[event["loaderId"]] = event["timestamp"] + self.offset

    def _lifecycle(self, event: dict[str, Any]) -> None:
        if event["name"] == "load" and self.offset is not None:
            begun = self.document_response.pop(event["loaderId"], None)
            if begun is not None:
                self.documents.append((begun, event["timestamp"] + self.offset))


def breakdown(browser: Any, deployment: Any, who: Any, cases: int) -> dict[str, Any]:
    """Median milliseconds per category (see the module docstring) over ``cases`` instrumented sign-ins."""
    rows: list[dict[str, float]] = []
    apps = [deployment.sp_server.app, deployment.idp_server.app]
    for _ in range(cases):
        server: list[Interval] = []
        events = _ChromiumEvents()
        with _wsgi_timer(apps, server):
            case = _case(browser, deployment, who, recorder=events.attach)
        window = case["signing_in"]
        shares = {"context_and_page": case["context_and_page"]}
        shares |= attribute(window, {"server": server, "network": events.requests, "document": events.documents})
        shares["playwright_and_frames"] = shares.pop("other")
        rows.append({k: v * 1000 for k, v in shares.items()} | {"total": sum(shares.values()) * 1000})
    return {
        "breakdown_ms": {k: round(statistics.median(r[k] for r in rows), 1) for k in (*CATEGORIES, "total")},
        "breakdown_cases": cases,
    }


# ---- the figure --------------------------------------------------------------------------------------------


def protocol_median(deployment: Any, cases: int) -> float:
    from saml_harness.agent.flows import SP_INITIATED, run_flow
    from saml_harness.agent.user_agent import UserAgent

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

    from saml_harness.browser.setup import find_browser
    from saml_harness.deploy.wiring import start_deployment

    found = find_browser()
    if found is None:
        raise RuntimeError("no Chromium: run `python -m saml_harness.browser.setup` or set CHROMIUM_PATH")
    launch: dict[str, Any] = {"headless": True, **found.launch_options(headless=True)}
    folder = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    deployment = start_deployment(database_url=f"sqlite:///{folder / 'justcall.sqlite3'}")
    who = deployment.credentials("assigned")
    times: dict[bool, list[float]] = {False: [], True: []}  # typed? -> seconds per sign-in
    phases: list[dict[str, float]] = []
    try:
        with sync_playwright() as playwright:
            started = time.perf_counter()
            browser = playwright.chromium.launch(**launch)
            launch_s = time.perf_counter() - started
            try:
                version = browser.version
                for index in range(cases + 1):
                    for typed in (False, True) if index % 2 else (True, False):  # alternate which goes first
                        case = _case(browser, deployment, who, typed=typed)
                        if not index:  # the first round warms up Chromium and the servers
                            continue
                        times[typed].append(case["landing_page"])
                        if not typed:
                            phases.append({k: v for k, v in case.items() if k != "signing_in"})
                parts = breakdown(browser, deployment, who, max(5, cases // 2))
            finally:
                browser.close()
        reference = protocol_median(deployment, max(5, cases // 2))
    finally:
        deployment.stop()
    median, typed_median = statistics.median(times[False]), statistics.median(times[True])
    binary = launch.get("executable_path") or "playwright's chromium"
    spent = parts["breakdown_ms"]
    below_playwright = sum(spent[k] for k in ("context_and_page", "server", "network", "document"))
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
            note=(
                f"{cases} cases, new context each, fields filled (typed key by key: {typed_median:.2f} s); "
                f"browser launch {launch_s:.2f} s ({binary}, {found.source})"
            ),
            details={
                "times_s": times[False],
                "median_phase_ends_s": {k: statistics.median(p[k] for p in phases) for k in phases[0]},
                "typed_median_s": typed_median,
                "typed_times_s": times[True],
                "entry": "fields filled at once (keyboard.insert_text, as autofill or a password manager does); "
                "typed_* are the same sign-ins typed one key press per character (keyboard.type), alternating",
                **parts,
                "breakdown_categories": {
                    "context_and_page": "browser.new_context() + context.new_page(): a new renderer process",
                    "server": "inside the SP's and the IdP's WSGI apps (both in this process)",
                    "network": "requests in flight outside the apps: loopback, waitress, Chromium's network stack",
                    "document": "a page's response received until its load event: commit, parse, style, layout",
                    "playwright_and_frames": "Python <-> driver <-> Chromium round trips (goto, waits for the URL, "
                    "key events, three evaluates), Playwright's ~14 KB utility script once per page evaluated in, "
                    "waits for the frame that applies autofocus",
                },
                "target_analysis": (
                    f"Of {spent['total']:.0f} ms per instrumented sign-in, {below_playwright:.0f} ms is not "
                    f"Playwright's: a new context and page {spent['context_and_page']:.0f} ms, both apps "
                    f"{spent['server']:.0f} ms, requests in flight {spent['network']:.0f} ms, four pages loading "
                    f"{spent['document']:.0f} ms. Playwright and frames take {spent['playwright_and_frames']:.0f} ms: "
                    "14 Playwright calls (~35 CDP commands) and the frames that apply autofocus; no locator, so "
                    "Playwright's ~340 KB injected script is never compiled (DEBUG=pw:protocol). Typing key by key "
                    f"instead of filling adds {1000 * (typed_median - median):.0f} ms (two CDP key events per "
                    "character, ~50 characters). What is left beyond 0.4 s is mostly Chromium's own: the context, "
                    "the four pages and the requests between them, all slower when the two cores are shared."
                ),
                "launch_s": launch_s,
                "chromium": binary,
                "chromium_version": version,
                "source": found.source,
            },
        )
    ]
