"""Named setup steps a scenario may take on the deployment before its login (the ``setup`` list).

They change configuration the way an admin would (rotate Okta's certificate, turn SSO off in
JustCall, downgrade the plan...), so the login that follows meets a realistic misconfiguration.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from saml_harness.deploy.wiring import Deployment, configure_justcall, write_idp_trust

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
    }
)
"""Setup steps that change the bundled SP's own settings; an external target cannot be changed so."""


def apply_setup(deployment: Deployment, ops: Any, email: str) -> None:
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
    d.justcall.enable_sso(d.demo.account.slug, enabled=False)


@setup_op
def sp_set_plan(d: Deployment, email: str, plan: str) -> None:
    """The JustCall account moves to another plan (SSO needs Business)."""
    d.justcall.set_plan(d.demo.account.slug, plan)


@setup_op
def sp_set_domain_verified(d: Deployment, email: str, verified: bool) -> None:
    """The account's email domain loses (or gains) its verification."""
    d.justcall.add_domain(d.demo.account.slug, d.demo.account.domain, verified=verified)


@setup_op
def sp_allow_idp_initiated(d: Deployment, email: str, allowed: bool) -> None:
    """JustCall admin allows or refuses sign-in started from the Okta dashboard."""
    d.justcall.set_allow_idp_initiated(d.demo.account.slug, allowed)


@setup_op
def sp_upload_active_certificate(d: Deployment, email: str) -> None:
    """JustCall admin re-downloads Okta's active certificate and uploads it (the article's fix)."""
    if d.justcall is None:
        if d.trust_dir is not None:
            write_idp_trust(d, d.trust_dir)
        return
    configure_justcall(d.justcall, d.demo, d.okta, d.app)


@setup_op
def okta_activate_new_key(d: Deployment, email: str, not_before_days: float = -1, not_after_days: float = 3650) -> None:
    """Okta admin generates a certificate with the given validity (days from now) and activates it."""
    from mock_idp.keys import make_credential

    now = d.okta.clock()
    # The org's own key source when the harness started it: the next key of the rewindable sequence is distinct
    # from every key the org holds (as a fresh one is), and is not generated again in every test (~0.1 s each).
    credential = make_credential(
        d.demo.org_name,
        now + timedelta(days=not_before_days),
        now + timedelta(days=not_after_days),
        private_key=d.keys(2048) if d.keys is not None else None,
    )
    key = d.okta.add_key(d.app.id, credential)
    d.okta.activate_key(d.app.id, key.kid)


@setup_op
def okta_rotate_key(d: Deployment, email: str) -> None:
    """Okta admin clicks Generate new certificate, then Activate (JustCall is not told)."""
    key = d.okta.generate_key(d.app.id)
    d.okta.activate_key(d.app.id, key.kid)


@setup_op
def okta_unassign_user(d: Deployment, email: str) -> None:
    """Okta admin removes the user's direct assignment to JustCall."""
    d.okta.unassign_user(d.app.id, d.user_ids[email])


@setup_op
def okta_update_app(d: Deployment, email: str, **settings: Any) -> None:
    """Okta admin edits the JustCall app's SAML settings."""
    d.okta.update_saml_app(d.app.id, **settings)


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
    d.justcall.add_domain(other.slug, other.domain, verified=True)
    d.justcall.enable_sso(other.slug)
    result = d.justcall.configure_sso(
        other.slug,
        idp_sso_url=d.okta.sso_url(d.app),
        idp_issuer=d.okta.issuer(d.app),
        certificate=d.okta.active_certificate_pem(d.app.id),
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
    d.justcall.add_user(other.slug, email, person.first_name, person.last_name, "Agent")
