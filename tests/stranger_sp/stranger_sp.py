"""A "stranger" SAML SP on python3-saml (not JustCall's stack), to prove the harness's external-target mechanism.

Test support code, not product. It imports nothing from ``justcall_sp`` or ``mock_idp``: it knows the IdP only
through the metadata file the harness writes, exactly as a third-party SP would.

Policies python3-saml leaves to the application, implemented here:

* **Solicited responses** (InResponseTo present on the Response or, failing that, on a bearer
  SubjectConfirmationData) must answer an AuthnRequest this process issued in the last
  ``REQUEST_LIFETIME``; each request is answered at most once. python3-saml only compares InResponseTo with
  the ``request_id`` it is given.
* **Unsolicited responses** (no InResponseTo anywhere) are refused unless ``allow_unsolicited``: python3-saml
  accepts them whenever ``request_id`` is None.
* **Replay cache**: python3-saml keeps no state, so the same valid response is accepted again and again. Each
  accepted assertion ID is kept until the assertion could no longer pass python3-saml's time checks; a second
  use is refused.

Run: ``python tests/stranger_sp --host 127.0.0.1 --port 8000 --idp-metadata idp.xml [--allow-unsolicited]``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import html
import logging
import math
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, redirect, request, session
from flask.typing import ResponseReturnValue
from lxml import etree
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML
from werkzeug.serving import make_server

log = logging.getLogger("stranger_sp")

BINDING_POST = OneLogin_Saml2_Constants.BINDING_HTTP_POST
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
SESSION_COOKIE = "stranger_session"
EMAIL_ATTRIBUTE = "email"

REQUEST_LIFETIME = 600.0
"""Seconds an AuthnRequest stays answerable: time for a person to sign in at the IdP, short enough to age out."""
MAX_PENDING = 10_000
"""Outstanding AuthnRequests kept (oldest dropped first), so abandoned logins cannot grow memory forever."""
CLOCK_DRIFT = float(OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT)
"""python3-saml's tolerance on Conditions times; a replay-cache entry must outlive it."""

NS = {"samlp": OneLogin_Saml2_Constants.NS_SAMLP, "saml": OneLogin_Saml2_Constants.NS_SAML}
_BEARER_IRT = "saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData/@InResponseTo"


class Refused(Exception):
    """The ACS refuses the post; ``status`` is 400 for malformed input, 403 for an invalid response."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class PendingRequest:
    """An AuthnRequest this SP sent and whether a response has already answered it."""

    expires_at: float
    answered: bool = False


@dataclass
class StrangerSp:
    """The SP's configuration and its only server-side state (pending requests, used assertion IDs)."""

    idp_metadata: Path
    base_url: str
    """``http://host:port`` without a trailing slash; settable once the port is bound."""
    allow_unsolicited: bool = False
    strict: bool = True
    clock: Callable[[], float] = time.time
    _pending: dict[str, PendingRequest] = field(default_factory=dict)
    _used_assertions: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def entity_id(self) -> str:
        return f"{self.base_url}/metadata"

    @property
    def acs_url(self) -> str:
        return f"{self.base_url}/acs"

    def sp_settings(self) -> dict[str, Any]:
        """Return python3-saml settings without the IdP part (enough for SP metadata)."""
        return {
            "strict": self.strict,
            "debug": False,
            "sp": {
                "entityId": self.entity_id,
                "assertionConsumerService": {"url": self.acs_url, "binding": BINDING_POST},
                "NameIDFormat": NAMEID_EMAIL,
                "x509cert": "",
                "privateKey": "",
            },
            "security": {
                "authnRequestsSigned": False,
                "wantAssertionsSigned": True,
                "wantMessagesSigned": False,
                "wantNameId": True,
                "requestedAuthnContext": False,
                "rejectDeprecatedAlgorithm": True,
            },
        }

    def settings(self) -> dict[str, Any]:
        """Return full settings, re-reading the IdP metadata file (the harness may have rotated the key)."""
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            self.idp_metadata.read_bytes(), required_sso_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT
        )
        idp = parsed.get("idp") or {}
        if not idp.get("entityId") or not idp.get("singleSignOnService", {}).get("url"):
            raise ValueError(f"{self.idp_metadata} has no IdP entityID or HTTP-Redirect SingleSignOnService")
        if not idp.get("x509cert") and not idp.get("x509certMulti"):
            raise ValueError(f"{self.idp_metadata} has no signing certificate")
        # Only the IdP part: the metadata's NameIDFormat list must not override this SP's own choice.
        return {**self.sp_settings(), "idp": idp}

    def reset(self) -> None:
        """Forget pending requests and used assertions (tests start each case clean)."""
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


