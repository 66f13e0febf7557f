"""Start the mock Okta org and the bundled JustCall SP on loopback and wire them as the article's Steps 1-5 do."""

from __future__ import annotations

import os
import secrets
import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask

import saml_xmlns as xmlns
from justcall_sp import create_app as create_sp
from justcall_sp.db import DatabaseSnapshot
from justcall_sp.service import JustCall
from mock_idp import create_app as create_idp
from mock_idp.keys import generate_rsa_key
from mock_idp.model import SamlApp
from mock_idp.org import Org, OrgSnapshot
from saml_harness.agent.flows import Credentials, IdpSide, Target
from saml_harness.deploy.clock import MovableClock, move_external_clock
from saml_harness.deploy.demo import ASSIGNED_GROUPS, Demo, build_demo
from saml_harness.deploy.idp_state import IdpIdentity, load_identity
from saml_harness.deploy.launch import LaunchedSp, run_trust_command
from saml_harness.deploy.live import LiveServer
from saml_harness.deploy.targets import TargetSpec
from saml_harness.deploy.trust import create_trust_app


class RewindableKeys:
    """The IdP's RSA key source: keys handed out in order, and handed out again after ``rewind``.

    Why: rotating Okta's key (the ``okta_rotate_key`` setup step) generates a 2048-bit RSA key, which is costly
    (README "Performance"), in every test that rotates. The per-test reset restores the org to the state
    taken at ``mark`` (right after wiring), which holds only the keys handed out before it; rewinding to the
    mark makes the next keys the same as in the previous test, still distinct from every key the org holds.
    """

    def __init__(self) -> None:
        self._keys: dict[int, list[rsa.RSAPrivateKey]] = {}
        self._next: dict[int, int] = {}
        self._marked: dict[int, int] = {}
        self._lock = threading.Lock()

    def __call__(self, key_size: int) -> rsa.RSAPrivateKey:
        with self._lock:
            keys = self._keys.setdefault(key_size, [])
            index = self._next.get(key_size, 0)
            self._next[key_size] = index + 1
            if index == len(keys):
                keys.append(generate_rsa_key(key_size))
            return keys[index]

    def mark(self) -> None:
        with self._lock:
            self._marked = dict(self._next)

    def rewind(self) -> None:
        with self._lock:
            self._next = dict(self._marked)


