"""Named setup steps a scenario may take on the deployment before its login (the ``setup`` list).

They change configuration the way an admin would (rotate Okta's certificate, turn SSO off in
JustCall, downgrade the plan...), so the login that follows meets a realistic misconfiguration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from mock_idp.admin.records import GroupAttributeStatement
from mock_idp.keys import make_credential
from saml_harness.deploy.single_logout import single_logout
from saml_harness.deploy.wiring import Deployment, encrypt_assertions, sign_requests, update_trust
from saml_harness.scenarios.catalogue import Op
from saml_xmlns import ATTRNAME_UNSPECIFIED

SetupOp = Callable[..., None]
SETUP_OPS: dict[str, SetupOp] = {}


def setup_op(fn: SetupOp) -> SetupOp:
    """Register ``fn`` under its own name."""
    SETUP_OPS[fn.__name__] = fn
    return fn


BUNDLED_ONLY = frozenset(
    {
        "sp_disable_sso",
        "sp_set_plan",
        "sp_set_domain_verified",
        "sp_allow_idp_initiated",
        "sp_other_account_starts_sign_in",
        "sp_user_belongs_to_another_account",
        "sp_encrypt_assertions",
        "sp_rotate_encryption_certificate",
        "sp_map_group_role",
        "sp_sign_authn_requests",
        "sp_rotate_signing_certificate",
        # Okta encrypts to (validates with) JustCall's own certificate, which only the bundled SP hands out.
        "okta_encrypt_assertions",
        "okta_require_signed_requests",
        "sp_single_logout",
        "okta_single_logout",
    }
)
"""Setup steps that change the bundled SP's own settings; an external target cannot be changed so."""

SIGNS_REQUESTS = frozenset({"sp_sign_authn_requests"})
"""Setup steps after which the SP's AuthnRequest must arrive signed (the query's SigAlg and Signature)."""
ABOUT_SIGNED_REQUESTS = SIGNS_REQUESTS | {"okta_require_signed_requests"}
"""Setup steps whose cases are about the request: its evidence is in the SAMLRequest sent, not in a response."""

NEEDS_TRUST_UPDATE = frozenset({"sp_upload_active_certificate"})
"""Setup steps that tell the SP a new IdP certificate: an external target needs a ``[trust]`` table for them."""


def apply_setup(deployment: Deployment, ops: Iterable[Op], email: str) -> None:
    """Run each ``Op`` of ``ops`` in order; ``email`` is the scenario's user."""
    for op in ops:
        try:
            fn = SETUP_OPS[op.name]
        except KeyError:
            raise KeyError(f"unknown setup op {op.name!r}; known: {sorted(SETUP_OPS)}") from None
        fn(deployment, email, **op.args)


@setup_op
def sp_disable_sso(d: Deployment, email: str) -> None:
    """JustCall admin turns SSO off."""
    d.bundled_sp.enable_sso(d.demo.account.slug, enabled=False)


@setup_op
def sp_set_plan(d: Deployment, email: str, plan: str) -> None:
    """The JustCall account moves to another plan (SSO needs Business)."""
    d.bundled_sp.set_plan(d.demo.account.slug, plan)


@setup_op
def sp_set_domain_verified(d: Deployment, email: str, verified: bool) -> None:
    """The account's email domain loses (or gains) its verification."""
    d.bundled_sp.add_domain(d.demo.account.slug, d.demo.account.domain, verified=verified)


@setup_op
def sp_allow_idp_initiated(d: Deployment, email: str, allowed: bool) -> None:
    """JustCall admin allows or refuses sign-in started from the Okta dashboard."""
    d.bundled_sp.set_allow_idp_initiated(d.demo.account.slug, allowed)


@setup_op
def sp_upload_active_certificate(d: Deployment, email: str) -> None:
    """JustCall admin re-downloads Okta's active certificate and uploads it (the article's fix).

    An external SP is told as its target file's ``[trust]`` says (metadata, a command, or a restart).
    """
    update_trust(d)


@setup_op
def okta_activate_new_key(d: Deployment, email: str, not_before_days: float = -1, not_after_days: float = 3650) -> None:
    """Okta admin generates a certificate with the given validity (days from now) and activates it."""
    now = d.okta.clock()
    # The org's own key source when the harness started it: the next key of the rewindable sequence is distinct
    # from every key the org holds (as a fresh one is), and is not generated again in every test.
    credential = make_credential(
        d.demo.org_name,
        now + timedelta(days=not_before_days),
        now + timedelta(days=not_after_days),
        private_key=d.keys(2048) if d.keys is not None else None,
    )
    key = d.okta.add_key(d.okta_app.id, credential)
    d.okta.activate_key(d.okta_app.id, key.kid)


@setup_op
def okta_rotate_key(d: Deployment, email: str) -> None:
    """Okta admin clicks Generate new certificate, then Activate (JustCall is not told).

    With a stable identity holding a next key, that key is the new one (the same on every run).
    """
    identity = d.identity
    if identity is not None and identity.next_credential is not None:
        key = d.okta.add_key(d.okta_app.id, identity.next_credential, created=identity.next_credential.not_before)
    else:
        key = d.okta.generate_key(d.okta_app.id)
    d.okta.activate_key(d.okta_app.id, key.kid)


@setup_op
def okta_unassign_user(d: Deployment, email: str) -> None:
    """Okta admin removes the user's direct assignment to JustCall."""
    d.okta.unassign_user(d.okta_app.id, d.user_ids[email])


