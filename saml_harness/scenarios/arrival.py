"""When a case's response reaches the SP: an exact instant read from the messages, so a bound is hit to the microsecond.

A window check written ``now > NotOnOrAfter`` instead of ``now >= NotOnOrAfter`` differs from the spec only at the
bound itself, which a running clock never lands on. A scenario's ``arrive_at`` names the bound; the runner stops
the SP's clock there just before the browser posts the response (bundled SP only: an external SP's clock can
move but not stop).

    arrive_at = { at = "conditions.NotOnOrAfter", plus = "skew" }
    arrive_at = { at = "request.IssueInstant", plus_seconds = 600 }
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509

from saml_harness.scenarios.evidence_kit import parse, parse_time, strings

BOUNDS = {
    "response.IssueInstant": "/saml2p:Response/@IssueInstant",
    "assertion.IssueInstant": "//saml2:Assertion/@IssueInstant",
    "conditions.NotBefore": "//saml2:Conditions/@NotBefore",
    "conditions.NotOnOrAfter": "//saml2:Conditions/@NotOnOrAfter",
    "subject_confirmation.NotOnOrAfter": "//saml2:SubjectConfirmationData/@NotOnOrAfter",
    "authn_statement.SessionNotOnOrAfter": "//saml2:AuthnStatement/@SessionNotOnOrAfter",
    "request.IssueInstant": "/saml2p:AuthnRequest/@IssueInstant",
    "certificate.NotBefore": "//ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate/text()",
    "certificate.NotAfter": "//ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate/text()",
}
"""The instants a case can arrive at: ``<message part>.<attribute>``; ``request`` is the SP's AuthnRequest,
``certificate`` the signing certificate the response's KeyInfo carries (RFC 5280 validity, whole seconds)."""
PLUS = ("skew", "-skew")
KEYS = {"at", "plus", "plus_seconds"}


@dataclass(frozen=True)
class Arrival:
    """The instant the SP reads when the response reaches it: a bound in the messages, moved by the skew or seconds."""

    at: str
    plus: str = ""
    plus_seconds: int = 0

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Arrival:
        unknown = set(raw) - KEYS
        if unknown:
            raise ValueError(f"arrive_at: unknown keys {sorted(unknown)}; expected {sorted(KEYS)}")
        at, plus, seconds = raw.get("at"), raw.get("plus", ""), raw.get("plus_seconds", 0)
        if at not in BOUNDS:
            raise ValueError(f"arrive_at.at must be one of {sorted(BOUNDS)}, got {at!r}")
        if plus and plus not in PLUS:
            raise ValueError(f"arrive_at.plus must be one of {PLUS}, got {plus!r}")
        if not isinstance(seconds, int) or isinstance(seconds, bool):
            raise ValueError(f"arrive_at.plus_seconds must be an integer, got {seconds!r}")
        return cls(str(at), str(plus), seconds)

    @property
    def needs_request(self) -> bool:
        return self.at.startswith("request.")

    def describe(self) -> str:
        moved = {"skew": " + the SP's skew", "-skew": " - the SP's skew", "": ""}[self.plus]
        seconds = f" {self.plus_seconds:+d} s" if self.plus_seconds else ""
        return f"reaches the SP exactly at {self.at}{moved}{seconds}"

    def instant(self, response_xml: bytes, request_xml: bytes | None, skew_s: int) -> datetime:
        """Return the instant, read from the response (or the AuthnRequest) the browser is about to deliver."""
        source = request_xml if self.needs_request else response_xml
        if source is None:
            raise ValueError(f"arrive_at {self.at}: the flow sent no AuthnRequest to read it from")
        values = strings(parse(source), BOUNDS[self.at])
        if self.at.startswith("certificate.") and values:
            values = [_validity_bound(dict.fromkeys(values), self.at)]
        if len(values) != 1:
            raise ValueError(f"arrive_at {self.at}: expected one value in the message, found {len(values)}")
        skew = {"skew": skew_s, "-skew": -skew_s, "": 0}[self.plus]
        return parse_time(values[0]) + timedelta(seconds=skew + self.plus_seconds)


def _validity_bound(certificates: dict[str, None], at: str) -> str:
    """Return the signing certificate's NotBefore or NotAfter (ISO) from its base64 DER (one certificate)."""
    if len(certificates) != 1:
        raise ValueError(f"arrive_at {at}: the response carries {len(certificates)} different certificates")
    der = base64.b64decode("".join(next(iter(certificates)).split()))
    certificate = x509.load_der_x509_certificate(der)
    bound = certificate.not_valid_before_utc if at.endswith("NotBefore") else certificate.not_valid_after_utc
    return bound.isoformat()
