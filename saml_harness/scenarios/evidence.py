"""Check that a scenario's fault is really in the XML the IdP sent, not just in its label.

A scenario that claims "wrong Audience" but sends the right one would pass against a lax SP for the
wrong reason; each op therefore has an evidence check reading the Response that crossed the wire.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from saml_harness.scenarios.catalogue import Scenario, fill
from saml_harness.security import dsig_check
from saml_xmlns import ALG_RSA_SHA1, DS, NS, SAML, q

TIME_TOLERANCE = timedelta(seconds=120)
"""How far a shifted time may sit from the expected instant (the flow itself takes time)."""

Check = Callable[..., str | None]
"""``check(root, now, **args) -> None`` when the fault is present, else a message saying what is missing."""
EVIDENCE: dict[str, Check] = {}


def evidence(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        EVIDENCE[name] = fn
        return fn

    return register


def parse(xml: bytes) -> etree._Element:
    # strip_cdata=False keeps CDATA sections visible to the markup-injection evidence (text reads the same).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, strip_cdata=False)
    return etree.fromstring(xml, parser)


def elements(root: etree._Element, xpath: str) -> list[etree._Element]:
    """Return the elements ``xpath`` selects (prefixes as in ``xmlns.NS``)."""
    found = root.xpath(xpath, namespaces=NS)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


def strings(root: etree._Element, xpath: str) -> list[str]:
    """Return the attribute values or text nodes ``xpath`` selects."""
    found = root.xpath(xpath, namespaces=NS)
    return [str(v) for v in found if isinstance(v, str | bytes)] if isinstance(found, list) else []


def text_of(element: etree._Element) -> str:
    return "".join(str(t) for t in element.itertext())


def _texts(root: etree._Element, xpath: str) -> list[str]:
    return [text_of(e) for e in elements(root, xpath)]


def _expect_all(root: etree._Element, xpath: str, value: str, what: str) -> str | None:
    found = _texts(root, xpath)
    if not found:
        return f"{what}: nothing at {xpath}"
    wrong = [t for t in found if t != value]
    return f"{what}: expected {value!r}, found {wrong!r}" if wrong else None


def _attr(root: etree._Element, xpath: str, attr: str) -> list[str | None]:
    return [e.get(attr) for e in elements(root, xpath)]


@evidence("set_audience")
def _audience(root: etree._Element, now: datetime, value: str) -> str | None:
    return _expect_all(root, ".//saml2:Audience", value, "Audience")


@evidence("set_destination")
def _destination(root: etree._Element, now: datetime, value: str) -> str | None:
    got = root.get("Destination")
    return None if got == value else f"Destination: expected {value!r}, found {got!r}"


@evidence("remove_destination")
def _no_destination(root: etree._Element, now: datetime) -> str | None:
    return None if root.get("Destination") is None else "Destination is still present"


@evidence("set_recipient")
def _recipient(root: etree._Element, now: datetime, value: str) -> str | None:
    found = _attr(root, ".//saml2:SubjectConfirmationData", "Recipient")
    return None if found and all(v == value for v in found) else f"Recipient: expected {value!r}, found {found!r}"


def _target_paths(target: str) -> list[str]:
    return {"response": ["."], "assertion": ["saml2:Assertion"], "both": [".", "saml2:Assertion"]}[target]


@evidence("set_issuer")
def _issuer(root: etree._Element, now: datetime, value: str, target: str = "both") -> str | None:
    for path in _target_paths(target):
        problem = _expect_all(root, f"{path}/saml2:Issuer", value, f"Issuer of {path}")
        if problem:
            return problem
    return None


@evidence("remove_issuer")
def _no_issuer(root: etree._Element, now: datetime, target: str = "both") -> str | None:
    left = [p for p in _target_paths(target) if elements(root, f"{p}/saml2:Issuer")]
    return f"Issuer still present on {left}" if left else None


def _attribute_names(root: etree._Element) -> list[str]:
    return [str(a.get("Name")) for a in root.iterfind(".//saml2:Attribute", NS)]


@evidence("remove_attribute")
def _no_attribute(root: etree._Element, now: datetime, name: str) -> str | None:
    return f"attribute {name!r} is still sent" if name in _attribute_names(root) else None


@evidence("rename_attribute")
def _renamed(root: etree._Element, now: datetime, name: str, to: str) -> str | None:
    names = _attribute_names(root)
    return None if to in names and name not in names else f"expected {to!r} instead of {name!r}, names are {names}"


@evidence("set_attribute_value")
def _attribute_value(root: etree._Element, now: datetime, name: str, value: str | list[str]) -> str | None:
    expected = [value] if isinstance(value, str) else value
    for attribute in root.iterfind(".//saml2:Attribute", NS):
        if attribute.get("Name") == name:
            got = [text_of(v) for v in attribute.iterfind(q(SAML, "AttributeValue"))]
            return None if got == expected else f"attribute {name!r}: expected {expected!r}, found {got!r}"
    return f"attribute {name!r} is not sent"


@evidence("add_attribute")
def _added(root: etree._Element, now: datetime, name: str, value: Any, name_format: str = "") -> str | None:
    return None if name in _attribute_names(root) else f"attribute {name!r} is not sent"


@evidence("set_nameid")
def _nameid(root: etree._Element, now: datetime, value: str, format: str | None = None) -> str | None:
    problem = _expect_all(root, ".//saml2:Subject/saml2:NameID", value, "NameID")
    if problem or format is None:
        return problem
    formats = _attr(root, ".//saml2:Subject/saml2:NameID", "Format")
    return None if formats == [format] else f"NameID Format: expected {format!r}, found {formats!r}"


@evidence("set_in_response_to")
def _in_response_to(root: etree._Element, now: datetime, value: str, target: str = "both") -> str | None:
    found = []
    if target in ("response", "both"):
        found.append(root.get("InResponseTo"))
    if target in ("assertion", "both"):
        found += _attr(root, ".//saml2:SubjectConfirmationData", "InResponseTo")
    return None if found and all(v == value for v in found) else f"InResponseTo: expected {value!r}, found {found}"


@evidence("remove_element")
def _removed(root: etree._Element, now: datetime, xpath: str) -> str | None:
    return f"{xpath} is still present" if elements(root, xpath) else None


_TIME_PATHS = {
    "response": ".",
    "assertion": "saml2:Assertion",
    "conditions": ".//saml2:Conditions",
    "subject_confirmation": ".//saml2:SubjectConfirmationData",
    "authn_statement": ".//saml2:AuthnStatement",
}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@evidence("set_time")
def _time(root: etree._Element, now: datetime, target: str, attr: str, offset_seconds: float) -> str | None:
    values = _attr(root, _TIME_PATHS[target], attr)
    expected = now + timedelta(seconds=offset_seconds)
    if not values or any(v is None or abs(parse_time(v) - expected) > TIME_TOLERANCE for v in values):
        return f"{target}@{attr}: expected about {expected.isoformat()}, found {values}"
    return None


@evidence("tamper_text_after_sign")
def _tampered(root: etree._Element, now: datetime, xpath: str, value: str) -> str | None:
    return _expect_all(root, xpath, value, "tampered text")


@evidence("strip_signature")
def _stripped(root: etree._Element, now: datetime, target: str) -> str | None:
    left = [p for p in _target_paths(target) if elements(root, f"{p}/ds:Signature")]
    return f"signature still present on {left}" if left else None


def signing_evidence(root: etree._Element, signing: Mapping[str, Any]) -> list[str]:
    """Check the signing overrides: which signatures exist and with which algorithm."""
    problems = []
    response_signed = root.find(q(DS, "Signature")) is not None
    assertion_signed = bool(elements(root, "saml2:Assertion/ds:Signature"))
    if signing.get("response_signed") is False and response_signed:
        problems.append("Response is signed although the scenario says unsigned")
    if signing.get("assertion_signed") is False and assertion_signed:
        problems.append("Assertion is signed although the scenario says unsigned")
    if signing.get("algorithm") == "RSA_SHA1":
        methods = strings(root, ".//ds:SignatureMethod/@Algorithm")
        if not methods or any(m != ALG_RSA_SHA1 for m in methods):
            problems.append(f"expected RSA-SHA1 signatures, found {methods}")
    return problems


def signing_certificate(root: etree._Element) -> x509.Certificate | None:
    """Return the certificate in the first signature's KeyInfo, if any."""
    found = elements(root, ".//ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate")
    if not found:
        return None
    der = base64.b64decode(text_of(found[0]).encode())
    return x509.load_der_x509_certificate(der)


