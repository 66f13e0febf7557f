"""Act as an attacker at HTTP level: capture a genuine SAMLResponse without delivering it, post forged ones.

An attacker with an ordinary account signs in at the IdP and stops at the auto-POST page, keeping the
signed response; the suites then post rewritten copies to the ACS from a fresh device and ask the SP who
is signed in. A loopback canary server proves that no hostile input made a server fetch a URL.
"""

from __future__ import annotations

import base64
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

from saml_harness.agent.flows import IDP_INITIATED, Credentials, IdpSide, Target
from saml_harness.agent.user_agent import FlowError, Page, UserAgent


@dataclass(frozen=True)
class Captured:
    """A genuine response the IdP meant for the ACS, taken off the auto-POST page."""

    acs_url: str
    saml_response: str
    """The base64 form value, as the IdP wrote it."""
    relay_state: str

    @property
    def xml(self) -> bytes:
        """Return the decoded response (the bytes the IdP signed)."""
        return base64.b64decode(self.saml_response)


def capture(
    ua: UserAgent, target: Target, idp: IdpSide, credentials: Credentials, flow: str = IDP_INITIATED
) -> Captured:
    """Run ``flow`` up to the auto-POST page and return its SAMLResponse without posting it.

    ``ua`` keeps its IdP session, so later captures for the same person cost one request.
    """
    if flow == IDP_INITIATED:
        if idp.embed_link is None:
            raise FlowError("the IdP side has no app link to start IdP-initiated SSO")
        page = ua.get(idp.embed_link)
    else:
        start = ua.get(target.sso_start_url)
        form = start.form_with(target.email_field)
        if form is None:
            raise FlowError(f"no company-email form at {target.sso_start_url}")
        page = ua.submit(start, form, {target.email_field: credentials.username})
    for _ in range(5):
        post = page.form_with("SAMLResponse")
        if post is not None:
            values = {i.get("name"): i.get("value") or "" for i in post.inputs if i.get("name")}
            return Captured(str(post.get("action")), str(values["SAMLResponse"]), str(values.get("RelayState", "")))
        sign_in = page.form_with("username", "password")
        if sign_in is None:
            break
        page = ua.submit(page, sign_in, {"username": credentials.username, "password": credentials.password})
    raise FlowError(f"the IdP showed no auto-POST form:\n{ua.trace.render()}")


def encode(xml: bytes) -> str:
    """Base64 for the HTTP-POST binding."""
    return base64.b64encode(xml).decode("ascii")


def deflate_encode(xml: bytes) -> str:
    """Raw DEFLATE then base64, as the HTTP-Redirect binding carries a message."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return base64.b64encode(deflater.compress(xml) + deflater.flush()).decode("ascii")


@dataclass
class Delivery:
    """What the SP answered to one forged delivery, and what its who-am-I then says (None: nobody)."""

    status: int
    location: str | None
    text: str
    me: dict[str, Any] | None
    ua: UserAgent
    me_status: int = 0

    @property
    def signed_in_as(self) -> str | None:
        """Return the email the SP says is signed in, if anyone."""
        return None if self.me is None else str(self.me.get("email"))


def who_am_i(ua: UserAgent, target: Target) -> tuple[int, dict[str, Any] | None]:
    """Ask the SP's who-am-I endpoint: (HTTP status, its JSON when someone is signed in)."""
    if target.me_url is None:
        return 0, None
    answer = ua.request("GET", target.me_url, note="who am I")
    if answer.status != 200:
        return answer.status, None
    body = answer.json()
    if not isinstance(body, dict) or not body.get(target.me_json_key):
        return answer.status, None
    # The target's own key (``[identity] json_key``) is read as "email", the name every check uses.
    return answer.status, body | {"email": body[target.me_json_key]}


def post_to_acs(target: Target, fields: dict[str, str], query: str = "", ua: UserAgent | None = None) -> Delivery:
    """POST ``fields`` to the ACS (plus an optional query string) from a fresh device; do not follow redirects."""
    ua = ua or UserAgent()
    url = target.acs_url + (f"?{query}" if query else "")
    page = ua.request("POST", url, fields)
    return _delivery(ua, target, page)


def get_acs(target: Target, params: dict[str, str], ua: UserAgent | None = None) -> Delivery:
    """GET the ACS with query ``params`` (a response sent by GET or over HTTP-Redirect)."""
    ua = ua or UserAgent()
    page = ua.request("GET", f"{target.acs_url}?{urlencode(params)}")
    return _delivery(ua, target, page)


def _delivery(ua: UserAgent, target: Target, page: Page) -> Delivery:
    status, me = who_am_i(ua, target)
    return Delivery(page.status, page.headers.get("Location"), page.text, me, ua, status)


@dataclass
class CanaryServer:
    """A loopback HTTP server that records every request: hostile input must never make anyone call it."""

    hits: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> CanaryServer:
        """Listen on a free loopback port in a daemon thread."""
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(f"GET {self.path}")
                body = b'<!ENTITY canary "canary">'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="canary", daemon=True)
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:<port>``."""
        assert self._server is not None, "start() the canary first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, name: str) -> str:
        """Return a URL naming the probe, so a hit says which input fetched it."""
        return f"{self.base_url}/{name}"

    def stop(self) -> None:
        """Shut the server down and join its thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> CanaryServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
