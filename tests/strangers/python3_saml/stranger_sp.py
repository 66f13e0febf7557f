"""A "stranger" SAML SP on python3-saml (not JustCall's stack), to prove the harness's external-target mechanism.

Test support code, not product. It imports nothing from ``justcall_sp`` or ``mock_idp``: it knows the IdP only
through its metadata (a file the harness writes, or the harness's metadata URL), exactly as a third-party SP would.

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

Run: ``python tests/strangers/python3_saml --port 8000 (--idp-metadata idp.xml | --idp-metadata-url URL)
[--allow-unsolicited] [--weaken nameid-first-text|keyinfo-cert|any-signature]``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xmlsec
from flask import Flask, Response, redirect, request
from flask.typing import ResponseReturnValue
from lxml import etree
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

KIT_DIR = str(Path(__file__).resolve().parents[1])
"""``tests/strangers``: the strangers are script directories, not packages, so the shared kit is found by path."""
if KIT_DIR not in sys.path:
    sys.path.insert(0, KIT_DIR)

from stranger_kit import (  # noqa: E402  (needs the path above)
    EMAIL_ATTRIBUTE,
    REQUEST_LIFETIME,
    SESSION_COOKIE,
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

__all__ = ["REQUEST_LIFETIME", "SESSION_COOKIE", "Refused", "StrangerSp", "create_app", "local_path", "main"]

log = logging.getLogger("stranger_sp")

BINDING_POST = OneLogin_Saml2_Constants.BINDING_HTTP_POST
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
CLOCK_DRIFT = float(OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT)
"""python3-saml's tolerance on Conditions times; a replay-cache entry must outlive it."""

NS = {
    "samlp": OneLogin_Saml2_Constants.NS_SAMLP,
    "saml": OneLogin_Saml2_Constants.NS_SAML,
    "ds": OneLogin_Saml2_Constants.NS_DS,
}
_BEARER_IRT = "saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData/@InResponseTo"


@dataclass(kw_only=True)
class StrangerSp(Ledger):
    """The SP's configuration; its state (pending requests, used assertion IDs) is the ``Ledger``'s."""

    idp_metadata: Path | str
    """A metadata file, or the IdP's metadata URL; read again on every login (the IdP may have rotated its key)."""
    base_url: str
    """``http://host:port`` without a trailing slash; settable once the port is bound."""
    allow_unsolicited: bool = False
    strict: bool = True
    weaken: frozenset[str] = frozenset()
    """Deliberate weaknesses (``stranger_kit.WEAKNESSES``), for tests of the suites only."""

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
        """Return full settings, re-reading the IdP metadata (the harness may have rotated the key)."""
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            read_metadata(self.idp_metadata), required_sso_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT
        )
        idp = parsed.get("idp") or {}
        if not idp.get("entityId") or not idp.get("singleSignOnService", {}).get("url"):
            raise ValueError(f"{self.idp_metadata} has no IdP entityID or HTTP-Redirect SingleSignOnService")
        if not idp.get("x509cert") and not idp.get("x509certMulti"):
            raise ValueError(f"{self.idp_metadata} has no signing certificate")
        # Only the IdP part: the metadata's NameIDFormat list must not override this SP's own choice.
        return {**self.sp_settings(), "idp": idp}


def request_data() -> dict[str, Any]:
    """Describe the current Flask request the way python3-saml expects (host includes the port)."""
    return {
        "https": "on" if request.scheme == "https" else "off",
        "http_host": request.host,
        "script_name": request.path,
        "get_data": request.args.to_dict(),
        "post_data": request.form.to_dict(),
    }


def decode_posted_response() -> etree._Element:
    """Return the posted SAMLResponse parsed, refusing missing, non-base64 or non-XML input (400)."""
    xml = posted_saml_response()
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


def trust_keyinfo_certificate(settings: dict[str, Any], root: etree._Element) -> dict[str, Any]:
    """WEAKENED (``keyinfo-cert``): verify with the first certificate the response itself carries."""
    found = root.xpath("//ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate/text()", namespaces=NS)
    if not isinstance(found, list) or not found:
        return settings
    idp = {k: v for k, v in settings["idp"].items() if k != "x509certMulti"}
    return settings | {"idp": idp | {"x509cert": "".join(str(found[0]).split())}}


def first_text_identity(xml: bytes) -> str | None:
    """WEAKENED (``nameid-first-text``): the email value's, else the NameID's, first text node only.

    python3-saml's own parser drops comments, so the weakness parses again, keeping them, as naive code does.
    """
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    for path in (
        f"saml:Assertion/saml:AttributeStatement/saml:Attribute[@Name='{EMAIL_ATTRIBUTE}']/saml:AttributeValue",
        "saml:Assertion/saml:Subject/saml:NameID",
    ):
        found = root.xpath(path, namespaces=NS)
        if isinstance(found, list) and found and isinstance(found[0], etree._Element) and found[0].text:
            return str(found[0].text)
    return None


