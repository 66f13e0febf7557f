"""Act like a browser without one: keep cookies, follow redirects, fill and submit HTML forms.

It drives SAML flows at protocol level over real HTTP, doing what a person's browser does: follow
each redirect, sign in when the IdP shows its form, submit the auto-POST form, and keep a trace.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urljoin

import lxml.html
import requests

from saml_harness.agent.trace import Hop, Trace, saml_from_form, saml_from_query
from saml_harness.agent.transport import Answer, CachingCookieJar, ConnectionPool, is_loopback, send

REDIRECTS = (301, 302, 303, 307, 308)
MAX_HOPS = 25
"""More hops than any SSO flow needs: a loop is reported instead of followed forever."""


class FlowError(RuntimeError):
    """The flow could not continue (a loop, a missing form): the trace tells where."""


@dataclass
class Page:
    """The last answer of a navigation, parsed for forms and text."""

    url: str
    status: int
    text: str
    headers: dict[str, str]

    @cached_property
    def html(self) -> lxml.html.HtmlElement | None:
        """Parse the page once (forms, ids and the title are all read from this tree)."""
        if not self.text.strip() or "html" not in self.headers.get("Content-Type", "text/html"):
            return None
        try:
            return lxml.html.fromstring(self.text)
        except (ValueError, lxml.etree.ParserError):
            return None

    def find_text(self, css_id: str) -> str | None:
        """Return the text of the element with this id, if the page has one."""
        root = self.html
        if root is None:
            return None
        found = root.get_element_by_id(css_id, None)
        return None if found is None else " ".join(found.text_content().split())

    @property
    def title(self) -> str:
        root = self.html
        found = None if root is None else root.find(".//title")
        return "" if found is None else " ".join(found.text_content().split())

    def forms(self) -> list[lxml.html.FormElement]:
        root = self.html
        return [] if root is None else list(root.forms)

    def form_with(self, *field_names: str) -> lxml.html.FormElement | None:
        """Return the first form that has every named field."""
        for form in self.forms():
            names = {el.get("name") for el in form.inputs}
            if all(n in names for n in field_names):
                return form
        return None

    def json(self) -> object:
        import json

        return json.loads(self.text)


def form_values(form: lxml.html.FormElement) -> dict[str, str]:
    """Return what a browser would submit for ``form`` untouched (hidden, text, checked, selected)."""
    values: dict[str, str] = {}
    for name, value in form.form_values():
        values.setdefault(name, value)
    return values


class UserAgent:
    """A cookie-keeping HTTP client that records a trace of every hop.

    Loopback hops go over kept-alive connections of its own (``transport.py``), closed by ``close()``, at the
    end of a ``with`` block, or when the agent is dropped; other hosts go through ``http`` (``requests``).
    ``http`` holds the cookie jar both share, for callers that send a request of their own.
    """

    def __init__(self, timeout: float = 10.0) -> None:
        self.http = requests.Session()
        self.http.cookies = CachingCookieJar()
        self.http.headers["User-Agent"] = "saml-harness/0.1 (protocol user agent)"
        self.timeout = timeout
        self.trace = Trace()
        self.rewrite_redirect: Callable[[str], str] | None = None
        """An attacker's hand on the browser: changes each redirect target before it is followed (agent ops)."""
        self._pool = ConnectionPool(timeout)
        self._closer = weakref.finalize(self, self._pool.close)

    def close(self) -> None:
        """Close the kept-alive connections (a later request opens new ones)."""
        self._closer()
        self.http.close()

    def __enter__(self) -> UserAgent:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def new_trace(self) -> Trace:
        self.trace = Trace()
        return self.trace

    def fetch(
        self, method: str, url: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        """Send one request with this agent's cookies, without following redirects or recording a hop."""
        if is_loopback(url):
            if not self._closer.alive:  # closed earlier: start a new pool and a new finalizer
                self._pool = ConnectionPool(self.timeout)
                self._closer = weakref.finalize(self, self._pool.close)
            return send(self._pool, self.http, method, url, data, headers)
        answer = self.http.request(method, url, data=data, headers=headers, allow_redirects=False, timeout=self.timeout)
        return Answer.of(answer)

    def request(self, method: str, url: str, data: dict[str, str] | None = None, note: str = "") -> Page:
        """Send one request without following redirects, and record it."""
        answer = self.fetch(method, url, data)
        location = answer.headers.get("Location")
        absolute = urljoin(url, location) if location else None
        hop = Hop(method, url, answer.status_code, absolute, dict(data or {}), note=note)
        hop.saml = saml_from_query(url) + saml_from_form(dict(data or {}))
        self.trace.hops.append(hop)
        return Page(answer.url, answer.status_code, answer.text, dict(answer.headers))

    def navigate(self, method: str, url: str, data: dict[str, str] | None = None, note: str = "") -> Page:
        """Send a request and follow redirects like a browser (303/302 become GET, 307/308 keep the method)."""
        page = self.request(method, url, data, note)
        for _ in range(MAX_HOPS):
            if page.status not in REDIRECTS:
                return page
            target = self.trace.hops[-1].location
            assert target is not None
            note = ""
            if self.rewrite_redirect is not None and (changed := self.rewrite_redirect(target)) != target:
                target, note = changed, "the agent changed this request in transit"
            if page.status in (301, 302, 303):
                method, data = "GET", None
            page = self.request(method, target, data, note)
        raise FlowError(f"more than {MAX_HOPS} redirects:\n{self.trace.render()}")

    def submit(self, page: Page, form: lxml.html.FormElement, overrides: dict[str, str] | None = None) -> Page:
        """Submit ``form`` of ``page`` with its current values and ``overrides``, following redirects."""
        values = form_values(form) | (overrides or {})
        action = urljoin(page.url, form.get("action") or page.url)
        method = (form.get("method") or "GET").upper()
        if method == "GET":
            from urllib.parse import urlencode

            sep = "&" if "?" in action else "?"
            return self.navigate("GET", f"{action}{sep}{urlencode(values)}")
        return self.navigate("POST", action, values)

    def get(self, url: str) -> Page:
        return self.navigate("GET", url)