TrustedCertificate = bytes | None | Callable[[], bytes | None]
"""The certificate the SP trusts (DER; None: unknown), or a function returning it (asked only when needed)."""


def _resolve(trusted: TrustedCertificate) -> bytes | None:
    return trusted() if callable(trusted) else trusted


def key_evidence(
    root: etree._Element, scenario: Scenario, configured_cert_der: TrustedCertificate, now: datetime
) -> list[str]:
    """Check the signing certificate is the foreign, rotated, expired or future one the scenario says."""
    setup = {op.name: op.args for op in scenario.setup}
    certificate = signing_certificate(root)
    untrusted = scenario.signing.get("key") == "other" or (
        "okta_rotate_key" in setup and "sp_upload_active_certificate" not in setup
    )
    if certificate is None:
        return ["no signing certificate in KeyInfo"] if untrusted or "okta_activate_new_key" in setup else []
    der = certificate.public_bytes(serialization.Encoding.DER)
    problems = []
    trusted_der = _resolve(configured_cert_der) if untrusted else None
    if untrusted and der == trusted_der:
        problems.append("the response is signed with the certificate JustCall trusts, not a foreign one")
    if untrusted:
        problems += signer_problems(root, trusted_der)
    new_key = setup.get("okta_activate_new_key")
    if new_key is not None:
        if float(new_key.get("not_after_days", 1)) < 0 and certificate.not_valid_after_utc >= now:
            problems.append(f"signing certificate is not expired (valid until {certificate.not_valid_after_utc})")
        if float(new_key.get("not_before_days", -1)) > 0 and certificate.not_valid_before_utc <= now:
            problems.append(f"signing certificate is already valid (since {certificate.not_valid_before_utc})")
    return problems