def request_data() -> dict[str, Any]:
    """Describe the current Flask request the way python3-saml expects (host includes the port)."""
    return {
        "https": "on" if request.scheme == "https" else "off",
        "http_host": request.host,
        "script_name": request.path,
        "get_data": request.args.to_dict(),
        "post_data": request.form.to_dict(),
    }


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


def decode_posted_response() -> etree._Element:
    """Return the posted SAMLResponse parsed, refusing missing, non-base64 or non-XML input (400)."""
    values = request.form.getlist("SAMLResponse")
    if not values or not values[0].strip():
        raise Refused(400, "no SAMLResponse in the POST body")
    if len(values) > 1:
        raise Refused(400, f"{len(values)} SAMLResponse fields; exactly one is expected")
    posted = values[0]
    try:
        xml = base64.b64decode("".join(posted.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Refused(400, f"SAMLResponse is not valid base64: {exc}") from exc
    try:
        # python3-saml's own hardened parser (no DTD, no entities): the tree python3-saml will see.
        root = OneLogin_Saml2_XML.to_etree(xml)
    except etree.XMLSyntaxError as exc:
        raise Refused(400, f"SAMLResponse is not well-formed XML: {exc}") from exc
    except ValueError as exc:  # python3-saml's DTDForbidden / EntitiesForbidden
        raise Refused(400, f"SAMLResponse declares a DTD or entities, which are refused: {exc!r}") from exc
    return root


def claimed_request_id(root: etree._Element) -> str | None:
    """Return the InResponseTo the response claims: the Response's, else a bearer confirmation's."""
    value = root.get("InResponseTo")
    if value:
        return value
    found = root.xpath(f"saml:Assertion/{_BEARER_IRT}", namespaces=NS)
    return str(found[0]) if isinstance(found, list) and found else None


def replay_deadline(root: etree._Element, assertion_id: str, scd_not_on_or_after: int | None) -> float:
    """Return until when the assertion could still pass python3-saml: the later NotOnOrAfter plus its drift.

    With no NotOnOrAfter at all python3-saml accepts the assertion forever, so it is kept forever.
    """
    times: list[float] = [] if scd_not_on_or_after is None else [float(scd_not_on_or_after)]
    found = root.xpath("saml:Assertion[@ID=$aid]/saml:Conditions/@NotOnOrAfter", namespaces=NS, aid=assertion_id)
    if isinstance(found, list) and found:
        try:
            times.append(float(OneLogin_Saml2_Utils.parse_SAML_to_time(str(found[0]))))
        except ValueError:
            return math.inf
    return max(times) + CLOCK_DRIFT if times else math.inf


def create_app(
    idp_metadata: Path | str,
    *,
    base_url: str = "http://127.0.0.1",
    allow_unsolicited: bool = False,
    strict: bool = True,
    secret_key: str | None = None,
) -> Flask:
    """Create the stranger SP; ``app.extensions["stranger_sp"]`` is its state (set ``base_url`` after binding)."""

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_hex(32),
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=512 * 1024,
    )
    sp = StrangerSp(Path(idp_metadata), base_url.rstrip("/"), allow_unsolicited=allow_unsolicited, strict=strict)
    app.extensions["stranger_sp"] = sp

    @app.get("/health")
    def health() -> ResponseReturnValue:
        """Answer liveness probes (the harness waits for this)."""
        return Response("ok", mimetype="text/plain")

    @app.get("/metadata")
    def metadata() -> ResponseReturnValue:
        """Publish SP metadata so the harness can read the entity ID and ACS URL from it."""
        settings = OneLogin_Saml2_Settings(sp.sp_settings(), sp_validation_only=True)
        body = settings.get_sp_metadata()
        errors = settings.validate_metadata(body)
        if errors:
            log.error("SP metadata invalid: %s", errors)
            return Response(f"SP metadata invalid: {errors}", status=503, mimetype="text/plain")
        return Response(body, mimetype="application/samlmetadata+xml")

    @app.get("/login")
    def login() -> ResponseReturnValue:
        """Without ``email`` show the company-email form; with it, send an AuthnRequest over HTTP-Redirect."""
        next_path = local_path(request.args.get("next"))
        email = request.args.get("email", "").strip()
        if not email:
            return Response(
                "<!doctype html><html><head><title>Sign in with SSO</title></head><body>"
                '<form method="get" action="/login"><label>Company email <input name="email" type="email"></label>'
                f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
                '<button type="submit">Continue</button></form></body></html>',
                mimetype="text/html",
            )
        try:
            auth = OneLogin_Saml2_Auth(request_data(), sp.settings())
        except Exception as exc:
            log.exception("cannot load the IdP metadata")
            return error_page(503, f"IdP metadata unusable: {exc}")
        location = auth.login(return_to=next_path)
        sp.remember_request(auth.get_last_request_id())
        return redirect(location, code=302)

    @app.post("/acs")
    def acs() -> ResponseReturnValue:
        """Validate the posted Response with python3-saml plus this SP's request, unsolicited and replay policies."""
        try:
            return _consume()
        except Refused as refused:
            log.warning("ACS refused (%s): %s", refused.status, refused.detail)
            return error_page(refused.status, refused.detail)

    def _consume() -> ResponseReturnValue:
        root = decode_posted_response()
        request_id = claimed_request_id(root)
        if request_id is not None:
            sp.check_request(request_id)
        elif not sp.allow_unsolicited:
            raise Refused(403, "unsolicited response (no InResponseTo); this SP does not allow IdP-initiated SSO")
        try:
            auth = OneLogin_Saml2_Auth(request_data(), sp.settings())
        except Exception as exc:
            log.exception("cannot load the IdP metadata")
            return error_page(503, f"IdP metadata unusable: {exc}")
        try:
            auth.process_response(request_id=request_id)
        except Exception as exc:
            log.exception("python3-saml raised while processing the response")
            raise Refused(403, f"{type(exc).__name__}: {exc}") from exc
        if auth.get_errors() or not auth.is_authenticated():
            raise Refused(403, auth.get_last_error_reason() or ", ".join(auth.get_errors()) or "not authenticated")
        assertion_id = auth.get_last_assertion_id()
        if not assertion_id:
            raise Refused(403, "the accepted assertion has no ID; cannot protect against replay")
        keep_until = replay_deadline(root, assertion_id, auth.get_last_assertion_not_on_or_after())
        sp.accept(assertion_id, keep_until, request_id)
        attributes = {str(k): [str(v) for v in values] for k, values in auth.get_attributes().items()}
        emails = attributes.get(EMAIL_ATTRIBUTE) or []
        email = emails[0] if emails else auth.get_nameid()
        if not email:
            raise Refused(403, "the assertion carries neither an email attribute nor a NameID")
        session.clear()
        session.update(email=email, name_id=auth.get_nameid(), attributes=attributes)
        log.info("signed in %s (assertion %s, request %s)", email, assertion_id, request_id)
        return redirect(local_path(request.form.get("RelayState")), code=303)

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
            f"<!doctype html><html><head><title>Stranger SP</title></head><body><h1>Stranger SP</h1>{who}{action}"
            "</body></html>",
            mimetype="text/html",
        )

    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line the harness's target mechanism uses."""
    parser = argparse.ArgumentParser(prog="python tests/stranger_sp", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on the ready line)")
    parser.add_argument("--idp-metadata", type=Path, required=True, help="IdP metadata XML, re-read on every login")
    parser.add_argument("--allow-unsolicited", action="store_true", help="accept IdP-initiated responses")
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction, default=True, help="python3-saml strict")
    args = parser.parse_args(argv)
    try:
        StrangerSp(args.idp_metadata, "http://127.0.0.1").settings()
    except Exception as exc:
        parser.error(f"--idp-metadata {args.idp_metadata}: {exc}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT, printing ``ready http://host:port`` once listening."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app(args.idp_metadata, allow_unsolicited=args.allow_unsolicited, strict=args.strict)
    server = make_server(args.host, args.port, app, threaded=True)
    sp: StrangerSp = app.extensions["stranger_sp"]
    sp.base_url = f"http://{args.host}:{server.server_port}"

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"ready {sp.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
