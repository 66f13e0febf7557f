"""Start the mock Okta org and the bundled JustCall SP on loopback and wire them as the article's Steps 1-5 do."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saml_harness import xmlns
from saml_harness.demo import ASSIGNED_GROUPS, Demo, build_demo
from saml_harness.flows import Credentials, IdpSide, Target
from saml_harness.live import LiveServer


@dataclass
class Deployment:
    """Both live servers, their in-process handles, and the demo they were seeded with."""

    demo: Demo
    idp_server: LiveServer
    sp_server: LiveServer
    okta: Any
    """``mock_idp.org.Org`` of the IdP app."""
    justcall: Any
    """``justcall_sp.service.JustCall`` facade of the SP app."""
    app: Any
    """The JustCall ``SamlApp`` in the Okta org."""
    api_token: str
    user_ids: dict[str, str] = field(default_factory=dict)
    group_ids: dict[str, str] = field(default_factory=dict)
    _okta_snapshot: Any = None

    @property
    def idp_url(self) -> str:
        return self.idp_server.url

    @property
    def sp_url(self) -> str:
        return self.sp_server.url

    @property
    def target(self) -> Target:
        acs_url, entity_id = self.justcall.sso_urls(self.demo.account.slug)
        return Target(
            name="bundled",
            sp_url=self.sp_url,
            acs_url=acs_url,
            entity_id=entity_id,
            sso_start_url=f"{self.sp_url}/login/sso",
            me_url=f"{self.sp_url}/api/me",
            activity_url=f"{self.sp_url}/api/sso/activity",
            api_token=self.api_token,
        )

    @property
    def idp(self) -> IdpSide:
        return IdpSide(
            url=self.idp_url,
            dashboard_url=f"{self.idp_url}/app/UserHome",
            app_label=self.app.label,
            embed_link=self.okta.embed_link(self.app.id),
        )

    def trusted_certificate_der(self) -> bytes | None:
        """Return the IdP certificate JustCall currently trusts (DER), if one is configured."""
        der = self.justcall.pinned_certificate(self.demo.account.slug)
        return None if der is None else bytes(der)

    def credentials(self, role: str) -> Credentials:
        """Return the Okta credentials of the demo person cast in ``role``."""
        person = self.demo.person(role)
        return Credentials(person.email, person.password)

    def reset(self) -> None:
        """Bring both sides back to the freshly wired state (between tests)."""
        self.okta.restore(self._okta_snapshot)
        self.justcall.reset()
        seed_justcall(self.justcall, self.demo)
        configure_justcall(self.justcall, self.demo, self.okta, self.app)

    def stop(self) -> None:
        self.idp_server.stop()
        self.sp_server.stop()


def seed_okta(okta: Any, demo: Demo) -> tuple[dict[str, str], dict[str, str]]:
    """Create the demo people and groups in the Okta org; return their ids by email and by name."""
    group_ids = {name: okta.add_group(name).id for name in demo.groups}
    user_ids: dict[str, str] = {}
    for person in demo.people:
        user = okta.add_user(person.email, person.first_name, person.last_name, person.password)
        user_ids[person.email] = user.id
        for group in person.groups:
            okta.add_user_to_group(group_ids[group], user.id)
    return user_ids, group_ids


def seed_justcall(justcall: Any, demo: Demo) -> None:
    """Create the demo JustCall accounts, domains and pre-existing users."""
    for account in (demo.account, *demo.other_accounts):
        justcall.create_account(account.slug, account.name, plan=account.plan)
        justcall.add_domain(account.slug, account.domain, verified=account.domain_verified)
        for user in account.users:
            justcall.add_user(
                account.slug,
                user.email,
                user.first_name,
                user.last_name,
                user.role,
                password=user.password,
                is_owner=user.is_owner,
            )


def create_okta_app(okta: Any, demo: Demo, acs_url: str, entity_id: str) -> Any:
    """Step 2: create the SAML app integration with the values copied from JustCall."""
    return okta.create_saml_app(
        label=demo.app_label,
        sso_url=acs_url,
        audience=entity_id,
        name_id_format=xmlns.NAMEID_EMAIL,
        application_username="okta_username",
        attribute_statements=[(name, xmlns.ATTRNAME_UNSPECIFIED, value) for name, value in demo.attribute_statements],
    )


def configure_justcall(justcall: Any, demo: Demo, okta: Any, app: Any) -> None:
    """Steps 1, 3 and 4 on the JustCall side: enable SSO and enter Okta's SSO URL, Issuer and certificate."""
    slug = demo.account.slug
    justcall.enable_sso(slug)
    result = justcall.configure_sso(
        slug,
        idp_sso_url=okta.sso_url(app),
        idp_issuer=okta.issuer(app),
        certificate=okta.active_certificate_pem(app.id),
        default_role=demo.default_role,
    )
    if result.errors:
        raise RuntimeError(f"JustCall refused the SSO configuration: {result.errors}")


def assign_people(okta: Any, demo: Demo, app: Any, user_ids: dict[str, str], group_ids: dict[str, str]) -> None:
    """Step 5: assign people directly and the Sales group."""
    for person in demo.people:
        if person.assigned_directly:
            okta.assign_user(app.id, user_ids[person.email])
        if person.status == "DEACTIVATED":
            okta.deactivate_user(user_ids[person.email])
    for group in ASSIGNED_GROUPS:
        okta.assign_group(app.id, group_ids[group])


def start_deployment(
    database_url: str | None = None,
    instance_path: Path | None = None,
    host: str = "127.0.0.1",
    idp_port: int = 0,
    sp_port: int = 0,
    demo: Demo | None = None,
    wire: bool = True,
) -> Deployment:
    """Start both apps on ``host`` and, unless ``wire`` is false, wire them as the help article says."""
    from justcall_sp import create_app as create_sp
    from mock_idp import create_app as create_idp

    demo = demo or build_demo()
    api_token = secrets.token_urlsafe(24)
    idp_app = create_idp({"ORG_NAME": demo.org_name, "SECRET_KEY": secrets.token_hex(16)})
    idp_server = LiveServer(idp_app, host, idp_port)
    idp_app.config["PUBLIC_URL"] = idp_server.url
    idp_app.extensions["mock_okta"].public_url = idp_server.url
    sp_config: dict[str, Any] = {"SECRET_KEY": secrets.token_hex(16), "API_TOKEN": api_token}
    if database_url:
        sp_config["DATABASE_URL"] = database_url
    sp_app = create_sp(sp_config) if instance_path is None else _create_sp_in(create_sp, sp_config, instance_path)
    sp_server = LiveServer(sp_app, host, sp_port)
    sp_app.config["PUBLIC_URL"] = sp_server.url
    okta = idp_app.extensions["mock_okta"]
    justcall = sp_app.extensions["justcall"]

    user_ids, group_ids = seed_okta(okta, demo)
    seed_justcall(justcall, demo)
    app = None
    if wire:
        acs_url, entity_id = justcall.sso_urls(demo.account.slug)
        app = create_okta_app(okta, demo, acs_url, entity_id)
        assign_people(okta, demo, app, user_ids, group_ids)
        configure_justcall(justcall, demo, okta, app)
    deployment = Deployment(
        demo, idp_server, sp_server, okta, justcall, app, api_token, user_ids, group_ids, okta.snapshot()
    )
    idp_server.start()
    sp_server.start()
    return deployment


def _create_sp_in(create_sp: Any, config: dict[str, Any], instance_path: Path) -> Any:
    config.setdefault("DATABASE_URL", f"sqlite:///{instance_path / 'justcall.sqlite3'}")
    return create_sp(config)