@setup_op
def okta_update_app(d: Deployment, email: str, **settings: Any) -> None:
    """Okta admin edits the JustCall app's SAML settings."""
    d.okta.update_saml_app(d.okta_app.id, **settings)


@setup_op
def sp_encrypt_assertions(d: Deployment, email: str) -> None:
    """JustCall admin turns on Encrypt assertions (Settings -> Security -> Single Sign-On)."""
    encrypt_assertions(d, okta=False)


@setup_op
def okta_encrypt_assertions(
    d: Deployment, email: str, algorithm: str = "AES256_CBC", key_transport: str = "RSA_OAEP"
) -> None:
    """Okta admin sets Assertion Encryption to Encrypted and uploads JustCall's encryption certificate."""
    encrypt_assertions(d, justcall=False, algorithm=algorithm, key_transport=key_transport)


@setup_op
def sp_rotate_encryption_certificate(d: Deployment, email: str) -> None:
    """JustCall admin generates a new encryption certificate and does not upload it to Okta."""
    d.bundled_sp.rotate_encryption_certificate(d.demo.account.slug)


@setup_op
def sp_single_logout(d: Deployment, email: str) -> None:
    """JustCall admin turns Single Logout on and pastes Okta's Single Logout URL."""
    single_logout(d, okta=False)


@setup_op
def okta_single_logout(d: Deployment, email: str) -> None:
    """Okta admin enables Single Logout: JustCall's SLO URL and SP Issuer, its signing certificate uploaded."""
    single_logout(d, justcall=False)


@setup_op
def sp_sign_authn_requests(d: Deployment, email: str) -> None:
    """JustCall admin turns on Sign AuthnRequests (Settings -> Security -> Single Sign-On)."""
    sign_requests(d, okta=False)


@setup_op
def okta_require_signed_requests(d: Deployment, email: str) -> None:
    """Okta admin uploads JustCall's signing certificate as the Signature Certificate and ticks Signed Requests."""
    sign_requests(d, justcall=False)


@setup_op
def sp_rotate_signing_certificate(d: Deployment, email: str) -> None:
    """JustCall admin generates a new signing certificate and does not upload it to Okta."""
    d.bundled_sp.rotate_signing_certificate(d.demo.account.slug)


@setup_op
def okta_group_statement(
    d: Deployment, email: str, name: str = "groups", filter_type: str = "STARTS_WITH", filter_value: str = "JustCall"
) -> None:
    """Okta admin adds a Group Attribute Statement (Name, Filter) to the JustCall app."""
    statement = GroupAttributeStatement(name, ATTRNAME_UNSPECIFIED, filter_type, filter_value)
    d.okta.update_app_integration(d.okta_app.id, group_attribute_statements=[statement])


@setup_op
def okta_add_user_to_group(d: Deployment, email: str, group: str) -> None:
    """Okta admin puts the scenario's user in ``group`` (created if the org has no such group)."""
    found = next((g for g in d.okta.groups() if g.name == group), None) or d.okta.add_group(group)
    d.okta.add_user_to_group(found.id, d.user_ids[email])


@setup_op
def sp_map_group_role(d: Deployment, email: str, group: str, role: str, every_login: bool = False) -> None:
    """JustCall admin maps an Okta group to a role (Roles from Okta groups)."""
    errors = d.bundled_sp.set_group_roles(d.demo.account.slug, [(group, role)], every_login)
    if errors:
        raise ValueError(f"JustCall refused the group mapping: {errors}")


@setup_op
def sp_other_account_starts_sign_in(d: Deployment, email: str) -> None:
    """Another JustCall account (Initech, on the same Okta org) has a person start Sign in with SSO.

    Its AuthnRequest stays pending at JustCall; its ID is the ``{other_account_request_id}`` placeholder, so a
    response can claim to answer it.
    """
    import requests
    from lxml import etree

    from saml_harness.agent.trace import saml_from_query

    other = next(a for a in d.demo.other_accounts if a.plan == "business")
    d.bundled_sp.add_domain(other.slug, other.domain, verified=True)
    d.bundled_sp.enable_sso(other.slug)
    result = d.bundled_sp.configure_sso(
        other.slug,
        idp_sso_url=d.okta.sso_url(d.okta_app),
        idp_issuer=d.okta.issuer(d.okta_app),
        certificate=d.okta.active_certificate_pem(d.okta_app.id),
        default_role=d.demo.default_role,
    )
    if result.errors:
        raise RuntimeError(f"JustCall refused {other.slug}'s SSO configuration: {result.errors}")
    started = requests.get(
        f"{d.sp_url}/login/sso", params={"email": f"someone@{other.domain}"}, allow_redirects=False, timeout=10
    )
    messages = saml_from_query(started.headers.get("Location", ""))
    if started.status_code != 302 or not messages or messages[0].xml is None:
        raise RuntimeError(f"{other.slug}'s Sign in with SSO sent no AuthnRequest (HTTP {started.status_code})")
    request_id = etree.fromstring(messages[0].xml).get("ID")
    if not request_id:
        raise RuntimeError(f"{other.slug}'s AuthnRequest has no ID")
    d.scenario_values["other_account_request_id"] = request_id


@setup_op
def sp_user_belongs_to_another_account(d: Deployment, email: str) -> None:
    """The scenario's person already has a JustCall user, in another account (Globex), under the same email."""
    person = next(p for p in d.demo.people if p.email == email)
    other = d.demo.other_accounts[0]
    d.bundled_sp.add_user(other.slug, email, person.first_name, person.last_name, "Agent")
