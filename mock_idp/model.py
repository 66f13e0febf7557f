"""Define the org's records (users, groups, SAML apps, signing keys) as immutable values.

Records are frozen so that a snapshot of the org is a shallow copy of a few dicts; changes go through
``dataclasses.replace`` in ``mock_idp.org.Org``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mock_idp.authn_request import AuthnRequest
from mock_idp.keys import Credential
from saml_xmlns import ATTRNAME_BASIC, ATTRNAME_UNSPECIFIED, ATTRNAME_URI, NAMEID_EMAIL

UserStatus = Literal["ACTIVE", "DEACTIVATED"]
KeyStatus = Literal["Active", "Inactive"]
SignatureAlgorithm = Literal["RSA_SHA256", "RSA_SHA1"]
DigestAlgorithm = Literal["SHA256", "SHA1"]
ApplicationUsername = Literal["okta_username", "email", "okta_username_prefix"]
Flow = Literal["sp_initiated", "idp_initiated"]

SIGNATURE_ALGORITHMS: tuple[str, ...] = ("RSA_SHA256", "RSA_SHA1")
DIGEST_ALGORITHMS: tuple[str, ...] = ("SHA256", "SHA1")
APPLICATION_USERNAMES: tuple[str, ...] = ("okta_username", "email", "okta_username_prefix")

# The App Integration Wizard's "Name format" choices (labels as in Okta's UI) and the URIs Okta writes for them.
NAME_FORMATS = {"unspecified": ATTRNAME_UNSPECIFIED, "basic": ATTRNAME_BASIC, "uri": ATTRNAME_URI}


@dataclass(frozen=True)
class User:
    """An Okta user; ``login`` is the Okta username (an email address here)."""

    id: str
    login: str
    email: str
    first_name: str
    last_name: str
    password_hash: str
    status: UserStatus = "ACTIVE"

    def profile_value(self, expression: str) -> str:
        """Resolve an Okta expression such as ``user.email``; unknown expressions give ``""``.

        A double-quoted expression (``"Sales"``) is a string literal, as in Okta Expression Language.
        """
        expression = expression.strip()
        if len(expression) >= 2 and expression[0] == expression[-1] == '"':
            return expression[1:-1]
        return {
            "user.email": self.email,
            "user.login": self.login,
            "user.firstName": self.first_name,
            "user.lastName": self.last_name,
        }.get(expression, "")


GroupType = Literal["OKTA_GROUP", "BUILT_IN"]


@dataclass(frozen=True)
class Group:
    """An Okta group; membership lives in the org ("Everyone", made with the org, is BUILT_IN and holds everyone)."""

    id: str
    name: str
    type: GroupType = "OKTA_GROUP"
    description: str | None = None


@dataclass(frozen=True)
class UserTimes:
    """A user's lifecycle instants, as the Admin API reports them (``None``: never happened)."""

    created: datetime
    activated: datetime | None
    status_changed: datetime | None
    last_updated: datetime
    password_changed: datetime | None
    last_login: datetime | None = None


@dataclass(frozen=True)
class AttributeStatement:
    """One row of "Attribute Statements": Name, Name format (URI), Value (an Okta expression)."""

    name: str
    value: str
    name_format: str = ATTRNAME_UNSPECIFIED

    @classmethod
    def coerce(cls, item: AttributeStatement | tuple[str, str, str] | tuple[str, str]) -> AttributeStatement:
        """Accept a statement, ``(name, name_format, value)`` or ``(name, value)``; expand short formats."""
        if isinstance(item, AttributeStatement):
            statement = item
        elif len(item) == 3:
            statement = cls(name=item[0], name_format=item[1], value=item[2])
        else:
            statement = cls(name=item[0], value=item[1])
        name_format = NAME_FORMATS.get(statement.name_format.lower(), statement.name_format)
        if not statement.name:
            raise ValueError("an attribute statement needs a name")
        return cls(name=statement.name, value=statement.value, name_format=name_format)


@dataclass(frozen=True)
class SamlApp:
    """A custom SAML 2.0 app integration, with the App Integration Wizard's settings (Okta Apps API names)."""

    id: str
    name: str
    label: str
    external_key: str
    link_id: str
    sso_url: str
    recipient: str
    destination: str
    audience: str
    issuer: str
    default_relay_state: str = ""
    name_id_format: str = NAMEID_EMAIL
    application_username: ApplicationUsername = "okta_username"
    response_signed: bool = True
    assertion_signed: bool = True
    signature_algorithm: SignatureAlgorithm = "RSA_SHA256"
    digest_algorithm: DigestAlgorithm = "SHA256"
    honor_force_authn: bool = True
    attribute_statements: tuple[AttributeStatement, ...] = ()
    # "Assertion Encryption" (Show Advanced Settings): off by default, as in Okta; the certificate is the SP's PEM.
    assertion_encrypted: bool = False
    encryption_algorithm: str = "AES256_CBC"
    key_transport_algorithm: str = "RSA_OAEP"
    encryption_certificate: str = ""
    # "Signature Certificate" (the SP's PEM): validates its signed AuthnRequests and, with SLO, its LogoutRequests.
    signature_certificate: str = ""
    # "Signed Requests": "Validate SAML requests with signature certificates"; off by default, as in Okta.
    request_signed: bool = False
    # "Enable Single Logout" (Show Advanced Settings): where Okta sends LogoutRequests/LogoutResponses for this app
    # ("Single Logout URL") and the Issuer the SP's logout messages carry ("SP Issuer"); needs the Signature
    # Certificate, which verifies them.
    slo_enabled: bool = False
    slo_url: str = ""
    sp_issuer: str = ""

    def username_for(self, user: User) -> str:
        """Return the "Application username" for ``user``: the NameID value Okta sends."""
        if self.application_username == "email":
            return user.email
        if self.application_username == "okta_username_prefix":
            return user.login.split("@", 1)[0]
        return user.login


@dataclass(frozen=True)
class SigningKey:
    """One row of the app's "SAML Signing Certificates": exactly one is Active and signs."""

    kid: str
    credential: Credential
    created: datetime
    status: KeyStatus = "Inactive"


@dataclass(frozen=True)
class PendingSso:
    """An SSO request waiting for the user to sign in, kept server-side under a stateToken."""

    app_id: str
    flow: Flow
    request: AuthnRequest | None
    relay_state: str | None
    created: datetime


@dataclass(frozen=True)
class LogEntry:
    """One SSO event: a response issued, or an AuthnRequest/login the IdP refused."""

    time: datetime
    flow: Flow
    app_id: str | None
    user: str | None
    request_id: str | None
    request_xml: bytes | None
    response_xml: bytes | None
    relay_state: str | None
    outcome: Literal["response", "not_assigned", "bad_request"] = "response"
    detail: str = ""
