"""Apply the performance changes proposed for files the benchmark does not own, by monkeypatching.

Load with ``pytest -p bench.plugins.proposals``; ``BENCH_PROPOSALS`` (comma list, default all) picks them:

* ``reset``: ``Deployment.reset`` restores a snapshot of the SP database (``JustCall.snapshot/restore``) instead
  of deleting every row and re-seeding accounts, domains, users and SSO settings through the ORM.
* ``ua``: the protocol user agent parses each page's HTML once (not once per ``form_with``/``find_text``) and
  skips requests' per-request proxy/netrc environment lookups for loopback URLs.
* ``transport``: the user agent sends its hops with ``http.client`` on kept-alive connections (one per origin),
  sharing requests' cookie jar, instead of going through ``requests.Session.request`` for every hop.
* ``acs`` (not in the default set; measured no gain, kept as a negative result): the ACS transaction
  (``justcall_sp.sso_login.consume``) loads the account with its SSO settings and domains eagerly and purges
  expired replay entries at most once a minute per process instead of on every POST: 16 -> 14 statements,
  but the time goes to SQLAlchemy's per-statement overhead everywhere, so consume() did not get faster.

The real code is untouched; ``bench/run.py --with-proposals`` reports the suite figures with these applied.
"""

from __future__ import annotations

import os
from typing import Any

ALL = ("reset", "ua", "transport")
"""The proposals ``-p bench.plugins.proposals`` applies by default (``acs`` only when named)."""


def chosen() -> set[str]:
    raw = os.environ.get("BENCH_PROPOSALS", ",".join(ALL))
    return {name.strip() for name in raw.split(",") if name.strip()}


def patch_reset() -> None:
    from saml_harness import wiring

    original = wiring.Deployment.reset
    snapshots: dict[int, Any] = {}

    def reset(self: Any) -> None:
        justcall = self.justcall
        snapshot = snapshots.get(id(self))
        if justcall is None or snapshot is None:
            original(self)
            if justcall is not None:
                snapshots[id(self)] = justcall.snapshot()
            return
        self.justcall = None  # the original reset then restores only the IdP side
        try:
            original(self)
        finally:
            self.justcall = justcall
        justcall.restore(snapshot)

    wiring.Deployment.reset = reset  # type: ignore[method-assign]


def patch_user_agent() -> None:
    from functools import cached_property

    from saml_harness import user_agent

    page_html = user_agent.Page.__dict__["html"]
    if isinstance(page_html, property):
        cached = cached_property(page_html.fget)  # type: ignore[arg-type]
        cached.__set_name__(user_agent.Page, "html")
        user_agent.Page.html = cached  # type: ignore[assignment,misc]

    original_init = user_agent.UserAgent.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        # Loopback targets never go through a proxy: skip requests' environment lookups on every request.
        self.http.trust_env = False

    user_agent.UserAgent.__init__ = init  # type: ignore[method-assign]


def patch_transport() -> None:
    import http.client
    import urllib.request
    import weakref
    from urllib.parse import urlencode, urljoin, urlsplit

    from saml_harness import user_agent
    from saml_harness.trace import Hop, saml_from_form, saml_from_query

    def close_all(pool: dict[Any, http.client.HTTPConnection]) -> None:
        for conn in pool.values():
            conn.close()

    def connection(self: Any, scheme: str, host: str, port: int | None) -> http.client.HTTPConnection:
        pool: dict[tuple[str, str, int | None], http.client.HTTPConnection] | None = self.__dict__.get("_pool")
        if pool is None:
            pool = self.__dict__["_pool"] = {}
            weakref.finalize(self, close_all, pool)  # a dropped user agent closes its connections
        found = pool.get((scheme, host, port))
        if found is None:
            factory = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            found = pool[(scheme, host, port)] = factory(host, port, timeout=self.timeout)
        return found

    def request(self: Any, method: str, url: str, data: dict[str, str] | None = None, note: str = "") -> Any:
        parts = urlsplit(url)
        body = urlencode(data).encode() if data is not None else None
        cookie_request = urllib.request.Request(url, data=body, method=method)
        self.http.cookies.add_cookie_header(cookie_request)
        headers = {"User-Agent": self.http.headers["User-Agent"], "Accept-Encoding": "identity"}
        headers |= dict(cookie_request.header_items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile: retry once on a new one
            conn = connection(self, parts.scheme, parts.hostname or "", parts.port)
            try:
                conn.request(method, path, body=body, headers=headers)
                answer = conn.getresponse()
                content = answer.read()
                break
            except (http.client.HTTPException, ConnectionError):
                conn.close()
                self.__dict__["_pool"].pop((parts.scheme, parts.hostname or "", parts.port), None)
                if attempt == 2:
                    raise
        self.http.cookies.extract_cookies(answer, cookie_request)
        if (answer.getheader("Connection") or "").lower() == "close":
            conn.close()
        charset = answer.headers.get_content_charset() or "utf-8"
        text = content.decode(charset, errors="replace")
        location = answer.getheader("Location")
        absolute = urljoin(url, location) if location else None
        hop = Hop(method, url, answer.status, absolute, dict(data or {}), note=note)
        hop.saml = saml_from_query(url) + saml_from_form(dict(data or {}))
        self.trace.hops.append(hop)
        return user_agent.Page(url, answer.status, text, dict(answer.getheaders()))

    user_agent.UserAgent.request = request  # type: ignore[method-assign]


PURGE_EVERY_S = 60.0


def patch_acs() -> None:
    import threading
    import time

    from sqlalchemy import delete as sa_delete
    from sqlalchemy import false
    from sqlalchemy import select as sa_select
    from sqlalchemy.orm import joinedload, selectinload

    from justcall_sp import sso_login
    from justcall_sp.models import Account, ReplayEntry

    def select(*entities: Any) -> Any:
        statement = sa_select(*entities)
        if entities == (Account,):
            statement = statement.options(joinedload(Account.sso), selectinload(Account.domains))
        return statement

    last_purge = [0.0]
    lock = threading.Lock()

    def delete(table: Any) -> Any:
        statement = sa_delete(table)
        if table is ReplayEntry:
            with lock:
                now = time.monotonic()
                if now - last_purge[0] < PURGE_EVERY_S:
                    # consume() adds ".where(expires_at <= now)"; an always-false WHERE deletes nothing.
                    return statement.where(false())
                last_purge[0] = now
        return statement

    sso_login.select = select  # type: ignore[assignment]
    sso_login.delete = delete  # type: ignore[assignment]


def apply(names: set[str]) -> None:
    """Apply the named proposals in this process."""
    if "reset" in names:
        patch_reset()
    if "ua" in names:
        patch_user_agent()
    if "transport" in names:
        patch_transport()
    if "acs" in names:
        patch_acs()


def pytest_configure(config: Any) -> None:
    apply(chosen())
