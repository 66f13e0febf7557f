"""Build Okta-shaped SAML Responses for the SP's unit tests: keys made at run time, every field adjustable.

Independent of ``mock_idp`` on purpose (a bug shared by the IdP and the SP would cancel out).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner, methods
from signxml.algorithms import CanonicalizationMethod

from saml_xmlns import (
    AC_PASSWORD_PROTECTED_TRANSPORT,
    ATTRNAME_UNSPECIFIED,
    CM_BEARER,
    DS,
    NAMEID_EMAIL,
    NAMEID_ENTITY,
    SAML,
    SAMLP,
    STATUS_SUCCESS,
    XS,
    XSI,
    q,
)


@dataclass(frozen=True)
class KeyPair:
    """An RSA key and its self-signed certificate (Okta's profile: no extensions)."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


def make_keypair(common_name: str, not_before: datetime, not_after: datetime) -> KeyPair:
    """Generate a 2048-bit RSA key and a self-signed sha256 certificate valid in [not_before, not_after]."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Okta"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "SSOProvider"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int(not_before.timestamp() * 1000))
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(key, cert)


def saml_time(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class ResponseSpec:
    """Every field of one response; ``None`` for an optional field means "leave it out"."""

    keys: KeyPair
    issuer: str
    destination: str | None
    recipient: str | None
    audience: str | None
    issue_instant: datetime
    email: str
    name_id: str | None = None
    """Defaults to ``email``."""
    name_id_format: str | None = NAMEID_EMAIL
    attributes: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    """Defaults to email/firstName/lastName from the fields below."""
    first_name: str = "Ada"
    last_name: str = "Lovelace"
    in_response_to: str | None = None
    response_in_response_to: str | bool | None = True
    """True: same as ``in_response_to``; otherwise the Response's own value (None = absent)."""
    response_id: str = "id100000000000000000000001"
    assertion_id: str = "id100000000000000000000002"
    assertion_issuer: str | bool | None = True
    """True: same as ``issuer``; None: no Issuer in the Assertion."""
    response_issuer: str | bool | None = True
    status: str = STATUS_SUCCESS
    status_message: str | None = None
    conditions: bool = True
    not_before: datetime | bool | None = True
    """True: issue_instant - 5 min (Okta)."""
    not_on_or_after: datetime | bool | None = True
    """True: issue_instant + 5 min (Okta)."""
    scd_not_on_or_after: datetime | bool | None = True
    scd_not_before: datetime | None = None
    method: str = CM_BEARER
    authn_statement: bool = True
    sign_response: bool = True
    sign_assertion: bool = True
    signature_algorithm: str = "rsa-sha256"
    digest_algorithm: str = "sha256"

    def but(self, **changes: Any) -> ResponseSpec:
        return replace(self, **changes)


def _el(tag: str, ns: str, prefix: str) -> etree._Element:
    return etree.Element(q(ns, tag), nsmap={prefix: ns})


def _sub(parent: etree._Element, tag: str, ns: str = SAML, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, q(ns, tag))
    for name, value in attrib.items():
        element.set(name, value)
    return element


def _issuer(value: str) -> etree._Element:
    issuer = _el("Issuer", SAML, "saml2")
    issuer.set("Format", NAMEID_ENTITY)
    issuer.text = value
    return issuer


def _pick(value: Any, default: Any) -> Any:
    return default if value is True else value


def build_unsigned(spec: ResponseSpec) -> etree._Element:
    """Build the Response tree (Okta's layout and prefixes), unsigned."""
    t = spec.issue_instant
    response = etree.Element(q(SAMLP, "Response"), nsmap={"saml2p": SAMLP})
    if spec.destination is not None:
        response.set("Destination", spec.destination)
    response.set("ID", spec.response_id)
    response_irt = _pick(spec.response_in_response_to, spec.in_response_to)
    if response_irt is not None:
        response.set("InResponseTo", response_irt)
    response.set("IssueInstant", saml_time(t))
    response.set("Version", "2.0")
    response_issuer = _pick(spec.response_issuer, spec.issuer)
    if response_issuer is not None:
        response.append(_issuer(response_issuer))
    status = _el("Status", SAMLP, "saml2p")
    _sub(status, "StatusCode", SAMLP, Value=spec.status)
    if spec.status_message:
        _sub(status, "StatusMessage", SAMLP).text = spec.status_message
    response.append(status)
    response.append(build_assertion(spec))
    return response


def build_assertion(spec: ResponseSpec) -> etree._Element:
    t = spec.issue_instant
    assertion = etree.Element(q(SAML, "Assertion"), nsmap={"saml2": SAML})
    assertion.set("ID", spec.assertion_id)
    assertion.set("IssueInstant", saml_time(t))
    assertion.set("Version", "2.0")
    assertion_issuer = _pick(spec.assertion_issuer, spec.issuer)
    if assertion_issuer is not None:
        assertion.append(_issuer(assertion_issuer))
    subject = _el("Subject", SAML, "saml2")
    name_id = _sub(subject, "NameID")
    if spec.name_id_format is not None:
        name_id.set("Format", spec.name_id_format)
    name_id.text = spec.email if spec.name_id is None else spec.name_id
    confirmation = _sub(subject, "SubjectConfirmation", Method=spec.method)
    data = _sub(confirmation, "SubjectConfirmationData")
    if spec.in_response_to is not None:
        data.set("InResponseTo", spec.in_response_to)
    if spec.scd_not_before is not None:
        data.set("NotBefore", saml_time(spec.scd_not_before))
    scd_noa = _pick(spec.scd_not_on_or_after, t + timedelta(minutes=5))
    if scd_noa is not None:
        data.set("NotOnOrAfter", saml_time(scd_noa))
    if spec.recipient is not None:
        data.set("Recipient", spec.recipient)
    assertion.append(subject)
    if spec.conditions:
        conditions = _el("Conditions", SAML, "saml2")
        not_before = _pick(spec.not_before, t - timedelta(minutes=5))
        not_on_or_after = _pick(spec.not_on_or_after, t + timedelta(minutes=5))
        if not_before is not None:
            conditions.set("NotBefore", saml_time(not_before))
        if not_on_or_after is not None:
            conditions.set("NotOnOrAfter", saml_time(not_on_or_after))
        if spec.audience is not None:
            restriction = _sub(conditions, "AudienceRestriction")
            _sub(restriction, "Audience").text = spec.audience
        assertion.append(conditions)
    if spec.authn_statement:
        statement = _el("AuthnStatement", SAML, "saml2")
        statement.set("AuthnInstant", saml_time(t))
        statement.set("SessionIndex", spec.in_response_to or spec.assertion_id)
        context = _sub(statement, "AuthnContext")
        _sub(context, "AuthnContextClassRef").text = AC_PASSWORD_PROTECTED_TRANSPORT
        assertion.append(statement)
    attributes = spec.attributes
    if attributes is None:
        attributes = (
            ("email", (spec.email,)),
            ("firstName", (spec.first_name,)),
            ("lastName", (spec.last_name,)),
        )
    if attributes:
        statement = _el("AttributeStatement", SAML, "saml2")
        for name, values in attributes:
            attribute = _sub(statement, "Attribute", Name=name, NameFormat=ATTRNAME_UNSPECIFIED)
            for value in values:
                element = etree.SubElement(attribute, q(SAML, "AttributeValue"), nsmap={"xs": XS, "xsi": XSI})
                element.set(q(XSI, "type"), "xs:string")
                element.text = value
        assertion.append(statement)
    return assertion


class _SHA1Signer(XMLSigner):
    """signxml refuses SHA-1 by default; the tests need it to prove the SP refuses it too."""

    def check_deprecated_methods(self) -> None:
        pass


def _signer(spec: ResponseSpec) -> XMLSigner:
    cls = _SHA1Signer if "sha1" in (spec.signature_algorithm + spec.digest_algorithm) else XMLSigner
    return cls(
        method=methods.enveloped,
        signature_algorithm=spec.signature_algorithm,
        digest_algorithm=spec.digest_algorithm,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )


def placeholder() -> etree._Element:
    return etree.Element(q(DS, "Signature"), nsmap={"ds": DS}, Id="placeholder")


def sign_element(root: etree._Element, element_id: str, keys: KeyPair, spec: ResponseSpec) -> etree._Element:
    """Sign the element with ID ``element_id`` at the placeholder already in the tree; return the new root."""
    signed: etree._Element = _signer(spec).sign(root, key=keys.key, cert=[keys.cert], reference_uri=element_id)
    return signed


def _insert_placeholder(element: etree._Element) -> None:
    issuer = element.find(q(SAML, "Issuer"))
    if issuer is not None:
        issuer.addnext(placeholder())
    else:
        element.insert(0, placeholder())


def sign(root: etree._Element, spec: ResponseSpec) -> etree._Element:
    """Sign the Assertion, then the Response (so the Response digest covers the signed Assertion), as Okta does."""
    if spec.sign_assertion:
        _insert_placeholder(find(root, "saml2:Assertion"))
        root = sign_element(root, spec.assertion_id, spec.keys, spec)
    if spec.sign_response:
        _insert_placeholder(root)
        root = sign_element(root, spec.response_id, spec.keys, spec)
    return root


def build(spec: ResponseSpec) -> bytes:
    """Return the serialized, signed Response."""
    return tostring(sign(build_unsigned(spec), spec))


def tostring(root: etree._Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>' + etree.tostring(root)


def encode(xml: bytes) -> str:
    """Base64 as the HTTP-POST binding sends it."""
    return base64.b64encode(xml).decode("ascii")


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def find(root: etree._Element, path: str) -> etree._Element:
    """Find a descendant by a ``saml2p:``/``saml2:``/``ds:`` path; fail loudly if absent."""
    found = root.find(path, namespaces={"saml2p": SAMLP, "saml2": SAML, "ds": DS})
    assert found is not None, path
    return found