@dataclass
class Deployment:
    """Both live servers, their in-process handles, and the demo they were seeded with."""

    demo: Demo
    idp_server: LiveServer
    sp_server: LiveServer | None
    """The bundled SP's server; None when the suites run against an external target."""
    okta: Org
    """The IdP app's org (its in-process admin API)."""
    justcall: JustCall | None
    """The bundled SP's facade; None for an external target."""
    app: SamlApp | None
    """The JustCall app integration in the Okta org; None before Step 2 (``serve --fresh``)."""
    api_token: str
    """Bearer token of the bundled SP's JSON admin API (activity log)."""
    user_ids: dict[str, str] = field(default_factory=dict)
    group_ids: dict[str, str] = field(default_factory=dict)
    _okta_snapshot: OrgSnapshot | None = None
    external: TargetSpec | None = None
    """The external target the suites run against, if any."""
    launched: LaunchedSp | None = None
    trust_dir: Path | None = None
    """Where the IdP metadata and certificate for an external SP are written."""
    idp_api_token: str = ""
    """An SSWS token for the mock Okta Admin API (acts as Super Admin)."""
    _justcall_snapshot: DatabaseSnapshot | None = None
    """Every SP row right after wiring: restoring it is much cheaper than seeding again (README "Performance")."""
    keys: RewindableKeys | None = None
    """The IdP's key source, rewound with the org on reset (None: the IdP generates every key afresh)."""
    identity: IdpIdentity | None = None
    """The stable org identity the IdP was started with (``--idp-state``), if any."""
    trust_server: LiveServer | None = None
    """Serves the trusted IdP metadata at ``{idp_metadata_url}`` (external targets)."""
    trust_values: dict[str, str] = field(default_factory=dict)
    """The ``[launch]`` / ``[trust]`` placeholders."""
    _trust_changed: bool = False
    """A scenario updated the SP's trust: the reset must tell the SP the original certificate again."""
    clock: MovableClock = field(default_factory=MovableClock)
    """The IdP's clock (and the bundled SP's): moved by ``let_time_pass``, back to real time on reset."""
    scenario_values: dict[str, str] = field(default_factory=dict)
    """Placeholder values a scenario's setup steps produced (e.g. another account's request ID); reset clears."""

    @property
    def sp_clock_movable(self) -> bool:
        """Whether time can pass for the SP under test (the bundled SP, or a target with a clock control URL)."""
        return self.bundled or self.target.claims.clock_control_url is not None

    def let_time_pass(self, seconds: float) -> None:
        """Move every clock of the deployment ``seconds`` forward: the IdP's, and the SP's (its own or by URL)."""
        if not self.sp_clock_movable:
            raise RuntimeError(f"cannot move {self.target.name!r}'s clock: it names no [claims] clock_control_url")
        self.clock.advance(seconds)
        if self.external is not None and self.external.target.claims.clock_control_url is not None:
            move_external_clock(self.external.target.claims.clock_control_url, self.clock.offset_seconds)

    def stop_sp_clock_at(self, instant: datetime) -> None:
        """Stop the SP's clock (and the IdP's) at ``instant``: only the bundled SP's clock can stop."""
        if not self.bundled:
            raise RuntimeError(f"cannot stop {self.target.name!r}'s clock: only the bundled SP's clock stops")
        self.clock.stop_at(instant)

    @property
    def bundled(self) -> bool:
        """Whether the SP under test is the bundled JustCall SP (reason codes, SP-side setup available)."""
        return self.external is None

    @property
    def bundled_sp(self) -> JustCall:
        """The bundled SP's facade, for SP-side setup (which an external target does not offer)."""
        if self.justcall is None:
            raise RuntimeError("the SP under test is an external target: JustCall-side setup is not available")
        return self.justcall

    @property
    def okta_app(self) -> SamlApp:
        """The JustCall app integration in the Okta org, once Step 2 created it."""
        if self.app is None:
            raise RuntimeError("the JustCall app integration does not exist in the Okta org yet (Step 2)")
        return self.app

    @property
    def idp_url(self) -> str:
        return self.idp_server.url

    @property
    def sp_url(self) -> str:
        return self.target.sp_url

    @property
    def target(self) -> Target:
        if self.external is not None:
            return self.external.target
        assert self.sp_server is not None and self.justcall is not None
        acs_url, entity_id = self.justcall.sso_urls(self.demo.account.slug)
        sp_url = self.sp_server.url
        return Target(
            name="bundled",
            sp_url=sp_url,
            acs_url=acs_url,
            entity_id=entity_id,
            sso_start_url=f"{sp_url}/login/sso",
            me_url=f"{sp_url}/api/me",
            activity_url=f"{sp_url}/api/sso/activity",
            api_token=self.api_token,
            bundled=True,
        )

    @property
    def idp(self) -> IdpSide:
        return IdpSide(
            url=self.idp_url,
            dashboard_url=f"{self.idp_url}/app/UserHome",
            app_label=self.demo.app_label,
            embed_link=self.okta.embed_link(self.app.id) if self.app is not None else None,
        )

    def trusted_certificate_der(self) -> bytes | None:
        """Return the IdP certificate JustCall currently trusts (DER), if known (bundled SP only)."""
        if self.justcall is None:
            return None
        der = self.justcall.pinned_certificate(self.demo.account.slug)
        return None if der is None else bytes(der)

    def sp_decryption_key(self) -> rsa.RSAPrivateKey | None:
        """Return the key JustCall decrypts assertions with (bundled SP only), for evidence checks; else None."""
        return None if self.justcall is None else self.justcall.decryption_key(self.demo.account.slug)

    def credentials(self, role: str) -> Credentials:
        """Return the Okta credentials of the demo person cast in ``role``."""
        person = self.demo.person(role)
        return Credentials(person.email, person.password)

    def reset(self) -> None:
        """Bring both sides back to the freshly wired state (between tests)."""
        self.scenario_values.clear()
        if self.clock.moved:
            self.clock.reset()
            if self.external is not None and self.external.target.claims.clock_control_url is not None:
                move_external_clock(self.external.target.claims.clock_control_url, 0)
        if self._okta_snapshot is not None:
            self.okta.restore(self._okta_snapshot)
        if self.keys is not None:
            self.keys.rewind()
        if self.trust_dir is not None:
            write_idp_trust(self, self.trust_dir)
            if self._trust_changed:
                self._trust_changed = False
                _tell_sp(self)
        if self.justcall is not None:
            if self._justcall_snapshot is not None:
                self.justcall.restore(self._justcall_snapshot)
                return
            self.justcall.reset()
            seed_justcall(self.justcall, self.demo)
            if self.app is not None:
                configure_justcall(self.justcall, self.demo, self.okta, self.app)

    def stop(self) -> None:
        """Stop both servers, then release what they used: the SP's database connections and the snapshot's copy.

        Safe to call twice; the servers stop first so that no request is using a connection when it closes.
        """
        try:
            if self.launched is not None:
                self.launched.stop()
            if self.trust_server is not None:
                self.trust_server.stop()
            self.idp_server.stop()
            if self.sp_server is not None:
                self.sp_server.stop()
        finally:
            if self._justcall_snapshot is not None:
                self._justcall_snapshot.close()
            if self.justcall is not None:
                self.justcall.close()


