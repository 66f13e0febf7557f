"""Figure 1, IdP signing: Okta responses with both signatures per second on one core, in process.

Subject: ``mock_idp.pipeline.issue`` (the pipeline the SSO view runs: build the Okta-shaped Response, sign the
Assertion, then the Response, serialize) plus the base64 the auto-POST form carries, for an SP-initiated login
with the demo app's three attribute statements.
Reference: one RSA-2048 PKCS#1 v1.5 SHA-256 signature with ``cryptography`` (same key, a SignedInfo-sized
message); the bound is 1 / (2 x that time), since every response needs two signatures.
Both are measured in alternating rounds in this process; the ratio is the median of the per-round ratios.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.stats import Figure, Target, paired_rates

TARGET = Target(">=", 0.6)


@dataclass
class IdpSetup:
    """An org with the JustCall app and one assigned user, and a ready Login."""

    org: Any
    app: Any
    user: Any
    credential: Any

    def login(self, request_id: str | None = "_bench-request") -> Any:
        from mock_idp.pipeline import Login

        return Login(app=self.app, user=self.user, auth_time=self.org.clock(), request_id=request_id)


def make_setup() -> IdpSetup:
    import saml_xmlns as xmlns
    from mock_idp.org import Org

    org = Org("acme", "http://127.0.0.1:5000", clock=lambda: datetime.now(UTC))
    user = org.add_user("ann.lee@acme.example", "Ann", "Lee", "correct horse battery")
    app = org.create_saml_app(
        label="JustCall",
        sso_url="http://127.0.0.1:6000/sso/saml/acme/acs",
        audience="http://127.0.0.1:6000/sso/saml/acme",
        name_id_format=xmlns.NAMEID_EMAIL,
        application_username="okta_username",
        attribute_statements=[
            ("email", xmlns.ATTRNAME_UNSPECIFIED, "user.email"),
            ("firstName", xmlns.ATTRNAME_UNSPECIFIED, "user.firstName"),
            ("lastName", xmlns.ATTRNAME_UNSPECIFIED, "user.lastName"),
        ],
    )
    org.assign_user(app.id, user.id)
    return IdpSetup(org, app, user, org.signing_credential(app.id))


def issue_once(setup: IdpSetup, *, use_signxml: bool = False) -> str:
    """Run the IdP pipeline once and return the SAMLResponse form value."""
    from mock_idp import pipeline
    from mock_idp.faults import FaultPlan

    if not use_signxml:
        issued = pipeline.issue(setup.login(), FaultPlan(), setup.credential, now=setup.org.clock(), ids=setup.org.ids)
        return issued.b64
    # The reference implementation (signxml for both signatures), for the profile and the README's comparison.
    original = pipeline.sign_response
    pipeline.sign_response = lambda root, settings, **_: original(root, settings, use_signxml=True)  # type: ignore[assignment]
    try:
        issued = pipeline.issue(setup.login(), FaultPlan(), setup.credential, now=setup.org.clock(), ids=setup.org.ids)
    finally:
        pipeline.sign_response = original  # type: ignore[assignment]
    return issued.b64


def rsa_sign_once(setup: IdpSetup, message: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

    signature: bytes = setup.credential.private_key.sign(message, PKCS1v15(), hashes.SHA256())
    return signature


SIGNED_INFO_SIZE = 1_000
"""Bytes signed by the reference: about the size of an exclusive-c14n SignedInfo (the hash cost is negligible)."""


def run(*, rounds: int = 7, seconds: float = 0.6, with_signxml: bool = True) -> list[Figure]:
    setup = make_setup()
    message = b"x" * SIGNED_INFO_SIZE
    issue_once(setup)  # warm caches (templates, parsers)
    paired = paired_rates(
        lambda: issue_once(setup), lambda: rsa_sign_once(setup, message), rounds=rounds, seconds=seconds
    )
    bound = paired.reference_rate / 2
    details: dict[str, Any] = {
        "rsa_signatures_per_s": paired.reference_rate,
        "bound_responses_per_s": bound,
        "round_ratios": [r / 2 for r in paired.ratios],
        "response_bytes": len(issue_once(setup)) * 3 // 4,
    }
    if with_signxml:
        reference_impl = paired_rates(
            lambda: issue_once(setup, use_signxml=True),
            lambda: rsa_sign_once(setup, message),
            rounds=max(3, rounds // 2),
            seconds=seconds,
        )
        details["signxml_responses_per_s"] = reference_impl.subject_rate
        details["signxml_ratio"] = reference_impl.ratio * 2
    return [
        Figure(
            key="idp",
            label="IdP: Okta responses (2 signatures) per s, one core",
            value=paired.subject_rate,
            unit="responses/s",
            reference_label="1 / (2 x RSA-2048 PKCS#1 v1.5 SHA-256 sign)",
            reference_value=bound,
            # Ratio to the bound: the median of the per-round ratios (subject / (reference / 2)).
            ratio=paired.ratio * 2,
            target=TARGET,
            details=details,
        )
    ]
