"""The browser benchmark: its sign-in in Chromium (``bench.browser._case``) and its attribution of the time."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from bench.browser import _case, _sign_in, attribute
from saml_harness.browser.setup import find_browser
from saml_harness.deploy.wiring import Deployment

Driver = Callable[..., Any]


@pytest.fixture(scope="module")
def in_chromium() -> Iterator[Driver]:
    """Scope: module. ``in_chromium(fn, *args)`` runs ``fn(browser, *args)`` with a headless Chromium as the benchmark
    launches it (skips, or fails under REQUIRE_BROWSER=1, when there is none).

    Playwright's sync API runs on its own thread here: it refuses to start on a thread where pytest-playwright's
    session (the browser suites') runs, and ``find_browser`` starts it too.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="bench-chromium") as thread:
        found = thread.submit(find_browser).result()
        if found is None:
            message = "no Chromium found: run `python -m saml_harness.browser.setup` or set CHROMIUM_PATH"
            if os.environ.get("REQUIRE_BROWSER") == "1":
                pytest.fail(message)
            pytest.skip(message)

        def launch() -> tuple[Any, Any]:
            playwright = sync_playwright().start()
            return playwright, playwright.chromium.launch(headless=True, **found.launch_options(headless=True))

        playwright, browser = thread.submit(launch).result()
        try:
            yield lambda fn, *args, **kwargs: thread.submit(fn, browser, *args, **kwargs).result()
        finally:
            thread.submit(lambda: (browser.close(), playwright.stop())).result()


@pytest.mark.browser
@pytest.mark.parametrize("typed", [False, True], ids=["filled", "typed"])
def test_the_case_signs_the_person_in_with_the_keyboard(
    in_chromium: Driver, deployment: Deployment, typed: bool
) -> None:
    who = deployment.credentials("assigned")
    case = in_chromium(_case, deployment, who, typed=typed)
    steps = ["context_and_page", "sso_page", "email_entered", "okta_page", "password_entered", "landing_page"]
    assert list(case)[:-1] == steps and [case[s] for s in steps] == sorted(case[s] for s in steps)


@pytest.mark.browser
def test_the_case_fails_when_okta_does_not_sign_the_person_in(in_chromium: Driver, deployment: Deployment) -> None:
    who = deployment.credentials("unassigned")  # Okta answers 403 App Not Assigned: no SAMLResponse
    with pytest.raises(RuntimeError, match="not signed in: no JustCall page"):
        in_chromium(_case, deployment, who, timeout_ms=2_000)


@pytest.mark.browser
def test_the_case_fails_when_the_password_is_wrong(in_chromium: Driver, deployment: Deployment) -> None:
    who = deployment.credentials("assigned")
    with pytest.raises(RuntimeError, match="not signed in"):
        in_chromium(_case, deployment, type(who)(who.username, who.password + "x"), timeout_ms=2_000)


def test_each_instant_goes_to_the_first_layer_that_covers_it() -> None:
    shares = attribute(
        (0.0, 10.0),
        {
            "server": [(2.0, 3.0), (6.0, 7.0)],
            "network": [(1.0, 4.0), (5.5, 7.5)],  # the server's time inside them stays the server's
            "document": [(3.5, 5.0)],  # overlaps a request by 0.5
        },
    )
    assert shares == pytest.approx({"server": 2.0, "network": 3.0, "document": 1.0, "other": 4.0})


def test_intervals_outside_the_window_are_clipped_and_overlaps_counted_once() -> None:
    shares = attribute((1.0, 3.0), {"network": [(0.0, 1.5), (1.2, 2.0), (2.5, 9.0)]})
    assert shares == pytest.approx({"network": 1.5, "other": 0.5})


def test_no_events_leave_everything_to_other() -> None:
    assert attribute((0.0, 2.0), {"server": [], "network": []}) == {"server": 0.0, "network": 0.0, "other": 2.0}


class _Keyboard:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def insert_text(self, text: str) -> None:
        self.log.append(f"fill {text}")

    def type(self, text: str) -> None:
        self.log.append(f"type {text}")

    def press(self, key: str) -> None:
        self.log.append(key)


class _Page:
    """Records what the sign-in does; the landing page shows ``shown`` as the signed-in user."""

    url = "http://sp.test/"

    def __init__(self, shown: str | None) -> None:
        self.shown, self.log = shown, []
        self.keyboard = _Keyboard(self.log)

    def goto(self, url: str, wait_until: str) -> None:
        self.log.append(f"goto {url}")

    def wait_for_url(self, where: Any, wait_until: str, timeout: float) -> None:
        self.log.append("okta" if where("http://idp.test/login/login.htm?fromURI=x") else "justcall")

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        return True if arg else self.shown


@pytest.mark.parametrize("shown", [None, "someone.else@acme.example"])
def test_the_case_fails_unless_the_landing_page_names_the_person(shown: str | None) -> None:
    with pytest.raises(RuntimeError, match=re.escape("not signed in as 'ann@acme.example'")):
        _sign_in(_Page(shown), "http://sp.test", "http://idp.test", "ann@acme.example", "pw", 0.0)


@pytest.mark.parametrize("typed", [False, True])
def test_a_person_enters_the_email_then_username_tab_password_enter(typed: bool) -> None:
    page = _Page("Ann@acme.example ")
    _sign_in(page, "http://sp.test", "http://idp.test", "ann@acme.example", "pw", 0.0, typed=typed)
    enter = "type" if typed else "fill"
    assert page.log == [
        "goto http://sp.test/login/sso",
        f"{enter} ann@acme.example",
        "Enter",
        "okta",
        f"{enter} ann@acme.example",
        "Tab",
        f"{enter} pw",
        "Enter",
        "justcall",
    ]