def sp_database_url(folder: Path) -> str:
    """The bundled SP's database: ``DATABASE_URL`` when set (PostgreSQL in CI), else a new SQLite file in ``folder``."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'justcall.sqlite3'}"


def seed_okta(okta: Org, demo: Demo) -> tuple[dict[str, str], dict[str, str]]:
    """Create the demo people, groups and Okta admin in the org; return people's ids by email, groups' by name."""
    admin = demo.okta_admin
    okta.add_admin(admin.email, str(admin.password), admin.role, admin.first_name, admin.last_name)
    # "Everyone" comes with the org (BUILT_IN, every user a member): reuse groups the org already has.
    existing = {group.name: group.id for group in okta.groups()}
    group_ids = {name: existing.get(name) or okta.add_group(name).id for name in demo.groups}
    user_ids: dict[str, str] = {}
    for person in demo.people:
        user = okta.add_user(person.email, person.first_name, person.last_name, person.password)
        user_ids[person.email] = user.id
        for group in person.groups:
            okta.add_user_to_group(group_ids[group], user.id)
    return user_ids, group_ids


def seed_justcall(justcall: JustCall, demo: Demo) -> None:
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


def create_okta_app(
    okta: Org, demo: Demo, acs_url: str, entity_id: str, identity: IdpIdentity | None = None
) -> SamlApp:
    """Step 2: create the SAML app integration with the values copied from JustCall (and a stable identity's)."""
    app = okta.create_saml_app(
        label=demo.app_label,
        sso_url=acs_url,
        audience=entity_id,
        name_id_format=xmlns.NAMEID_EMAIL,
        application_username="okta_username",
        attribute_statements=[(name, xmlns.ATTRNAME_UNSPECIFIED, value) for name, value in demo.attribute_statements],
        **(identity.app_settings() if identity else {}),
    )
    if identity is not None:
        key = okta.add_key(app.id, identity.credential, created=identity.credential.not_before)
        okta.activate_key(app.id, key.kid)
    return app


def configure_justcall(justcall: JustCall, demo: Demo, okta: Org, app: SamlApp) -> None:
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


def encrypt_assertions(
    deployment: Deployment,
    *,
    okta: bool = True,
    justcall: bool = True,
    algorithm: str = "AES256_CBC",
    key_transport: str = "RSA_OAEP",
) -> None:
    """Switch Assertion Encryption on as the two admins would: JustCall's Encrypt assertions, then in Okta
    Assertion Encryption = Encrypted with JustCall's encryption certificate uploaded (bundled SP only)."""
    sp = deployment.bundled_sp  # Okta encrypts to JustCall's own certificate
    slug = deployment.demo.account.slug
    if justcall:
        sp.set_encrypt_assertions(slug, True)
    if okta:
        certificate = sp.encryption_certificate(slug).decode("ascii")
        deployment.okta.update_saml_app(
            deployment.okta_app.id,
            assertion_encrypted=True,
            encryption_certificate=certificate,
            encryption_algorithm=algorithm,
            key_transport_algorithm=key_transport,
        )


def sign_requests(deployment: Deployment, *, okta: bool = True, justcall: bool = True) -> None:
    """Switch signed AuthnRequests on as the two admins would: JustCall's Sign AuthnRequests, then in Okta
    Signature Certificate = JustCall's signing certificate and Signed Requests ticked (bundled SP only)."""
    sp = deployment.bundled_sp  # Okta validates with JustCall's own signing certificate
    slug = deployment.demo.account.slug
    if justcall:
        sp.set_sign_authn_requests(slug, True)
    if okta:
        certificate = sp.signing_certificate(slug).decode("ascii")
        deployment.okta.update_saml_app(deployment.okta_app.id, request_signed=True, signature_certificate=certificate)


def assign_people(okta: Org, demo: Demo, app: SamlApp, user_ids: dict[str, str], group_ids: dict[str, str]) -> None:
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
    identity: IdpIdentity | None = None,
) -> Deployment:
    """Start both apps on ``host`` and, unless ``wire`` is false, wire them as the help article says."""
    demo = demo or build_demo()
    api_token = secrets.token_urlsafe(24)
    keys = RewindableKeys()
    org_name = identity.org_name if identity else demo.org_name
    clock = MovableClock()
    idp_app = create_idp(
        {"ORG_NAME": org_name, "SECRET_KEY": secrets.token_hex(16), "KEY_SOURCE": keys, "CLOCK": clock}
        | ({"ORG_ID_SUFFIX": identity.id_suffix} if identity else {})
    )
    # Whatever was opened is closed again if a later step fails (a database that refuses us, a bad seed):
    # a half-started deployment leaves no bound port, pooled connection or snapshot copy behind.
    with ExitStack() as undo:
        idp_server = LiveServer(idp_app, host, idp_port or (identity.port if identity else 0))
        undo.callback(idp_server.stop)
        idp_app.config["PUBLIC_URL"] = idp_server.url
        org_of(idp_app).public_url = idp_server.url
        sp_config: dict[str, Any] = {
            "SECRET_KEY": secrets.token_hex(16),
            "API_TOKEN": api_token,
            # Demo passwords only: a cheap hash keeps seeding fast (scrypt is deliberately slow).
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "CLOCK": clock,
        }
        if database_url:
            sp_config["DATABASE_URL"] = database_url
        sp_app = create_sp(sp_config) if instance_path is None else _create_sp_in(sp_config, instance_path)
        okta = org_of(idp_app)
        justcall = justcall_of(sp_app)
        undo.callback(justcall.close)
        sp_server = LiveServer(sp_app, host, sp_port)
        undo.callback(sp_server.stop)
        sp_app.config["PUBLIC_URL"] = sp_server.url

        user_ids, group_ids = seed_okta(okta, demo)
        # The database may hold an earlier run's rows (PostgreSQL in CI, ``serve --database-url``): start from
        # exactly the demo, as each test's reset does, so that a second run on the same database finds the same.
        justcall.reset()
        seed_justcall(justcall, demo)
        app = None
        if wire:
            acs_url, entity_id = justcall.sso_urls(demo.account.slug)
            app = create_okta_app(okta, demo, acs_url, entity_id, identity)
            assign_people(okta, demo, app, user_ids, group_ids)
            configure_justcall(justcall, demo, okta, app)
        idp_api_token = okta.create_api_token("saml-harness")
        deployment = Deployment(
            demo, idp_server, sp_server, okta, justcall, app, api_token, user_ids, group_ids, okta.snapshot()
        )
        deployment.idp_api_token = idp_api_token
        deployment._justcall_snapshot = justcall.snapshot()
        undo.callback(deployment._justcall_snapshot.close)
        deployment.keys = keys
        deployment.identity = identity
        deployment.clock = clock
        keys.mark()  # with the org snapshot above
        idp_server.start()
        sp_server.start()
        undo.pop_all()  # started: the deployment owns all of it now (``Deployment.stop``)
    return deployment