def any_signature_identity(xml: bytes, settings: dict[str, Any]) -> tuple[str, str]:
    """WEAKENED (``any-signature``): one signature that verifies anywhere vouches for the first assertion.

    What signature-wrapping exploits: the signed element and the element read are not the same. Returns the first
    Assertion's ID and identity (email value, else NameID); python3-saml's own checks are skipped altogether.
    """
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    idp = settings["idp"]
    certificate = idp.get("x509cert") or idp["x509certMulti"]["signing"][0]
    xmlsec.tree.add_ids(root, ["ID"])  # lets a Reference "#id" find its element, as python3-saml's own call does
    signatures = root.xpath("//ds:Signature", namespaces=NS)
    if not isinstance(signatures, list) or not any(
        OneLogin_Saml2_Utils.validate_node_sign(signature, root, OneLogin_Saml2_Utils.format_cert(certificate))
        for signature in signatures
    ):
        raise Refused(403, "no signature in the response verifies with the IdP's certificate")
    assertions = root.xpath("//saml:Assertion", namespaces=NS)
    if not isinstance(assertions, list) or not assertions or not isinstance(assertions[0], etree._Element):
        raise Refused(403, "the response carries no assertion")
    first = assertions[0]
    for path in (
        f"saml:AttributeStatement/saml:Attribute[@Name='{EMAIL_ATTRIBUTE}']/saml:AttributeValue/text()",
        "saml:Subject/saml:NameID/text()",
    ):
        values = first.xpath(path, namespaces=NS)
        if isinstance(values, list) and values:
            return str(first.get("ID") or ""), str(values[0]).strip()
    raise Refused(403, "the first assertion names nobody")


def create_app(
    idp_metadata: Path | str,
    *,
    base_url: str = "http://127.0.0.1",
    allow_unsolicited: bool = False,
    strict: bool = True,
    secret_key: str | None = None,
    weaken: frozenset[str] = frozenset(),
) -> Flask:
    """Create the stranger SP; ``app.extensions["stranger_sp"]`` is its state (set ``base_url`` after binding)."""
    app = create_web_app("Stranger SP", secret_key)
    sp = StrangerSp(
        idp_metadata=idp_metadata,
        base_url=base_url.rstrip("/"),
        allow_unsolicited=allow_unsolicited,
        strict=strict,
        weaken=weaken,
    )
    app.extensions["stranger_sp"] = sp

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
        if not request.args.get("email", "").strip():
            return email_form(next_path)
        try:
            auth = OneLogin_Saml2_Auth(request_data(), sp.settings())
        except Exception as exc:
            return metadata_unusable(exc)
        location = auth.login(return_to=next_path)
        sp.remember_request(auth.get_last_request_id())
        return redirect(location, code=302)

    @app.post("/acs")
    def acs() -> ResponseReturnValue:
        """Validate the posted Response with python3-saml plus this SP's request, unsolicited and replay policies."""
        return refusals_as_pages(_consume)

    def _consume() -> ResponseReturnValue:
        root = decode_posted_response()
        request_id = claimed_request_id(root)
        sp.admit(request_id, sp.allow_unsolicited)
        try:
            settings = sp.settings()
        except Exception as exc:
            return metadata_unusable(exc)
        if "keyinfo-cert" in sp.weaken:
            settings = trust_keyinfo_certificate(settings, root)
        if "any-signature" in sp.weaken:
            xml = posted_saml_response()
            assertion_id, email = any_signature_identity(xml, settings)
            # Keyed on the whole response too: attack tools reuse one forged assertion ID in every response.
            sp.accept(f"{assertion_id} {hashlib.sha256(xml).hexdigest()}", math.inf, request_id)
            log.info("signed in %s WITHOUT python3-saml's checks (any-signature)", email)
            return sign_in(email, email, {EMAIL_ATTRIBUTE: [email]}, request.form.get("RelayState"))
        auth = OneLogin_Saml2_Auth(request_data(), settings)
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
        if "nameid-first-text" in sp.weaken:
            email = first_text_identity(posted_saml_response()) or email
        if not email:
            raise Refused(403, "the assertion carries neither an email attribute nor a NameID")
        log.info("signed in %s (assertion %s, request %s)", email, assertion_id, request_id)
        return sign_in(email, auth.get_nameid(), attributes, request.form.get("RelayState"))

    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line the harness's target mechanism uses; unusable metadata is a usage error."""
    parser = argparse.ArgumentParser(prog="python tests/strangers/python3_saml", description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction, default=True, help="python3-saml strict")
    args = parser.parse_args(argv)
    args.weaknesses = weaknesses(parser, args)
    source = metadata_source(args)
    try:
        StrangerSp(idp_metadata=source, base_url="http://127.0.0.1").settings()
    except Exception as exc:
        flag = "--idp-metadata-url" if args.idp_metadata_url else "--idp-metadata"
        parser.error(f"{flag} {source}: {exc}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT, printing ``ready http://host:port`` once listening."""
    args = parse_args(argv)
    app = create_app(
        metadata_source(args), allow_unsolicited=args.allow_unsolicited, strict=args.strict, weaken=args.weaknesses
    )
    sp: StrangerSp = app.extensions["stranger_sp"]

    def bound(base_url: str) -> None:
        sp.base_url = base_url

    return serve(app, args.host, args.port, bound)


if __name__ == "__main__":
    sys.exit(main())
