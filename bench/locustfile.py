"""Locust profile: full SP-initiated sign-ins to the bundled JustCall SP through the mock Okta org.

One task = one login of one person with a fresh cookie jar (a new browser), every hop as a browser makes it:

1. ``GET  {sp}/login/sso``                      Sign in with SSO page (CSRF token)
2. ``POST {sp}/login/sso``                      company email -> 302 to Okta with an AuthnRequest (HTTP-Redirect)
3. ``GET  {idp}/app/.../sso/saml?SAMLRequest``  Okta parks the request -> 302 to its sign-in page
4. ``GET  {idp}/login/login.htm``               Okta sign-in page
5. ``POST {idp}/login/login.htm``               username + password -> 302 back to the SSO endpoint
6. ``GET  {idp}/app/.../sso/saml?stateToken``   the signed Response in the auto-POST page
7. ``POST {sp}/sso/saml/acme/acs``              ACS: validate, JIT, session -> 303 to the landing page
8. ``GET  {sp}/``                               landing page names the signed-in person

Each step is a Locust request (named by step); the whole login is reported as request type ``LOGIN`` (name
``sp_initiated``) with its total time, and fails if any step fails or the landing page names someone else.

Configuration (environment): ``LOAD_TARGET_JSON`` (the JSON line of ``bench.load_server`` or ``saml-harness serve
--json``: ``sp_url``, ``idp_url``, ``users``), ``LOAD_MAX_LOGINS`` (stop after this many logins, default no
cap), ``LOAD_RESULT_JSON`` (write exact login latencies and counts there at the end).

Run headless, bounded: ``locust -f bench/locustfile.py --headless -u 32 -r 32 -t 30s`` (``nox -s load`` does it).
Distributed: ``--master --expect-workers N`` on one machine, ``--worker --master-host HOST`` on each worker.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from locust import FastHttpUser, events, task
from locust.exception import StopUser

# `locust -f bench/locustfile.py` puts bench/ on sys.path, not the checkout: make `bench.loadkit` importable.
_CHECKOUT = str(Path(__file__).resolve().parent.parent)
if _CHECKOUT not in sys.path:
    sys.path.insert(0, _CHECKOUT)

from bench.loadkit import Recorder, Target, form_action, hidden_fields, signed_in_as  # noqa: E402

TARGET: Target | None = None
RECORDER = Recorder(int(os.environ["LOAD_MAX_LOGINS"]) if os.environ.get("LOAD_MAX_LOGINS") else None)


@events.init.add_listener
def _load_target(environment: Any, **_: Any) -> None:
    global TARGET
    source = os.environ.get("LOAD_TARGET_JSON")
    if source:
        TARGET = Target(json.loads(Path(source).read_text()))


@events.quitting.add_listener
def _write_result(environment: Any, **_: Any) -> None:
    out = os.environ.get("LOAD_RESULT_JSON")
    if out:
        Path(out).write_text(json.dumps(RECORDER.as_json()))


class LoginFailed(Exception):
    pass


class SpInitiatedLogin(FastHttpUser):
    """A person signing in from JustCall's Sign in with SSO, over and over, each time as a new browser."""

    # No think time: the profile measures capacity. Connections are kept alive per simulated browser.
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        if TARGET is None:
            raise StopUser("set LOAD_TARGET_JSON to the deployment's JSON (bench.load_server / serve --json)")
        self.target = TARGET
        self.host = TARGET.sp_url

    def _get(self, url: str, name: str, expect: int) -> Any:
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != expect:
                answer.failure(f"{name}: HTTP {answer.status_code}, expected {expect}")
                raise LoginFailed(f"{name}: HTTP {answer.status_code}")
            return answer

    def _post(self, url: str, data: dict[str, str], name: str, expect: int) -> Any:
        with self.client.post(url, data=data, name=name, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != expect:
                answer.failure(f"{name}: HTTP {answer.status_code}, expected {expect}")
                raise LoginFailed(f"{name}: HTTP {answer.status_code}")
            return answer

    @staticmethod
    def _location(answer: Any, base: str) -> str:
        location = answer.headers.get("Location") or answer.headers.get("location")
        if not location:
            raise LoginFailed("redirect without Location")
        return urljoin(base, location)

    @task
    def sp_initiated(self) -> None:
        if not RECORDER.claim():
            self.environment.runner.quit()
            raise StopUser()
        email, password = self.target.next_user()
        self.client.cookiejar.clear()  # a new browser for every login
        started = time.perf_counter()
        error: str | None = None
        try:
            self._login(email, password)
        except LoginFailed as exc:
            error = str(exc)
        except Exception as exc:  # connection errors and the like count as failed logins
            error = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        RECORDER.done(elapsed, error)
        events.request.fire(
            request_type="LOGIN",
            name="sp_initiated",
            response_time=elapsed * 1000,
            response_length=0,
            exception=LoginFailed(error) if error else None,
            context={},
        )

    def _login(self, email: str, password: str) -> None:
        sp = self.target.sp_url
        start_url = f"{sp}/login/sso"
        page = self._get(start_url, "1 GET sp /login/sso", 200)
        form = hidden_fields(page.text) | {"email": email}
        answer = self._post(form_action(page.text, start_url), form, "2 POST sp /login/sso", 302)
        sso = self._location(answer, start_url)
        answer = self._get(sso, "3 GET idp sso?SAMLRequest", 302)
        sign_in_url = self._location(answer, sso)
        page = self._get(sign_in_url, "4 GET idp /login/login.htm", 200)
        form = hidden_fields(page.text) | {"username": email, "password": password}
        answer = self._post(form_action(page.text, sign_in_url), form, "5 POST idp /login/login.htm", 302)
        resume = self._location(answer, sign_in_url)
        page = self._get(resume, "6 GET idp sso?stateToken", 200)
        form = hidden_fields(page.text)
        if "SAMLResponse" not in form:
            raise LoginFailed("Okta sent no SAMLResponse")
        acs = form_action(page.text, resume)
        answer = self._post(acs, form, "7 POST sp acs", 303)
        landing = self._location(answer, acs)
        page = self._get(landing, "8 GET sp landing", 200)
        who = signed_in_as(page.text)
        if who is None or who.lower() != email.lower():
            raise LoginFailed(f"landing page names {who!r}, expected {email!r}")