def start_external_deployment(
    spec: TargetSpec,
    workdir: Path,
    host: str = "127.0.0.1",
    idp_port: int = 0,
    demo: Demo | None = None,
    identity: IdpIdentity | None = None,
) -> Deployment:
    """Start the mock Okta org for an external SP: the JustCall app points at the target's ACS and Entity ID.

    The IdP's metadata and signing certificate are written to ``workdir`` (and served at ``{idp_metadata_url}``)
    for the SP to trust; a ``[launch]`` command in the target file starts the SP with them. The identity
    is ``identity``, else the target's ``[idp] state``, else a fresh one.
    """
    demo = demo or build_demo()
    if identity is None and spec.idp_state is not None:
        identity = load_identity(spec.idp_state)
    org_name = identity.org_name if identity else demo.org_name
    clock = MovableClock()
    idp_app = create_idp(
        {"ORG_NAME": org_name, "SECRET_KEY": secrets.token_hex(16), "CLOCK": clock}
        | ({"ORG_ID_SUFFIX": identity.id_suffix} if identity else {})
    )
    idp_server = LiveServer(idp_app, host, idp_port or (identity.port if identity else 0))
    idp_app.config["PUBLIC_URL"] = idp_server.url
    okta = org_of(idp_app)
    okta.public_url = idp_server.url
    user_ids, group_ids = seed_okta(okta, demo)
    target = spec.target
    app = create_okta_app(okta, demo, target.acs_url, target.entity_id, identity)
    assign_people(okta, demo, app, user_ids, group_ids)
    idp_server.start()
    idp_api_token = okta.create_api_token("saml-harness")
    deployment = Deployment(
        demo, idp_server, None, okta, None, app, "", user_ids, group_ids, okta.snapshot(), external=spec
    )
    deployment.idp_api_token = idp_api_token
    deployment.identity = identity
    deployment.clock = clock
    deployment.trust_dir = workdir
    try:
        deployment.trust_server = LiveServer(create_trust_app(workdir), "127.0.0.1").start()
        deployment.trust_values = write_idp_trust(deployment, workdir)
        if spec.launch is not None:
            deployment.launched = LaunchedSp(spec.launch, deployment.trust_values, workdir / "target-sp.log")
    except BaseException:
        deployment.stop()
        raise
    return deployment


