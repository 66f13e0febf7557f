"""Decide what Okta does with a logout message and build Okta's signed answers (no Flask here).

SP-initiated (SAML Profiles 4.4.3.x): the app's signed LogoutRequest ends the Okta session of the person it
names, and Okta answers with a signed LogoutResponse to the app's Single Logout URL. Okta-initiated (4.4.3 with
Okta as the session authority): Okta sends a signed LogoutRequest to each app with Single Logout on that the
person used in the session, and waits for each LogoutResponse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mock_idp.model import SamlApp
from mock_idp.org import Org
from mock_idp.request_signature import (
    RequestSignatureError,
    load_signature_certificate,
    verify_post_signature,
    verify_redirect_signature,
)
from mock_idp.signing import sign_message
from mock_idp.slo import messages
from mock_idp.slo.messages import LogoutMessage, LogoutMessageError
from saml_xmlns import STATUS_REQUESTER, STATUS_SUCCESS

STATUS_UNKNOWN_PRINCIPAL = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal"


@dataclass(frozen=True)
class Answer:
    """Okta's LogoutResponse (POST form value) and whether the Okta session ends."""

    saml_response: str
    ends_session: bool
    status: str


@dataclass(frozen=True)
class SentRequest:
    """A LogoutRequest Okta sends to an app: its ID (the LogoutResponse must answer it) and POST form value."""

    id: str
    saml_request: str


def receive(org: Org, app: SamlApp, values: Mapping[str, str], redirect_binding: bool, raw_query: str) -> LogoutMessage:
    """Decode, verify and check one logout message posted or redirected to the app's SLO endpoint."""
    if not app.slo_enabled:
        raise LogoutMessageError(f"Single Logout is not enabled for {app.label}.")
    param = "SAMLRequest" if "SAMLRequest" in values else "SAMLResponse" if "SAMLResponse" in values else None
    if param is None:
        raise LogoutMessageError("The request carries no SAMLRequest or SAMLResponse.")
    xml = messages.decode(values[param], redirect_binding)
    message = messages.parse(xml)
    if (message.kind == "request") != (param == "SAMLRequest"):
        raise LogoutMessageError(f"A {message.kind} was sent as {param}.")
    try:
        certificate = load_signature_certificate(app.signature_certificate)
    except ValueError as exc:
        raise RequestSignatureError(f"{app.label} has no usable Signature Certificate.") from exc
    # SAMLBind 3.4.4.1 / 3.5.4, Profiles 4.4.4.1: logout messages must be signed; Okta checks them with the uploaded
    # Signature Certificate only (the foundation's checks, shared with Signed Requests). Over POST, the message is
    # read again from what the signature covers.
    if redirect_binding:
        verify_redirect_signature(raw_query.encode("latin-1"), certificate, param)
    else:
        message = messages.parse(verify_post_signature(xml, certificate))
    # SAMLCore 3.7.1/3.2.2: the Issuer names the requester, which must be the app's SP Issuer.
    if message.issuer != app.sp_issuer:
        raise LogoutMessageError(f"The logout message's Issuer {message.issuer!r} is not the app's SP Issuer.")
    # SAMLBind 3.4.5.2/3.5.5.2: a signed message's Destination must be where it was received.
    if message.destination is not None and message.destination != org.idp_slo_url(app):
        raise LogoutMessageError("The logout message's Destination is not this Single Logout endpoint.")
    return message


def answer_request(org: Org, app: SamlApp, request: LogoutMessage, signed_in_name_id: str | None) -> Answer:
    """Answer an app's LogoutRequest: end the session when it names the signed-in person (SAMLCore 3.7.3.2)."""
    if request.name_id is None:
        raise LogoutMessageError("The LogoutRequest has no NameID (SAML Core 3.7.1).")
    if signed_in_name_id is None:
        # Nobody is signed in to Okta here: there is no session left to end, so logout has succeeded.
        status, second, ends = STATUS_SUCCESS, None, False
    elif request.name_id.lower() == signed_in_name_id.lower():
        status, second, ends = STATUS_SUCCESS, None, True
    else:
        # SAMLCore 3.7.3.2: a principal the responder does not know in this session is not logged out.
        status, second, ends = STATUS_REQUESTER, STATUS_UNKNOWN_PRINCIPAL, False
    root = messages.logout_response(app.issuer, app.slo_url, request.id, org.clock(), status, second)
    sign_message(root, org.active_key(app.id).credential, app.signature_algorithm)
    return Answer(messages.post_value(root), ends, status)


def request_for(org: Org, app: SamlApp, name_id: str, session_index: str) -> SentRequest:
    """Return Okta's signed LogoutRequest for the person ``name_id`` of this app's session ``session_index``."""
    root = messages.logout_request(app.issuer, app.slo_url, name_id, session_index, org.clock(), app.name_id_format)
    sign_message(root, org.active_key(app.id).credential, app.signature_algorithm)
    return SentRequest(root.get("ID") or "", messages.post_value(root))
