"""The HTTP surface and state every Python stranger SP shares, so each SP module holds only its library's calls.

Test support code, not product, and free of the harness's packages: a stranger knows the IdP only through its
metadata (a file the harness writes, or the harness's metadata URL fetched at each login so a key rotation takes
effect), exactly as a third-party SP would. Used by ``python3_saml/`` and ``pysaml2/`` (each runs in its own
virtual environment, so this module needs only Flask and the standard library).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import html
import logging
import os
import signal
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, redirect, request, session
from flask.typing import ResponseReturnValue
from werkzeug.serving import make_server

SESSION_COOKIE = "stranger_session"
EMAIL_ATTRIBUTE = "email"
REQUEST_LIFETIME = 600.0
"""Seconds an AuthnRequest stays answerable: time for a person to sign in at the IdP, short enough to age out."""
MAX_PENDING = 10_000
"""Outstanding AuthnRequests kept (oldest dropped first), so abandoned logins cannot grow memory forever."""
METADATA_TIMEOUT_S = 10.0

WEAKNESSES = ("nameid-first-text", "keyinfo-cert", "any-signature")
"""Test switches that make a stranger deliberately unsafe, to prove the suites call an impersonation one:
``nameid-first-text`` reads only the first text node of the NameID and email value (a comment truncates it);
``keyinfo-cert`` verifies with whatever certificate the response's KeyInfo carries; ``any-signature`` accepts a
response when any signature in it verifies and reads the first assertion (open to signature wrapping)."""
WEAKEN_ENV = "STRANGER_WEAKEN"


class Refused(Exception):
    """The ACS refuses the post; ``status`` is 400 for malformed input, 403 for an invalid response."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def read_metadata(source: Path | str) -> bytes:
    """Return the IdP metadata from a file or an http(s) URL (fetched afresh: the IdP may have rotated its key)."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        with urllib.request.urlopen(text, timeout=METADATA_TIMEOUT_S) as answer:
            return bytes(answer.read())
    return Path(source).read_bytes()


@dataclass
class PendingRequest:
    """An AuthnRequest this SP sent and whether a response has already answered it."""

    expires_at: float
    answered: bool = False


@dataclass
class Ledger:
    """The SP's only server-side state: AuthnRequests it issued and assertion IDs it accepted (the replay cache)."""

    clock: Callable[[], float] = time.time
    _pending: dict[str, PendingRequest] = field(default_factory=dict)
    _used_assertions: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()
            self._used_assertions.clear()

    def remember_request(self, request_id: str) -> None:
        """Record an issued AuthnRequest so its response can be recognised."""
        now = self.clock()
        with self._lock:
            for stale in [k for k, v in self._pending.items() if v.expires_at < now]:
                del self._pending[stale]
            while len(self._pending) >= MAX_PENDING:
                del self._pending[next(iter(self._pending))]
            self._pending[request_id] = PendingRequest(now + REQUEST_LIFETIME)

    def check_request(self, request_id: str) -> None:
        """Refuse an InResponseTo that names no live AuthnRequest of ours (before spending a signature check)."""
        with self._lock:
            pending = self._pending.get(request_id)
        if pending is None:
            raise Refused(403, f"InResponseTo {request_id!r} is not an AuthnRequest this SP issued")
        if pending.expires_at < self.clock():
            raise Refused(403, f"AuthnRequest {request_id!r} has expired; start the sign-in again")

    def admit(self, request_id: str | None, allow_unsolicited: bool) -> None:
        """Apply the SP's request policy: a claimed request must be live; no claim needs IdP-initiated SSO allowed."""
        if request_id is not None:
            self.check_request(request_id)
        elif not allow_unsolicited:
            raise Refused(403, "unsolicited response (no InResponseTo); this SP does not allow IdP-initiated SSO")

    def accept(self, assertion_id: str, keep_until: float, request_id: str | None) -> None:
        """Atomically record the assertion as used and the request as answered, or refuse a second use."""
        now = self.clock()
        with self._lock:
            for stale in [k for k, until in self._used_assertions.items() if until < now]:
                del self._used_assertions[stale]
            if assertion_id in self._used_assertions:
                raise Refused(403, f"assertion {assertion_id!r} was already used (replay)")
            pending = None if request_id is None else self._pending.get(request_id)
            if request_id is not None and (pending is None or pending.answered):
                raise Refused(403, f"AuthnRequest {request_id!r} was already answered")
            self._used_assertions[assertion_id] = keep_until
            if pending is not None:
                pending.answered = True