def update_trust(deployment: Deployment) -> None:
    """Tell the SP to trust Okta's active certificate: what an admin's upload is for the bundled SP.

    Why: the rotation scenarios upload the new certificate; an external SP is told as its ``[trust]`` says.
    """
    if deployment.justcall is not None:
        configure_justcall(deployment.justcall, deployment.demo, deployment.okta, deployment.okta_app)
        return
    if deployment.trust_dir is None:
        return
    write_idp_trust(deployment, deployment.trust_dir)
    deployment._trust_changed = True
    _tell_sp(deployment)


def _tell_sp(deployment: Deployment) -> None:
    """Run the ``[trust]`` action for the trust files just written (``metadata_url`` / ``file``: nothing to run)."""
    spec = deployment.external
    trust = spec.trust if spec is not None else None
    if spec is None or trust is None:
        return
    if trust.mode == "command":
        cwd = spec.launch.cwd if spec.launch and spec.launch.cwd else spec.path.parent
        run_trust_command(trust, deployment.trust_values, cwd)
    elif trust.mode == "restart" and deployment.launched is not None:
        deployment.launched.restart()


def write_idp_trust(deployment: Deployment, workdir: Path) -> dict[str, str]:
    """Write the IdP metadata and certificate an external SP needs; return the launch placeholders."""
    workdir.mkdir(parents=True, exist_ok=True)
    okta, app = deployment.okta, deployment.okta_app
    if app is None:
        raise ValueError("the Okta app integration does not exist yet (Step 2 not done)")
    metadata = requests.get(okta.metadata_url(app), timeout=10)
    metadata.raise_for_status()
    metadata_file = workdir / "idp-metadata.xml"
    metadata_file.write_bytes(metadata.content)
    cert_file = workdir / "idp-certificate.pem"
    cert_file.write_bytes(okta.active_certificate_pem(app.id))
    spec = deployment.external
    served = deployment.trust_server.url if deployment.trust_server is not None else ""
    return {
        "idp_metadata_file": str(metadata_file),
        "idp_metadata_url": f"{served}/idp-metadata.xml" if served else okta.metadata_url(app),
        "idp_certificate_file": str(cert_file),
        "idp_cert_file": str(cert_file),
        "okta_metadata_url": okta.metadata_url(app),
        "idp_sso_url": okta.sso_url(app),
        "idp_issuer": okta.issuer(app),
        "target_dir": str(spec.path.parent) if spec is not None else "",
    }


def org_of(idp_app: Flask) -> Org:
    """Return the mock Okta app's org (``create_app`` puts it in ``extensions["mock_okta"]``)."""
    org = idp_app.extensions["mock_okta"]
    assert isinstance(org, Org)
    return org


def justcall_of(sp_app: Flask) -> JustCall:
    """Return the JustCall app's facade (``create_app`` puts it in ``extensions["justcall"]``)."""
    justcall = sp_app.extensions["justcall"]
    assert isinstance(justcall, JustCall)
    return justcall


def _create_sp_in(config: dict[str, Any], instance_path: Path) -> Flask:
    config.setdefault("DATABASE_URL", f"sqlite:///{instance_path / 'justcall.sqlite3'}")
    return create_sp(config)
