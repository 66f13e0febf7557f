"""A stranger SAML SP on pysaml2 (IdentityPython; signatures by the ``xmlsec1`` program), as an external target.

Test support code, not product. It imports nothing of the harness: it knows the IdP only through its metadata
(a file, or the harness's metadata URL fetched at each login so a key rotation takes effect). pysaml2 pins
``xmlschema<3``, so this SP runs in its own environment (``requirements.txt``; the nox sessions build it).

Configured as a careful deployment would be: signed assertions required (``want_assertions_signed``), unsolicited
responses only with ``--allow-unsolicited`` (IdP-initiated SSO), a bounded clock skew (``accepted_time_diff``),
the email NameID format, unknown attributes kept (Okta sends plain names), and ``conv_info`` passed so that pysaml2
checks the bearer confirmation's Recipient (it skips that check without it). Policies pysaml2 leaves to the
application, implemented here: an InResponseTo must name an AuthnRequest this process issued and not yet
answered (pysaml2 accepts any InResponseTo once ``allow_unsolicited`` is on), and a replay cache of accepted
assertion IDs (pysaml2 keeps none).

Run: ``tests/strangers/pysaml2/.venv/bin/python tests/strangers/pysaml2 --port 8000
(--idp-metadata idp.xml | --idp-metadata-url URL) [--allow-unsolicited] [--accepted-time-diff 60]``.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeElementTree
from flask import Flask, Response, redirect, request
from flask.typing import ResponseReturnValue
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS
from saml2.sigver import get_xmlsec_binary

KIT_DIR = str(Path(__file__).resolve().parents[1])
"""``tests/strangers``: the strangers are script directories, not packages, so the shared kit is found by path."""
if KIT_DIR not in sys.path:
    sys.path.insert(0, KIT_DIR)

from stranger_kit import (  # noqa: E402  (needs the path above)
    EMAIL_ATTRIBUTE,
    Ledger,
    Refused,
    add_common_arguments,
    create_web_app,
    email_form,
    local_path,
    metadata_source,
    metadata_unusable,
    posted_saml_response,
    read_metadata,
    refusals_as_pages,
    serve,
    sign_in,
    weaknesses,
)

log = logging.getLogger("pysaml2_sp")

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
BEARER_IRT = f"{{{SAML}}}Assertion/{{{SAML}}}Subject/{{{SAML}}}SubjectConfirmation/{{{SAML}}}SubjectConfirmationData"


@dataclass(kw_only=True)
class Pysaml2Sp(Ledger):
    """The SP's configuration; its state (pending requests, used assertion IDs) is the ``Ledger``'s."""

    idp_metadata: Path | str
    base_url: str
    allow_unsolicited: bool = False
    accepted_time_diff: int = 60
    """Seconds of clock skew pysaml2 tolerates either way on every time check."""

    @property
    def entity_id(self) -> str:
        return f"{self.base_url}/metadata"

    @property
    def acs_url(self) -> str:
        return f"{self.base_url}/acs"

    def config(self, with_idp: bool = True) -> SPConfig:
        """Return pysaml2's configuration, with the IdP metadata read afresh (the IdP may have rotated its key)."""
        settings: dict[str, Any] = {
            "entityid": self.entity_id,
            "xmlsec_binary": get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
            "allow_unknown_attributes": True,
            "accepted_time_diff": self.accepted_time_diff,
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(self.acs_url, BINDING_HTTP_POST)]},
                    "allow_unsolicited": self.allow_unsolicited,
                    "authn_requests_signed": False,
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "want_assertions_or_response_signed": True,
                    "name_id_format": NAMEID_FORMAT_EMAILADDRESS,
                    "name_id_format_allow_create": False,
                }
            },
        }
        if with_idp:
            settings["metadata"] = {"inline": [read_metadata(self.idp_metadata).decode()]}
        config = SPConfig()
        config.load(settings)
        return config

    def client(self) -> Saml2Client:
        config = self.config()
        if not config.metadata.identity_providers():
            raise ValueError(f"{self.idp_metadata} describes no IdP")
        return Saml2Client(config=config)


def claimed_request_id(xml: bytes) -> str | None:
    """Return the InResponseTo the response claims (the Response's, else a bearer confirmation's), parsed safely."""
    try:
        root = SafeElementTree.fromstring(xml, forbid_dtd=True)
    except SafeElementTree.ParseError as exc:
        raise Refused(400, f"SAMLResponse is not well-formed XML: {exc}") from exc
    except ValueError as exc:  # defusedxml's DTDForbidden / EntitiesForbidden / ExternalReferenceForbidden
        raise Refused(400, f"SAMLResponse declares a DTD or entities, which are refused: {exc!r}") from exc
    if root.tag != f"{{{SAMLP}}}Response":
        raise Refused(400, f"SAMLResponse is a {root.tag}, not a samlp:Response")
    value = root.get("InResponseTo")
    if value:
        return str(value)
    confirmation = root.find(BEARER_IRT)
    found = None if confirmation is None else confirmation.get("InResponseTo")
    return str(found) if found else None


