"""Build a mock Okta org in process and issue responses with fault plans, for the attack-op unit tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from mock_idp import create_app
from mock_idp.faults import FaultPlan
from mock_idp.keys import Credential, make_credential
from mock_idp.model import SamlApp, User
from mock_idp.org import Org
from mock_idp.pipeline import Login, issue
from saml_harness.scenarios.catalogue import Scenario
from saml_harness.scenarios.runner import fault_plan

ACS_URL = "http://127.0.0.1:6000/sso/saml/acme/acs"
SP_ENTITY_ID = "http://127.0.0.1:6000/sso/saml/acme"
EMAIL = "dana.lee@acme.example"
ATTRIBUTES = [
    ("email", "unspecified", "user.email"),
    ("firstName", "unspecified", "user.firstName"),
    ("lastName", "unspecified", "user.lastName"),
]


@dataclass
class Idp:
    """An in-process mock Okta org with one JustCall app and one assigned user."""

    org: Org
    app: SamlApp
    user: User

    @classmethod
    def create(cls) -> Idp:
        flask_app = create_app({"PUBLIC_URL": "http://127.0.0.1:5000"})
        org: Org = flask_app.extensions["mock_okta"]
        user = org.add_user(EMAIL, "Dana", "Lee", "pw")
        app = org.create_saml_app(
            label="JustCall", sso_url=ACS_URL, audience=SP_ENTITY_ID, attribute_statements=ATTRIBUTES
        )
        org.assign_user(app.id, user.id)
        return cls(org, app, user)

    @cached_property
    def certificate_der(self) -> bytes:
        return self.org.active_key(self.app.id).credential.certificate.public_bytes(Encoding.DER)

    def issue(self, plan: FaultPlan | None = None, request_id: str | None = None) -> bytes:
        """Return the serialized response the SSO endpoint would send under ``plan``."""
        plan = plan or FaultPlan()
        login = Login(app=self.app, user=self.user, auth_time=self.org.clock(), request_id=request_id)
        credential = self.org.signing_credential(self.app.id, plan.signing.get("key"))
        return issue(login, plan, credential, now=self.org.clock(), ids=self.org.ids).xml

    @property
    def placeholders(self) -> dict[str, str]:
        issuer = self.org.issuer(self.app)
        return {
            "sp_url": "http://127.0.0.1:6000",
            "sp_entity_id": SP_ENTITY_ID,
            "sp_entity_id_upper": SP_ENTITY_ID.upper(),
            "acs_url": ACS_URL,
            "acs_url_https": ACS_URL.replace("http://", "https://"),
            "idp_issuer": issuer,
            "idp_issuer_https": issuer.replace("http://", "https://"),
            "email": EMAIL,
            "email_upper": EMAIL.upper(),
            "local_part": EMAIL.split("@")[0],
        }

    def issue_for(self, scenario: Scenario) -> bytes:
        """Issue the response ``scenario`` describes (its plan, placeholders filled); SP-initiated if it must be."""
        plan = fault_plan(scenario, self.placeholders) or FaultPlan()
        request_id = "_request" if scenario.flows == ("sp_initiated",) else None
        app = self.app
        for op in scenario.setup:
            if op.name == "okta_encrypt_assertions":
                # The Okta half of the setup step, with a stand-in for JustCall's encryption certificate.
                self.app = self.org.update_saml_app(
                    app.id,
                    assertion_encrypted=True,
                    encryption_certificate=self.sp_encryption_certificate,
                    encryption_algorithm=op.args.get("algorithm", "AES256_CBC"),
                    key_transport_algorithm=op.args.get("key_transport", "RSA_OAEP"),
                )
        try:
            return self.issue(plan, request_id)
        finally:
            self.app = app

    @cached_property
    def sp_encryption_credential(self) -> Credential:
        now = datetime.now(UTC)
        return make_credential("justcall-encryption", now - timedelta(days=1), now + timedelta(days=365))

    @property
    def sp_encryption_certificate(self) -> str:
        return self.sp_encryption_credential.cert_pem.decode("ascii")

    def sp_decryption_key(self) -> rsa.RSAPrivateKey:
        """The stand-in SP's decryption key, for the evidence checks that open the ciphertext."""
        return self.sp_encryption_credential.private_key
