"""Turn one login into a SAMLResponse: build -> pre_sign ops -> sign -> post_sign ops -> serialize -> base64.

With Assertion Encryption the sign step is Okta's sign-then-encrypt (SAMLCore 6.2): sign the Assertion,
encrypt it into an EncryptedAssertion, then sign the Response over the ciphertext.

``issue`` is pure (values in, bytes out); ``resolve_signing`` and ``login_context`` read the org so the
views stay thin.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mock_idp.admin.records import GroupAttributeStatement
from mock_idp.assertion import Attribute, ResponseParams, StatusCode, build_response, serialize, truncate_ms
from mock_idp.encryption import encrypt_assertion, settings_for
from mock_idp.faults import FaultPlan, OpContext, apply_ops, status_codes
from mock_idp.group_statements import group_attributes
from mock_idp.ids import IdFactory
from mock_idp.keys import Credential
from mock_idp.model import SamlApp, User
from mock_idp.signing import SigningSettings, sign_response
from saml_xmlns import STATUS_SUCCESS


@dataclass(frozen=True)
class Login:
    """Who signs in to which app, when they authenticated, and the request being answered (if any)."""

    app: SamlApp
    user: User
    auth_time: datetime
    request_id: str | None = None
    group_names: tuple[str, ...] = ()
    """The names of the person's groups (what Group Attribute Statements filter)."""
    group_statements: tuple[GroupAttributeStatement, ...] = ()
    """The app's Group Attribute Statements."""


@dataclass(frozen=True)
class IssuedResponse:
    """The serialized Response, its base64 form for the POST binding, and its IDs."""

    xml: bytes
    response_id: str
    assertion_id: str | None
    issue_instant: datetime
    session_index: str = ""
    """The AuthnStatement's SessionIndex (Single Logout names the session by it)."""

    @property
    def b64(self) -> str:
        """Return the value of the ``SAMLResponse`` form field (SAMLBind 3.5.4: base64, no DEFLATE)."""
        return base64.b64encode(self.xml).decode("ascii")


def response_params(login: Login, now: datetime, ids: IdFactory, plan: FaultPlan) -> ResponseParams:
    """Derive the Response's values from the app settings, the user profile and the request."""
    app, user = login.app, login.user
    response_id, assertion_id = ids.saml_ids()
    offset = timedelta(seconds=plan.clock_offset_seconds)
    status = None
    if plan.status is not None:
        top, second = status_codes(plan.status)
        if top != STATUS_SUCCESS:
            status = StatusCode(top=top, second=second, message=plan.status_message)
    return ResponseParams(
        response_id=response_id,
        assertion_id=assertion_id,
        issue_instant=now,
        issuer=app.issuer,
        destination=app.destination,
        recipient=app.recipient,
        audience=app.audience,
        name_id=app.username_for(user),
        name_id_format=app.name_id_format,
        # AuthnInstant is when the user signed in to Okta, not when the response is made (as in real Okta responses).
        auth_instant=truncate_ms(login.auth_time + offset),
        # SessionIndex: the AuthnRequest ID for SP-initiated logins, id<epoch ms>.<digits> for IdP-initiated.
        session_index=login.request_id if login.request_id is not None else ids.session_index(now),
        attributes=tuple(
            Attribute(name=s.name, name_format=s.name_format, values=(user.profile_value(s.value),))
            for s in app.attribute_statements
        )
        + group_attributes(login.group_statements, login.group_names),
        in_response_to=login.request_id,
        status=status,
    )


def signing_settings(app: SamlApp, plan: FaultPlan, credential: Credential) -> SigningSettings:
    """Merge the app's signing settings with the plan's overrides (digest follows algorithm if omitted)."""
    overrides = plan.signing
    algorithm = str(overrides.get("algorithm", app.signature_algorithm))
    default_digest = "SHA1" if algorithm == "RSA_SHA1" and "algorithm" in overrides else app.digest_algorithm
    return SigningSettings(
        credential=credential,
        response_signed=bool(overrides.get("response_signed", app.response_signed)),
        assertion_signed=bool(overrides.get("assertion_signed", app.assertion_signed)),
        signature_algorithm=algorithm,
        digest_algorithm=str(overrides.get("digest", default_digest)),
    )


def issue(login: Login, plan: FaultPlan, credential: Credential, *, now: datetime, ids: IdFactory) -> IssuedResponse:
    """Run the whole pipeline for one login; ``now`` is the org clock (the plan may skew it)."""
    now = truncate_ms(now + timedelta(seconds=plan.clock_offset_seconds))
    params = response_params(login, now, ids, plan)
    root = build_response(params)
    ctx = OpContext(
        app=login.app,
        user=login.user,
        sp_entity_id=login.app.audience,
        acs_url=login.app.sso_url,
        idp_issuer=login.app.issuer,
        request_id=login.request_id,
        now=now,
        credential=credential,
    )
    apply_ops(root, plan.pre_sign, ctx, "pre_sign")
    # No pre-sign ops: the tree is exactly what build_response made, so the signer can skip its shape checks.
    settings = signing_settings(login.app, plan, credential)
    encryption = settings_for(login.app, plan.signing)
    if encryption is None:
        root = sign_response(root, settings, pristine=not plan.pre_sign)
    else:
        root = sign_response(root, replace(settings, response_signed=False), pristine=not plan.pre_sign)
        encrypt_assertion(root, encryption)
        root = sign_response(root, replace(settings, assertion_signed=False))
    apply_ops(root, plan.post_sign, ctx, "post_sign")
    return IssuedResponse(
        xml=serialize(root, plan.signing.get("encoding", "UTF-8")),
        response_id=params.response_id,
        assertion_id=params.assertion_id if params.status is None else None,
        issue_instant=now,
        session_index=params.session_index,
    )