def local_path(value: str | None) -> str:
    """Return ``value`` if it is a path on this site, else ``/`` (no open redirect via RelayState or next)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


def error_page(status: int, detail: str) -> Response:
    """Render the failure markup the harness reads (``sso-error`` and ``sso-error-detail``)."""
    body = (
        "<!doctype html><html><head><title>SSO failed</title></head><body>"
        '<h1 id="sso-error">SSO failed</h1>'
        f'<p id="sso-error-detail">{html.escape(detail)}</p>'
        '<p><a href="/">Home</a></p></body></html>'
    )
    return Response(body, status=status, mimetype="text/html")


def metadata_unusable(exc: Exception) -> Response:
    """Answer 503 when the IdP metadata cannot be read or parsed (the library's own message in the detail)."""
    logging.getLogger("stranger_sp").exception("cannot load the IdP metadata")
    return error_page(503, f"IdP metadata unusable: {exc}")


def refusals_as_pages(consume: Callable[[], ResponseReturnValue]) -> ResponseReturnValue:
    """Run the ACS body; a ``Refused`` becomes the error page the harness reads, with its status."""
    try:
        return consume()
    except Refused as refused:
        logging.getLogger("stranger_sp").warning("ACS refused (%s): %s", refused.status, refused.detail)
        return error_page(refused.status, refused.detail)


def posted_saml_response() -> bytes:
    """Return the posted SAMLResponse decoded, refusing a missing, repeated or non-base64 field (400)."""
    values = request.form.getlist("SAMLResponse")
    if not values or not values[0].strip():
        raise Refused(400, "no SAMLResponse in the POST body")
    if len(values) > 1:
        raise Refused(400, f"{len(values)} SAMLResponse fields; exactly one is expected")
    try:
        return base64.b64decode("".join(values[0].split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Refused(400, f"SAMLResponse is not valid base64: {exc}") from exc


def email_form(next_path: str) -> Response:
    """The "Sign in with SSO" page: a company-email form that comes back to ``/login``."""
    return Response(
        "<!doctype html><html><head><title>Sign in with SSO</title></head><body>"
        '<form method="get" action="/login"><label>Company email <input name="email" type="email"></label>'
        f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
        '<button type="submit">Continue</button></form></body></html>',
        mimetype="text/html",
    )


def sign_in(email: str, name_id: str | None, attributes: dict[str, list[str]], relay_state: str | None) -> Response:
    """Start the local session for ``email`` and land on the RelayState path (this site only)."""
    session.clear()
    session.update(email=email, name_id=name_id, attributes=attributes)
    return redirect(local_path(relay_state), code=303)


def create_web_app(title: str, secret_key: str | None = None) -> Flask:
    """A Flask app with the surface every stranger shares: health, who-am-I JSON, logout and a home page."""
    import secrets

    app = Flask(title)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_hex(32),
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=512 * 1024,
    )

    @app.get("/health")
    def health() -> ResponseReturnValue:
        """Answer liveness probes (the harness waits for this)."""
        return Response("ok", mimetype="text/plain")

    @app.get("/whoami")
    def whoami() -> ResponseReturnValue:
        """Tell the harness who is signed in (JSON), or 401."""
        if "email" not in session:
            return jsonify(error="not signed in"), 401
        return jsonify(email=session["email"], attributes=session.get("attributes", {}))

    @app.post("/logout")
    def logout() -> ResponseReturnValue:
        """End the local session (no SAML single logout)."""
        session.clear()
        return redirect("/", code=303)

    @app.get("/")
    def home() -> ResponseReturnValue:
        """Show who is signed in, or a link to sign in."""
        if "email" in session:
            who = f'<p>Signed in as <span id="signed-in-as">{html.escape(session["email"])}</span></p>'
            action = '<form method="post" action="/logout"><button type="submit">Sign out</button></form>'
        else:
            who, action = "<p>Not signed in.</p>", '<p><a href="/login">Sign in with SSO</a></p>'
        return Response(
            f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>{who}{action}</body></html>",
            mimetype="text/html",
        )

    return app


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """The command line every Python stranger takes (the target files' ``[launch]`` commands use it)."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on the ready line)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--idp-metadata", type=Path, help="IdP metadata XML file, re-read on every login")
    source.add_argument("--idp-metadata-url", help="IdP metadata URL, fetched on every login (key rotation works)")
    parser.add_argument("--allow-unsolicited", action="store_true", help="accept IdP-initiated responses")
    parser.add_argument(
        "--weaken",
        action="append",
        choices=WEAKNESSES,
        default=[],
        help=f"TEST ONLY: make the SP deliberately unsafe (also ${WEAKEN_ENV}, comma-separated)",
    )


def metadata_source(args: argparse.Namespace) -> Path | str:
    return str(args.idp_metadata_url) if args.idp_metadata_url else Path(args.idp_metadata)


def weaknesses(parser: argparse.ArgumentParser, args: argparse.Namespace) -> frozenset[str]:
    """The ``--weaken`` switches plus ``$STRANGER_WEAKEN``; an unknown name in the variable is a usage error."""
    from_env = {w.strip() for w in os.environ.get(WEAKEN_ENV, "").split(",") if w.strip()}
    unknown = from_env - set(WEAKNESSES)
    if unknown:
        parser.error(f"${WEAKEN_ENV}: unknown weakness {sorted(unknown)}; known: {list(WEAKNESSES)}")
    return frozenset(args.weaken) | from_env


def serve(app: Flask, host: str, port: int, on_bound: Callable[[str], Any]) -> int:
    """Serve until SIGTERM/SIGINT, printing ``ready http://host:port`` once listening."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    server = make_server(host, port, app, threaded=True)
    base_url = f"http://{host}:{server.server_port}"
    on_bound(base_url)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"ready {base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
