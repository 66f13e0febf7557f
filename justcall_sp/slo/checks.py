"""Check what Okta sends to JustCall's Single Logout endpoint; each check under the clause it enforces.

Every refusal is a ``Reject`` with a reason code of ``acs/reasons.py``, logged like an ACS refusal.
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from lxml import etree

from justcall_sp.acs import signatures
from justcall_sp.acs.reasons import Reject
from justcall_sp.slo.messages import LogoutMessage
from justcall_sp.timeutil import parse_instant
from saml_xmlns import DS, STATUS_SUCCESS, q


# Profiles 4.4.4.1 / 4.4.4.2: LogoutRequest and LogoutResponse "MUST be signed" on the front channel (here by
# Okta's key, the certificate pinned in Step 4; never one carried in KeyInfo). SAMLCore 5.4.2: the one Reference
# is the message's own ID; the signature is a direct child of the message.
def check_signed(xml: bytes, root: etree._Element, certificate: x509.Certificate, now: datetime) -> None:
    signatures_found = list(root.iter(q(DS, "Signature")))
    if not signatures_found:
        raise Reject("signature.missing", "the logout message is not signed")
    if len(signatures_found) > 1 or signatures_found[0].getparent() is not root:
        raise Reject("signature.invalid", "the logout message's signature is not one direct child of the message")
    signature = signatures_found[0]
    signatures.check_signature_profile(signature, root)
    signatures.check_certificate_validity(certificate, now)
    signatures.verify_signature(xml, signature, root, signatures.RESPONSE_LOCATION, certificate, now)


# SAMLCore 3.2.1 / 3.2.2: the Issuer identifies the sender; JustCall takes logout messages only from the Okta
# Issuer of Step 4.
def check_issuer(message: LogoutMessage, idp_issuer: str) -> None:
    if message.issuer != idp_issuer:
        raise Reject("slo.issuer_mismatch", f"Issuer {message.issuer!r} is not the configured Okta Issuer")


# SAMLBind 3.4.5.2 / 3.5.5.2: a signed message's Destination MUST be the URL it was delivered to.
def check_destination(message: LogoutMessage, slo_url: str) -> None:
    if message.destination != slo_url:
        raise Reject("slo.destination_mismatch", f"Destination {message.destination!r} is not {slo_url!r}")


# SAMLCore 3.7.1: a LogoutRequest names the principal (NameID); NotOnOrAfter, when present, bounds its use.
def check_logout_request(message: LogoutMessage, now: datetime) -> str:
    if not message.name_id:
        raise Reject("slo.invalid", "the LogoutRequest names nobody (no NameID)")
    if message.not_on_or_after is not None:
        ends = parse_instant(message.not_on_or_after)
        if ends is None:
            raise Reject("slo.invalid", f"NotOnOrAfter {message.not_on_or_after!r} is not a time")
        if now >= ends:
            raise Reject("slo.expired", f"the LogoutRequest expired at {message.not_on_or_after}")
    return message.name_id


# SAMLCore 3.2.2: a response's InResponseTo names the request it answers; Profiles 4.4.3.4: JustCall accepts a
# LogoutResponse only for a LogoutRequest it sent and has not seen answered.
def check_answers_pending(answered: bool, message: LogoutMessage) -> None:
    if not answered:
        raise Reject(
            "slo.in_response_to_unknown",
            f"InResponseTo {message.in_response_to!r} is not a pending logout request of this account",
        )


# SAMLCore 3.7.3.2: a non-Success status means Okta did not end its session.
def check_success(message: LogoutMessage) -> None:
    if message.status != STATUS_SUCCESS:
        raise Reject("status.not_success", f"Okta answered the logout with status {message.status!r}")
