"""Name what a diagnosis produces: findings, the help article's troubleshooting rows, and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from cryptography import x509

Severity = Literal["error", "warning", "ok", "info"]
SEVERITIES: Final[tuple[Severity, ...]] = ("error", "warning", "ok", "info")

INVALID_RESPONSE: Final = "Invalid SAML response"
NOT_ASSIGNED: Final = "not assigned"
ATTRIBUTES_MISSING: Final = "Attributes missing"
CERTIFICATE_ERROR: Final = "Certificate error"

TROUBLESHOOTING: Final[dict[str, str]] = {
    INVALID_RESPONSE: "Verify the ACS URL and Entity ID match between Okta and JustCall. Check for trailing slashes.",
    NOT_ASSIGNED: "Assign the user to the JustCall app in Okta (Assignments tab).",
    ATTRIBUTES_MISSING: "Confirm attribute statement names exactly match: email, firstName, lastName.",
    CERTIFICATE_ERROR: (
        "Re-download the active certificate from Okta. Expired certificates cause authentication failures."
    ),
}
"""The four rows of the help article's Troubleshooting table, word for word (issue -> solution)."""

DEFAULT_SKEW: Final = timedelta(seconds=90)
"""JustCall's allowed clock skew when comparing NotBefore/NotOnOrAfter with its clock."""


@dataclass(frozen=True)
class Finding:
    """One observation about the response, with what support should do about it."""

    severity: Severity
    check: str
    """Stable id of the check, e.g. ``audience`` or ``signature.response.verify``."""
    message: str
    spec: str = ""
    """The SAML (or help article) clause the check enforces."""
    troubleshooting: str | None = None
    """The help article's Troubleshooting row JustCall's error falls under (errors only)."""
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as JSON data."""
        return {
            "severity": self.severity,
            "check": self.check,
            "message": self.message,
            "spec": self.spec,
            "troubleshooting": self.troubleshooting,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class TrustedCertificate:
    """A certificate the SP trusts for the IdP's signatures, and where it came from (for messages)."""

    certificate: x509.Certificate
    source: str


@dataclass(frozen=True)
class Config:
    """What JustCall is configured with; ``None`` means "not given", and the matching checks only report."""

    acs_url: str | None = None
    entity_id: str | None = None
    request_id: str | None = None
    """ID of the AuthnRequest the SP sent (expected InResponseTo); None when unknown."""
    idp_issuer: str | None = None
    trusted: tuple[TrustedCertificate, ...] = ()
    skew: timedelta = DEFAULT_SKEW


@dataclass(frozen=True)
class Summary:
    """The few facts people look at first, read from the document as posted."""

    issuer: str | None = None
    issue_instant: str | None = None
    destination: str | None = None
    in_response_to: str | None = None
    response_id: str | None = None
    assertion_id: str | None = None
    name_id: str | None = None
    name_id_format: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "issuer": self.issuer,
            "issue_instant": self.issue_instant,
            "destination": self.destination,
            "in_response_to": self.in_response_to,
            "response_id": self.response_id,
            "assertion_id": self.assertion_id,
            "name_id": self.name_id,
            "name_id_format": self.name_id_format,
        }


@dataclass
class Report:
    """Everything one diagnosis found; JustCall would accept the response only if no finding is an error."""

    at: datetime
    summary: Summary
    findings: list[Finding] = field(default_factory=list)
    input_kind: str = "xml"
    source: str = ""
    """Where in the input the response was found (e.g. ``HAR entry 12: POST https://...``)."""
    xml: bytes | None = None
    """The decoded Response as received (for ``--show-xml``)."""

    @property
    def accepted(self) -> bool:
        """True when no finding is an error: JustCall would accept the response."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def verdict(self) -> str:
        """Return the one-line answer support gives."""
        return "JustCall would ACCEPT this response" if self.accepted else "JustCall would REJECT this response"

    @property
    def troubleshooting(self) -> list[tuple[str, str]]:
        """Return the distinct troubleshooting rows of the error findings, with the article's solution."""
        rows = dict.fromkeys(f.troubleshooting for f in self.findings if f.severity == "error" and f.troubleshooting)
        return [(row, TROUBLESHOOTING[row]) for row in rows if row is not None]

    def fixes_for(self, row: str) -> list[str]:
        """Return the distinct specific fixes of the error findings under ``row``."""
        return list(dict.fromkeys(f.fix for f in self.findings if f.troubleshooting == row and f.fix))

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "accepted": self.accepted,
            "input_kind": self.input_kind,
            "source": self.source,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "summary": self.summary.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "troubleshooting": [
                {"row": row, "solution": solution, "fixes": self.fixes_for(row)}
                for row, solution in self.troubleshooting
            ],
        }
