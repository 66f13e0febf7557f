"""Turn "my users get Invalid SAML response" into the exact cause: diagnose one captured Okta SAMLResponse.

Works on captures from real Okta against any SP: it imports neither the mock IdP nor the bundled SP.
``diagnose(xml_bytes, config, at)`` returns a ``Report``; the ``diagnose`` click command wraps it for support.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from saml_harness.diagnose import checks, identity, signatures
from saml_harness.diagnose.inputs import InputError, parse_xml
from saml_harness.diagnose.model import Config, Finding, Report, TrustedCertificate
from saml_xmlns import DS, SAML, q

__all__ = ["Config", "Finding", "InputError", "Report", "TrustedCertificate", "diagnose"]


def diagnose(xml_bytes: bytes, config: Config, at: datetime, *, input_kind: str = "xml", source: str = "") -> Report:
    """Check ``xml_bytes`` (a samlp:Response) as JustCall would at instant ``at``; raise ``InputError`` if unusable."""
    root = parse_xml(xml_bytes)
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    assertion = checks.the_assertion(root)
    encrypted = root.find(f".//{q(SAML, 'EncryptedAssertion')}")
    findings: list[Finding] = [
        *checks.check_response_root(root),
        *checks.check_unique_ids(root),
        *checks.check_status(root),
        *checks.check_issuer(root, "Response", config.idp_issuer),
        *checks.check_destination(root, config),
        *checks.check_issue_instant(root, at),
        *checks.check_assertion_count(root),
        *checks.check_encrypted(root),
    ]
    findings += _signature_findings(xml_bytes, root, assertion, encrypted, config, at)
    if assertion is not None:
        findings += [
            *checks.check_issuer(assertion, "Assertion", config.idp_issuer),
            *checks.check_bearer(assertion),
            *checks.check_recipient(assertion, config),
            *checks.check_audience(assertion, config),
            *checks.check_conditions_time(assertion, at, config.skew),
            *checks.check_confirmation_time(assertion, at, config.skew),
        ]
    findings += checks.check_in_response_to(root, assertion, config.request_id)
    if assertion is not None:
        findings += [
            *checks.check_authn_statement(assertion),
            *identity.check_attributes(assertion),
            *identity.check_name_id(assertion),
        ]
    return Report(at, checks.summarize(root), findings, input_kind, source, xml_bytes)


def _signature_findings(
    xml_bytes: bytes,
    root: etree._Element,
    assertion: etree._Element | None,
    encrypted: etree._Element | None,
    config: Config,
    at: datetime,
) -> list[Finding]:
    """Check the Response and Assertion signatures, what they cover, and the trusted certificates."""
    findings = checks.check_signature_placement(root, assertion)
    elements = [("Response", root)] + ([("Assertion", assertion)] if assertion is not None else [])
    results = [
        (
            what,
            signatures.check_signature(what, xml_bytes, root, element, element.findall(q(DS, "Signature")), config, at),
        )
        for what, element in elements
    ]
    for _, result in results:
        findings += result.findings
    findings += checks.check_coverage(
        assertion if assertion is not None else encrypted,
        [f"{what} signature" for what, r in results if r.present and r.covers],
        [f"{what} signature" for what, r in results if r.present],
    )
    matched: set[bytes] = set().union(*(r.matched for _, r in results))
    findings += signatures.check_trusted_certificates(config, at, matched)
    return findings