def signer_problems(root: etree._Element, trusted_der: bytes | None) -> list[str]:
    """Prove a foreign key made each signature: the value verifies with the key KeyInfo shows, not the trusted one.

    KeyInfo alone proves nothing (an attacker may show any certificate); verifying the value with each candidate
    public key shows which key really signed.
    """
    trusted = None if trusted_der is None else dsig_check.rsa_key(x509.load_der_x509_certificate(trusted_der))
    signatures = elements(root, "ds:Signature | saml2:Assertion/ds:Signature")
    if not signatures:
        return ["no signature to attribute to a key"]
    problems = []
    for signature in signatures:
        signed = etree.QName(signature.getparent()).localname if signature.getparent() is not None else "?"
        if trusted is not None and dsig_check.value_verifies(signature, dsig_check.KeyMaterial(public_key=trusted)):
            problems.append(
                f"the {signed} SignatureValue verifies with the trusted key: it was not made by another key"
            )
        shown = [dsig_check.rsa_key(c) for c in dsig_check.certificates_in(signature)]
        if not any(
            key is not None and dsig_check.value_verifies(signature, dsig_check.KeyMaterial(public_key=key))
            for key in shown
        ):
            problems.append(
                f"the {signed} SignatureValue does not verify with the key of the certificate KeyInfo shows"
            )
    return problems


def issue_instant(root: etree._Element) -> datetime | None:
    value = root.get("IssueInstant")
    return parse_time(value) if value else None


def check_evidence(
    scenario: Scenario,
    response_xml: bytes,
    values: Mapping[str, str],
    configured_cert_der: TrustedCertificate = None,
    now: datetime | None = None,
) -> list[str]:
    """Return what is missing from ``response_xml`` for it to carry the scenario's fault (empty: all there).

    ``values`` fill the ops' placeholders; ``configured_cert_der`` is the certificate the SP trusts, or a
    function returning it (called at most once, by the checks that compare with it); ``now`` is when the IdP
    built the response (its IssueInstant minus any clock offset, by default).
    """
    root = parse(response_xml)
    trusted = functools.cache(functools.partial(_resolve, configured_cert_der))
    token = attack_evidence.TRUSTED_CERTIFICATE.set(trusted)
    try:
        return _check_all(scenario, root, values, trusted, now)
    finally:
        attack_evidence.TRUSTED_CERTIFICATE.reset(token)


def _check_all(
    scenario: Scenario,
    root: etree._Element,
    values: Mapping[str, str],
    configured_cert_der: TrustedCertificate,
    now: datetime | None,
) -> list[str]:
    instant = issue_instant(root)
    if now is None:
        now = (instant or datetime.now(UTC)) - timedelta(seconds=scenario.idp_clock_offset)
    problems: list[str] = []
    for op in (*scenario.pre_sign, *scenario.post_sign):
        check = EVIDENCE.get(op.name)
        if check is None:
            problems.append(f"no evidence check for op {op.name!r}")
            continue
        problem = check(root, now, **{k: fill(v, values) for k, v in op.args.items()})
        if problem:
            problems.append(f"{op.name}: {problem}")
    problems += signing_evidence(root, scenario.signing)
    problems += key_evidence(root, scenario, configured_cert_der, now)
    if scenario.idp_clock_offset and instant is not None:
        expected = datetime.now(UTC) + timedelta(seconds=scenario.idp_clock_offset)
        if abs(instant - expected) > TIME_TOLERANCE:
            problems.append(f"IssueInstant {instant} is not {scenario.idp_clock_offset}s off the real clock")
    if scenario.status:
        codes = strings(root, ".//saml2p:StatusCode/@Value")
        if scenario.status not in codes and not any(c.endswith(scenario.status) for c in codes):
            problems.append(f"expected status {scenario.status}, found {codes}")
        if root.find(q(SAML, "Assertion")) is not None:
            problems.append("an error Response must not carry an Assertion")
    return problems


# The attack ops' checks register themselves in EVIDENCE; imported last because they use the helpers above.
from saml_harness.scenarios import attack_evidence  # noqa: E402
