"""Build Okta-shaped SAML Responses for the diagnose tests, signed with keys generated at run time."""

from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner, Result
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod

from saml_harness.data import okta_interop_dir
from saml_harness.diagnose.command import diagnose_command
from saml_xmlns import CM_BEARER, DS, NAMEID_EMAIL, NAMEID_ENTITY, SAML, SAMLP, STATUS_SUCCESS, XS, XSI, q

ACS_URL = "https://justcall.example/sso/saml/acme/acs"
ENTITY_ID = "https://justcall.example/sso/saml/acme"
ISSUER = "http://www.okta.com/exk5zt0r12Edi4rD20h7"
REQUEST_ID = "_4f8e2a1c-9b7d-4c3e-8a6f-1d2e3f4a5b6c"
NOW = datetime(2026, 11, 29, 12, 0, 0, 123000, tzinfo=UTC)
EMAIL = "jane.doe@acme-corp.example"
FIRST, LAST = "Janette", "Doerfler"
OKTA_DIR = okta_interop_dir()
"""The real Okta captures (third-party test data) next to the repository; tests skip when it is absent."""


@dataclass(frozen=True)
class Pki:
    """An RSA key and its self-signed certificate (Okta's profile: no extensions)."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def make_pki(cn: str = "acme", not_before: datetime | None = None, years: int = 10) -> Pki:
    """Generate a key and a certificate valid from ``not_before`` (default a year before NOW) for ``years``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = not_before or NOW - timedelta(days=365)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Okta"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "SSOProvider"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int(start.timestamp() * 1000))
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * years))
        .sign(key, hashes.SHA256())
    )
    return Pki(key, cert)


def saml_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Shape:
    """What the Response says; every field defaults to a response JustCall accepts."""

    destination: str = ACS_URL
    recipient: str = ACS_URL
    audience: str = ENTITY_ID
    issuer: str = ISSUER
    in_response_to: str | None = REQUEST_ID
    issued: datetime = NOW
    lifetime: timedelta = timedelta(minutes=5)
    name_id: str = EMAIL
    name_id_format: str = NAMEID_EMAIL
    attributes: dict[str, str] = field(default_factory=lambda: {"email": EMAIL, "firstName": FIRST, "lastName": LAST})
    status: str = STATUS_SUCCESS


def build(shape: Shape) -> etree._Element:
    """Return an unsigned Response in Okta's shape (signature placeholders after each Issuer)."""
    issued = saml_time(shape.issued)
    irt = {"InResponseTo": shape.in_response_to} if shape.in_response_to else {}
    attrib = {"Destination": shape.destination, "ID": "id1700169587132854755065", "IssueInstant": issued}
    root = etree.Element(q(SAMLP, "Response"), attrib={**attrib, "Version": "2.0", **irt}, nsmap={"saml2p": SAMLP})
    _issuer(root, shape.issuer)
    status = etree.SubElement(root, q(SAMLP, "Status"))
    etree.SubElement(status, q(SAMLP, "StatusCode"), Value=shape.status)
    assertion = etree.SubElement(
        root,
        q(SAML, "Assertion"),
        nsmap={"saml2": SAML},
        ID="id1700169587132854755066",
        IssueInstant=issued,
        Version="2.0",
    )
    _issuer(assertion, shape.issuer)
    subject = etree.SubElement(assertion, q(SAML, "Subject"))
    etree.SubElement(subject, q(SAML, "NameID"), Format=shape.name_id_format).text = shape.name_id
    confirmation = etree.SubElement(subject, q(SAML, "SubjectConfirmation"), Method=CM_BEARER)
    until = saml_time(shape.issued + shape.lifetime)
    data = {"NotOnOrAfter": until, "Recipient": shape.recipient, **irt}
    etree.SubElement(confirmation, q(SAML, "SubjectConfirmationData"), attrib=data)
    conditions = etree.SubElement(
        assertion, q(SAML, "Conditions"), NotBefore=saml_time(shape.issued - shape.lifetime), NotOnOrAfter=until
    )
    restriction = etree.SubElement(conditions, q(SAML, "AudienceRestriction"))
    etree.SubElement(restriction, q(SAML, "Audience")).text = shape.audience
    authn = etree.SubElement(assertion, q(SAML, "AuthnStatement"), AuthnInstant=issued, SessionIndex="id1")
    context = etree.SubElement(authn, q(SAML, "AuthnContext"))
    etree.SubElement(
        context, q(SAML, "AuthnContextClassRef")
    ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    statement = etree.SubElement(assertion, q(SAML, "AttributeStatement"))
    for name, value in shape.attributes.items():
        attribute = etree.SubElement(
            statement,
            q(SAML, "Attribute"),
            Name=name,
            NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
        )
        element = etree.SubElement(attribute, q(SAML, "AttributeValue"), nsmap={"xs": XS, "xsi": XSI})
        element.set(q(XSI, "type"), "xs:string")
        element.text = value
    return root


def _issuer(parent: etree._Element, value: str) -> None:
    etree.SubElement(parent, q(SAML, "Issuer"), nsmap={"saml2": SAML}, Format=NAMEID_ENTITY).text = value


class Sha1Signer(XMLSigner):
    """A signer that still produces RSA-SHA1 (old Okta default), to prove diagnose reports it."""

    def check_deprecated_methods(self) -> None:
        pass


def _key_info(cert: x509.Certificate) -> etree._Element:
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    key_info = etree.Element(q(DS, "KeyInfo"), nsmap={"ds": DS})
    data = etree.SubElement(key_info, q(DS, "X509Data"))
    etree.SubElement(data, q(DS, "X509Certificate")).text = "\n".join(textwrap.wrap(der, 76))
    return key_info


def sign(
    root: etree._Element,
    pki: Pki,
    *,
    response: bool = True,
    assertion: bool = True,
    sha1: bool = False,
    key_info_cert: x509.Certificate | None = None,
) -> bytes:
    """Sign the Assertion then the Response (Okta's order) with RSA-SHA256 and exclusive c14n; return bytes."""
    algorithms = ("rsa-sha1", "sha1") if sha1 else ("rsa-sha256", "sha256")
    signer = (Sha1Signer if sha1 else XMLSigner)(
        signature_algorithm=algorithms[0],
        digest_algorithm=algorithms[1],
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    cert = key_info_cert or pki.cert
    if assertion:
        element = root.find(q(SAML, "Assertion"))
        assert element is not None
        _placeholder(element)
        root = signer.sign(root, key=pki.key, key_info=_key_info(cert), reference_uri=element.get("ID"))
    if response:
        _placeholder(root)
        root = signer.sign(root, key=pki.key, key_info=_key_info(cert), reference_uri=root.get("ID"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _placeholder(element: etree._Element) -> None:
    issuer = element.find(q(SAML, "Issuer"))
    assert issuer is not None
    issuer.addnext(etree.Element(q(DS, "Signature"), nsmap={"ds": DS}, Id="placeholder"))


def signed(shape: Shape, pki: Pki, *, response: bool = True, assertion: bool = True, sha1: bool = False) -> bytes:
    """Build and sign a response in one call."""
    return sign(build(shape), pki, response=response, assertion=assertion, sha1=sha1)


def b64(xml: bytes) -> str:
    return base64.b64encode(xml).decode()


def run(*args: str, input: bytes | str | None = None) -> Result:
    """Invoke ``saml-harness diagnose`` in-process; return the result (exit code, stdout, stderr)."""
    return CliRunner().invoke(diagnose_command, list(args), input=input, catch_exceptions=False)