def create_app(
    idp_metadata: Path | str,
    *,
    base_url: str = "http://127.0.0.1",
    allow_unsolicited: bool = False,
    accepted_time_diff: int = 60,
    secret_key: str | None = None,
) -> Flask:
    """Create the pysaml2 SP; ``app.extensions["stranger_sp"]`` is its state (set ``base_url`` after binding)."""
    app = create_web_app("pysaml2 SP", secret_key)
    sp = Pysaml2Sp(
        idp_metadata=idp_metadata,
        base_url=base_url.rstrip("/"),
        allow_unsolicited=allow_unsolicited,
        accepted_time_diff=accepted_time_diff,
    )
    app.extensions["stranger_sp"] = sp

    @app.get("/metadata")
    def metadata() -> ResponseReturnValue:
        """Publish SP metadata so the harness can read the entity ID and ACS URL from it."""
        body = str(entity_descriptor(sp.config(with_idp=False)))
        return Response(body, mimetype="application/samlmetadata+xml")

    @app.get("/login")
    def login() -> ResponseReturnValue:
        """Without ``email`` show the company-email form; with it, send an AuthnRequest over HTTP-Redirect."""
        next_path = local_path(request.args.get("next"))
        if not request.args.get("email", "").strip():
            return email_form(next_path)
        try:
            client = sp.client()
        except Exception as exc:
            return metadata_unusable(exc)
        request_id, info = client.prepare_for_authenticate(relay_state=next_path, binding=BINDING_HTTP_REDIRECT)
        sp.remember_request(str(request_id))
        return redirect(dict(info["headers"])["Location"], code=302)

    @app.post("/acs")
    def acs() -> ResponseReturnValue:
        """Validate the posted Response with pysaml2 plus this SP's request and replay policies."""
        return refusals_as_pages(_consume)

    def _consume() -> ResponseReturnValue:
        xml = posted_saml_response()
        request_id = claimed_request_id(xml)
        sp.admit(request_id, sp.allow_unsolicited)
        try:
            client = sp.client()
        except Exception as exc:
            return metadata_unusable(exc)
        outstanding = {} if request_id is None else {request_id: "/"}
        try:
            # Without conv_info pysaml2 skips the Recipient check altogether (verify_recipient returns True).
            response = client.parse_authn_request_response(
                request.form["SAMLResponse"],
                BINDING_HTTP_POST,
                outstanding=outstanding,
                conv_info={"entity_id": sp.entity_id},
            )
        except Exception as exc:
            log.info("pysaml2 refused the response", exc_info=True)
            raise Refused(403, f"{type(exc).__name__}: {exc}") from exc
        if response is None or response.assertion is None:
            raise Refused(403, "pysaml2 returned no assertion")
        assertion_id = str(response.assertion.id or "")
        if not assertion_id:
            raise Refused(403, "the accepted assertion has no ID; cannot protect against replay")
        # pysaml2 checks every time against its accepted_time_diff; the entry must outlive that window.
        deadline = float(response.not_on_or_after or 0)
        keep_until = deadline + sp.accepted_time_diff if deadline else math.inf
        sp.accept(assertion_id, keep_until, request_id)
        attributes = {str(k): [str(v) for v in values] for k, values in (response.ava or {}).items()}
        name_id = None if response.name_id is None else str(response.name_id.text or "")
        emails = attributes.get(EMAIL_ATTRIBUTE) or []
        email = emails[0] if emails else name_id
        if not email:
            raise Refused(403, "the assertion carries neither an email attribute nor a NameID")
        log.info("signed in %s (assertion %s, request %s)", email, assertion_id, request_id)
        return sign_in(email, name_id, attributes, request.form.get("RelayState"))

    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line the harness's target mechanism uses; unusable metadata is a usage error."""
    parser = argparse.ArgumentParser(prog="python tests/strangers/pysaml2", description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--accepted-time-diff", type=int, default=60, help="clock skew in seconds (pysaml2)")
    args = parser.parse_args(argv)
    if args.weaken or weaknesses(parser, args):
        parser.error("--weaken is implemented by the python3-saml stranger only")
    source = metadata_source(args)
    try:
        Pysaml2Sp(idp_metadata=source, base_url="http://127.0.0.1").client()
    except Exception as exc:
        flag = "--idp-metadata-url" if args.idp_metadata_url else "--idp-metadata"
        parser.error(f"{flag} {source}: {exc}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT, printing ``ready http://host:port`` once listening."""
    args = parse_args(argv)
    app = create_app(
        metadata_source(args), allow_unsolicited=args.allow_unsolicited, accepted_time_diff=args.accepted_time_diff
    )
    sp: Pysaml2Sp = app.extensions["stranger_sp"]

    def bound(base_url: str) -> None:
        sp.base_url = base_url

    return serve(app, args.host, args.port, bound)


if __name__ == "__main__":
    sys.exit(main())
