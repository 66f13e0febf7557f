"""A deliberately gullible SP: it signs in whatever NameID it reads, verifies nothing, and resolves entities.

Why: the security suites' external oracle (who-am-I and the loopback canary) must be able to fail; run
against this SP, the tests judged from outside must report it.
Run: ``python tests/harness/gullible_sp.py PORT``.
"""

from __future__ import annotations

import base64
import binascii
import sys
import urllib.request

from flask import Flask, jsonify, request, session
from flask.typing import ResponseReturnValue
from lxml import etree
from werkzeug.serving import run_simple

ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"


class FetchOverHttp(etree.Resolver):
    """Fetch external entities and DTDs over HTTP (recent libxml2 no longer does it itself): the XXE to catch."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url.startswith("http://"):
            with urllib.request.urlopen(system_url, timeout=5) as answer:
                return self.resolve_string(answer.read(), context)
        return None


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "gullible-test-sp"  # a throwaway test SP: its sessions guard nothing
    app.config["SESSION_COOKIE_NAME"] = "gullible_session"

    @app.get("/login")
    def login() -> ResponseReturnValue:
        return '<form method="post"><input name="email"></form>'

    @app.post("/acs")
    def acs() -> ResponseReturnValue:
        try:
            xml = base64.b64decode(request.form.get("SAMLResponse", ""))
            # Gullible on purpose: a DTD is loaded and external entities are fetched.
            parser = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=False, huge_tree=True)
            parser.resolvers.add(FetchOverHttp())
            root = etree.fromstring(xml, parser)
        except (binascii.Error, ValueError, etree.XMLSyntaxError):
            return "bad response", 400
        name_id = root.find(f".//{{{ASSERTION}}}NameID")
        if name_id is None or not name_id.text:
            return "no NameID", 403
        session["email"] = name_id.text.strip()
        return "", 303, {"Location": "/"}

    @app.get("/me")
    def me() -> ResponseReturnValue:
        if "email" not in session:
            return jsonify(error="not signed in"), 401
        return jsonify(email=session["email"])

    return app


if __name__ == "__main__":
    run_simple("127.0.0.1", int(sys.argv[1]), create_app(), threaded=True)
