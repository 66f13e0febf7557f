"""The mock Okta org's facade: one in-process admin API over its aggregates (``mock_idp.aggregates``).

Thread-safe (one re-entrant lock around every call) because the live server handles requests in threads
while the harness calls this API from the test thread. The aggregates hold the state; this class keeps
the rules that span them (an assignment needs an existing user, a token acts with its owner's role) and
the org-wide things (name, public URL, clock, ids, key source).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any, Literal

from werkzeug.security import check_password_hash, generate_password_hash

from mock_idp.admin.records import (
    SUPER_ADMIN,
    ApiToken,
    AppExtras,
    AppLogo,
    AppStatus,
    GroupAttributeStatement,
    check_role,
)
from mock_idp.aggregates import Aggregate, AppCatalog, Directory, KeyRing, SignIns
from mock_idp.encryption import check_encryption_settings
from mock_idp.faults import FaultPlan
from mock_idp.ids import IdFactory
from mock_idp.keys import Credential, KeySource, generate_rsa_key, make_credential, okta_credential
from mock_idp.model import (
    APPLICATION_USERNAMES,
    DIGEST_ALGORITHMS,
    SIGNATURE_ALGORITHMS,
    AttributeStatement,
    Group,
    LogEntry,
    PendingSso,
    SamlApp,
    SigningKey,
    User,
    UserStatus,
    UserTimes,
)
from mock_idp.request_signature import check_signature_settings
from mock_idp.slo.settings import check_slo_settings
from saml_xmlns import NAMEID_EMAIL

Clock = Callable[[], datetime]
AppRef = SamlApp | str

# Werkzeug's default (scrypt) is deliberately slow per login; a mock org trades hash strength for speed.
PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"

# Okta's keys/generate API: "Validity years out of range. It should be 2 - 10 years." (Okta Apps API)
MIN_VALIDITY_YEARS, MAX_VALIDITY_YEARS = 2, 10


EVERYONE = "Everyone"


def utc_now() -> datetime:
    """Return the current aware UTC time: the default org clock."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class OrgSnapshot:
    """A cheap copy of the org's state, one per aggregate; pass it to ``Org.restore``."""

    directory: Directory
    catalog: AppCatalog
    keyring: KeyRing
    sign_ins: SignIns


def _label_slug(label: str) -> str:
    # appName = <org>_<label lower-cased, non-alphanumerics stripped>_<n> (as Okta names apps).
    return re.sub(r"[^a-z0-9]", "", label.lower()) or "app"


class Org:
    """The mock Okta org and its in-process admin API (what ``saml_harness.deploy.wiring`` calls)."""

    def __init__(
        self,
        name: str = "acme",
        public_url: str = "http://127.0.0.1",
        *,
        clock: Clock = utc_now,
        rng: Random | None = None,
        key_source: KeySource = generate_rsa_key,
        id_suffix: str | None = None,
    ) -> None:
        self.name = name
        self.public_url = public_url.rstrip("/")
        """Base of every absolute URL; settable when the port is known only after binding."""
        self.clock: Clock = clock
        """Injectable; must return an aware UTC datetime."""
        self._ids = IdFactory(rng, suffix=id_suffix)
        self._key_source = key_source
        self._lock = threading.RLock()
        # One attribute per OrgSnapshot field (``_parts`` pairs them by name).
        self._directory = Directory()
        self._catalog = AppCatalog()
        self._keyring = KeyRing()
        self._sign_ins = SignIns()
        self.org_id = self._ids.org_object_id("00o")
        """The org's own id (``00o…``), as in ORNs (``orn:okta:idp:{orgId}:apps:…``)."""
        self.user_type_id = self._ids.org_object_id("oty")
        """The default user type (``oty…``) every user has; its schema ``osc…`` shares the id's body."""
        self.user_schema_id = self._ids.org_object_id("osc", body_of=self.user_type_id)
        """The default user schema: Okta's ``osc…`` id shares the user type's body (same cassette as ``oty``)."""
        # Every Okta org is created with the BUILT_IN "Everyone" group (okta/okta-sdk-python
        # tests/integration/cassettes/TestGroupsResource.test_list_groups.yaml lists it first).
        everyone = Group(
            id=self._ids.org_object_id("00g"),
            name=EVERYONE,
            type="BUILT_IN",
            description="All users in your organization",
        )
        self._directory.add_group(everyone, self.clock())

    # ------------------------------------------------------------------------------------------ users

    def add_user(
        self, email: str, first_name: str, last_name: str, password: str, status: UserStatus = "ACTIVE"
    ) -> User:
        """Create a user whose Okta username (login) is ``email``."""
        if status not in ("ACTIVE", "DEACTIVATED"):
            raise ValueError(f"status must be ACTIVE or DEACTIVATED, got {status!r}")
        with self._lock:
            self._directory.check_login_free(email)
            user = User(
                id=self._ids.okta_id("00u"),
                login=email,
                email=email,
                first_name=first_name,
                last_name=last_name,
                password_hash=generate_password_hash(password, method=PASSWORD_HASH_METHOD),
                status=status,
            )
            self._directory.add_user(user, self.clock())
            return user

    def get_user(self, user_id: str) -> User:
        """Return the user with ``user_id`` or raise ``KeyError``."""
        with self._lock:
            return self._directory.users[user_id]

    def find_user(self, login: str) -> User | None:
        """Return the user whose login matches (case-insensitive, as Okta usernames are)."""
        with self._lock:
            return self._directory.find_user(login)

    def users(self) -> list[User]:
        """Return all users."""
        with self._lock:
            return list(self._directory.users.values())

    def deactivate_user(self, user_id: str) -> None:
        """Deactivate a user: sign-in fails and existing IdP sessions stop working."""
        self._set_user_status(user_id, "DEACTIVATED")

    def activate_user(self, user_id: str) -> None:
        """Re-activate a deactivated user."""
        self._set_user_status(user_id, "ACTIVE")

    def _set_user_status(self, user_id: str, status: UserStatus) -> None:
        with self._lock:
            self._directory.set_status(user_id, status, self.clock())

    def set_password(self, user_id: str, password: str) -> None:
        """Replace a user's password."""
        with self._lock:
            hashed = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
            self._directory.set_password_hash(user_id, hashed, self.clock())

    def record_sign_in(self, user_id: str, at: datetime) -> None:
        """Remember that the user signed in at ``at`` (the Admin API's ``lastLogin``)."""
        with self._lock:
            self._directory.record_sign_in(user_id, at)

    def user_times(self, user_id: str) -> UserTimes:
        """Return when the user was created, activated, changed status or password, and last signed in."""
        with self._lock:
            return self._directory.times_of(user_id)

    def authenticate(self, username: str, password: str) -> User | None:
        """Return the ACTIVE user with this login and password, else ``None`` (no reason: like Okta)."""
        user = self.find_user(username)
        if user is None or user.status != "ACTIVE":
            return None
        return user if check_password_hash(user.password_hash, password) else None

    # ------------------------------------------------------------------------------------------ groups

    def add_group(self, name: str) -> Group:
        """Create an OKTA_GROUP (``id`` ``00g…``); "Everyone" exists from the start (``everyone_group``)."""
        with self._lock:
            group = Group(id=self._ids.okta_id("00g"), name=name)
            self._directory.add_group(group, self.clock())
            return group

    def everyone_group(self) -> Group:
        """Return the BUILT_IN "Everyone" group: every user of the org is a member."""
        with self._lock:
            return self._directory.group(str(self._directory.everyone_id))

    def add_user_to_group(self, group_id: str, user_id: str) -> None:
        """Add a user to a group (which may assign apps through the group); nothing to do for Everyone."""
        with self._lock:
            self._directory.add_member(group_id, user_id, self.clock())

    def remove_user_from_group(self, group_id: str, user_id: str) -> None:
        """Remove a user from a group (``ValueError`` for Everyone, which holds every user)."""
        with self._lock:
            self._directory.remove_member(group_id, user_id, self.clock())

    def membership_updated(self, group_id: str) -> datetime | None:
        """Return when the group's members last changed."""
        with self._lock:
            return self._directory.membership_updated.get(group_id)

    def get_group(self, group_id: str) -> Group:
        """Return the group with ``group_id`` or raise ``KeyError``."""
        with self._lock:
            return self._directory.group(group_id)

    def groups(self) -> list[Group]:
        """Return all groups."""
        with self._lock:
            return list(self._directory.groups.values())

    def group_members(self, group_id: str) -> frozenset[str]:
        """Return the ids of the group's members."""
        with self._lock:
            return self._directory.group_members(group_id)

    def group_ids_of(self, user_id: str) -> frozenset[str]:
        """Return the ids of the groups ``user_id`` belongs to."""
        with self._lock:
            return self._directory.group_ids_of(user_id)

    # ------------------------------------------------------------------------------------------ apps

    def create_saml_app(
        self,
        label: str,
        sso_url: str,
        audience: str,
        attribute_statements: Iterable[AttributeStatement | tuple[str, str, str] | tuple[str, str]] = (),
        **settings: Any,
    ) -> SamlApp:
        """Create a custom SAML 2.0 app as the App Integration Wizard does, with one Active signing key.

        ``settings`` are the other SamlApp fields: recipient, destination (default ``sso_url``: "Use this
        for Recipient URL and Destination URL"), default_relay_state, name_id_format (default
        EmailAddress), application_username, response_signed, assertion_signed, signature_algorithm,
        digest_algorithm, honor_force_authn, issuer (default ``http://www.okta.com/{externalKey}``); and
        ``id``, ``external_key``, ``link_id`` to keep the ids of an org identity made earlier.
        """
        with self._lock:
            slug = _label_slug(label)
            taken = self._catalog.names()
            n = 1
            while f"{self.name}_{slug}_{n}" in taken:
                n += 1
            # A stable org identity (saml-harness idp init) brings its own ids, so staging's config stays valid.
            external_key = settings.pop("external_key", None) or self._ids.okta_id("exk")
            app_id = settings.pop("id", None) or self._ids.okta_id("0oa")
            link_id = settings.pop("link_id", None) or self._ids.okta_id("aln")
            if app_id in self._catalog.apps:
                raise ValueError(f"an app with id {app_id} exists")
            app = SamlApp(
                id=app_id,
                name=f"{self.name}_{slug}_{n}",
                label=label,
                external_key=external_key,
                link_id=link_id,
                sso_url=sso_url,
                recipient=settings.pop("recipient", None) or sso_url,
                destination=settings.pop("destination", None) or sso_url,
                audience=audience,
                issuer=settings.pop("issuer", None) or f"http://www.okta.com/{external_key}",
                name_id_format=settings.pop("name_id_format", NAMEID_EMAIL),
                attribute_statements=tuple(AttributeStatement.coerce(s) for s in attribute_statements),
                **settings,
            )
            _validate_app(app)
            now = self.clock()
            self._catalog.add(app, AppExtras(created=now, last_updated=now))
            self._keyring.open(app.id)
            key = self.generate_key(app.id)
            self.activate_key(app.id, key.kid)
            return app

    def update_saml_app(self, app_id: str, **changes: Any) -> SamlApp:
        """Change an app's SAML settings (e.g. ``response_signed=False``); ids and name stay."""
        frozen = {"id", "name", "external_key", "link_id"}
        if frozen & set(changes):
            raise ValueError(f"cannot change {sorted(frozen & set(changes))}")
        with self._lock:
            if "attribute_statements" in changes:
                changes["attribute_statements"] = tuple(
                    AttributeStatement.coerce(s) for s in changes["attribute_statements"]
                )
            app = replace(self.get_app(app_id), **changes)
            _validate_app(app)
            self._catalog.apps[app_id] = app
            self._catalog.extras[app_id] = replace(self.app_extras(app_id), last_updated=self.clock())
            return app

    def get_app(self, app_id: str) -> SamlApp:
        """Return the app with ``app_id`` or raise ``KeyError``."""
        with self._lock:
            return self._catalog.app(app_id)

    def find_app_by_key(self, external_key: str) -> SamlApp | None:
        """Return the app whose externalKey (``exk…``) matches, if any."""
        with self._lock:
            return self._catalog.find_by_key(external_key)

    def apps(self) -> list[SamlApp]:
        """Return all apps."""
        with self._lock:
            return list(self._catalog.apps.values())

    def _app(self, app: AppRef) -> SamlApp:
        return self.get_app(app if isinstance(app, str) else app.id)

    # ------------------------------------------------------------------------------------------ assignments

    def assign_user(self, app_id: str, user_id: str) -> None:
        """Assign the app to a user directly ("Assign to People")."""
        with self._lock:
            self._directory.user(user_id)
            self._catalog.assign(app_id, user_id, self.clock(), group=False)

    def unassign_user(self, app_id: str, user_id: str) -> None:
        """Remove a direct assignment (group assignments still count)."""
        with self._lock:
            self._catalog.unassign(app_id, user_id, group=False)

    def assign_group(self, app_id: str, group_id: str, priority: int | None = None) -> None:
        """Assign the app to every member of a group ("Assign to Groups"); ``priority`` defaults to the next one."""
        with self._lock:
            self._directory.group(group_id)
            self._catalog.assign(app_id, group_id, self.clock(), group=True, priority=priority)

    def group_assignment_priority(self, app_id: str, group_id: str) -> int:
        """Return the group assignment's ``priority`` (0 is the first group assigned)."""
        with self._lock:
            return self._catalog.priorities.get(f"{app_id}/{group_id}", 0)

    def unassign_group(self, app_id: str, group_id: str) -> None:
        """Remove a group assignment."""
        with self._lock:
            self._catalog.unassign(app_id, group_id, group=True)

    def assigned_user_ids(self, app_id: str) -> frozenset[str]:
        """Return the ids of the users assigned directly ("Assign to People")."""
        with self._lock:
            return self._catalog.user_assignments[self.get_app(app_id).id]

    def assigned_group_ids(self, app_id: str) -> frozenset[str]:
        """Return the ids of the groups assigned ("Assign to Groups")."""
        with self._lock:
            return self._catalog.group_assignments[self.get_app(app_id).id]

    def is_assigned(self, app_id: str, user_id: str) -> bool:
        """Return whether the user is assigned the app, directly or through any group."""
        with self._lock:
            return self._catalog.is_assigned(app_id, user_id, self._directory.group_ids_of(user_id))

    def assigned_apps(self, user_id: str) -> list[SamlApp]:
        """Return the ACTIVE apps the user is assigned (the dashboard's tiles), by label."""
        with self._lock:
            apps = [
                a
                for a in self._catalog.apps.values()
                if self.is_assigned(a.id, user_id) and self.app_status(a.id) == "ACTIVE"
            ]
        return sorted(apps, key=lambda a: a.label.lower())

    # ------------------------------------------------------------------------------------------ URLs

    def sso_url(self, app: AppRef) -> str:
        """Return the Identity Provider Single Sign-On URL (both bindings)."""
        a = self._app(app)
        return f"{self.public_url}/app/{a.name}/{a.external_key}/sso/saml"

    def idp_slo_url(self, app: AppRef) -> str | None:
        """Return Okta's Single Logout endpoint for the app (both bindings), or None while Single Logout is off."""
        a = self._app(app)
        return f"{self.public_url}/app/{a.name}/{a.external_key}/slo/saml" if a.slo_enabled else None

    def issuer(self, app: AppRef) -> str:
        """Return the Identity Provider Issuer (``http://www.okta.com/{externalKey}`` by default)."""
        return self._app(app).issuer

    def metadata_url(self, app: AppRef) -> str:
        """Return the Metadata URL shown on the Sign On tab."""
        return f"{self.public_url}/app/{self._app(app).external_key}/sso/saml/metadata"

    def embed_link(self, app: AppRef) -> str:
        """Return the App Embed Link (the dashboard tile's IdP-initiated URL)."""
        a = self._app(app)
        return f"{self.public_url}/home/{a.name}/{a.id}/{a.link_id}"

    def sign_in_url(self) -> str:
        """Return the org's sign-in page URL."""
        return f"{self.public_url}/login/login.htm"

    def dashboard_url(self) -> str:
        """Return the end-user dashboard URL."""
        return f"{self.public_url}/app/UserHome"

    # ------------------------------------------------------------------------------------------ keys

    def signing_keys(self, app_id: str) -> tuple[SigningKey, ...]:
        """Return the app's "SAML Signing Certificates" rows, oldest first."""
        with self._lock:
            return self._keyring.of(self.get_app(app_id).id)

    def active_key(self, app_id: str) -> SigningKey:
        """Return the one Active key, which signs responses and appears in metadata."""
        with self._lock:
            return self._keyring.active(self.get_app(app_id).id)

    def key(self, app_id: str, kid: str) -> SigningKey:
        """Return the app's key with ``kid`` or raise ``KeyError``."""
        with self._lock:
            return self._keyring.find(self.get_app(app_id).id, kid)

    def generate_key(self, app_id: str, validity_years: int = 10) -> SigningKey:
        """ "Generate new certificate": a new Inactive key; the Active one keeps signing."""
        if not MIN_VALIDITY_YEARS <= validity_years <= MAX_VALIDITY_YEARS:
            raise ValueError("Validity years out of range. It should be 2 - 10 years.")
        created = self.clock()
        credential = okta_credential(self.name, created, validity_years, private_key=self._key_source(2048))
        return self.add_key(app_id, credential, created=created)

    def add_key(self, app_id: str, credential: Credential, *, created: datetime | None = None) -> SigningKey:
        """Add a credential made by the caller (e.g. an expired certificate) as an Inactive key."""
        with self._lock:
            key = SigningKey(kid=self._ids.kid(), credential=credential, created=created or self.clock())
            self._keyring.add(self.get_app(app_id).id, key)
            return key

    def activate_key(self, app_id: str, kid: str) -> SigningKey:
        """ "Activate": make ``kid`` the Active key and every other key of the app Inactive."""
        with self._lock:
            return self._keyring.activate(self.get_app(app_id).id, kid)

    def active_certificate_pem(self, app_id: str) -> bytes:
        """Return the Active certificate as PEM ("Download certificate")."""
        return self.active_key(app_id).credential.cert_pem

    def special_credential(self, kind: str) -> Credential:
        """Return a credential no app owns: ``other`` (valid), ``expired`` or ``not_yet_valid``.

        Made once per org (kept across ``restore``) for FaultPlan ``signing={"key": ...}``.
        """
        with self._lock:
            special = self._keyring.special
            if kind not in special:
                now = self.clock()
                windows = {
                    "other": (now - timedelta(minutes=1), now + timedelta(days=3650)),
                    "expired": (now - timedelta(days=730), now - timedelta(days=1)),
                    "not_yet_valid": (now + timedelta(days=1), now + timedelta(days=730)),
                }
                if kind not in windows:
                    raise ValueError(f"special credential must be one of {sorted(windows)}, got {kind!r}")
                not_before, not_after = windows[kind]
                special[kind] = make_credential(self.name, not_before, not_after, private_key=self._key_source(2048))
            return special[kind]

    def signing_credential(self, app_id: str, key: str | None = None) -> Credential:
        """Resolve a FaultPlan ``signing["key"]``: active (default), other, expired, not_yet_valid or a kid."""
        if key is None or key == "active":
            return self.active_key(app_id).credential
        if key in ("other", "expired", "not_yet_valid"):
            return self.special_credential(key)
        return self.key(app_id, key).credential

    @property
    def ids(self) -> IdFactory:
        """Return the org's id factory (one seeded random source for every id)."""
        return self._ids

    # ------------------------------------------------------------------------------------------ fault plans

    def set_next_login_plan(self, email: str, plan: FaultPlan) -> None:
        """Arm ``plan`` for the user's next response, in either flow (consumed when a response is issued)."""
        with self._lock:
            self._sign_ins.arm(email, plan)

    def set_default_plan(self, plan: FaultPlan | None) -> None:
        """Use ``plan`` for every login that has no armed plan (``None`` restores Okta's normal output)."""
        with self._lock:
            self._sign_ins.default_plan = plan or FaultPlan()

    def take_plan(self, email: str) -> FaultPlan:
        """Consume the user's armed plan, or return the default plan."""
        with self._lock:
            return self._sign_ins.take(email)

    def armed_plan(self, email: str) -> FaultPlan | None:
        """Return the user's armed plan without consuming it."""
        with self._lock:
            return self._sign_ins.armed(email)

    # ------------------------------------------------------------------------------------------ pending SSO

    def stash_pending(self, pending: PendingSso) -> str:
        """Keep an SSO request while the user signs in; return its stateToken."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._sign_ins.stash(token, pending)
        return token

    def peek_pending(self, token: str) -> PendingSso | None:
        """Return the pending request for ``token`` without consuming it."""
        with self._lock:
            return self._sign_ins.pending.get(token)

    def drop_pending(self, token: str) -> None:
        """Forget a pending request (it was answered)."""
        with self._lock:
            self._sign_ins.pending.pop(token, None)

    @property
    def session_epoch(self) -> int:
        """IdP sessions minted under an older epoch are void; ``restore`` moves the epoch on."""
        return self._sign_ins.session_epoch

    # ------------------------------------------------------------------------------------------ log

    @property
    def log(self) -> list[LogEntry]:
        """Return a copy of the SSO log (received AuthnRequests, issued responses, refusals)."""
        with self._lock:
            return list(self._sign_ins.log)

    def record(self, entry: LogEntry) -> None:
        """Append to the SSO log."""
        with self._lock:
            self._sign_ins.record(entry)

    def clear_log(self) -> None:
        """Empty the SSO log."""
        with self._lock:
            self._sign_ins.log.clear()

    # ------------------------------------------------------------------------------------------ admins, API tokens

    def add_admin(
        self, login: str, password: str, role: str = SUPER_ADMIN, first_name: str = "Okta", last_name: str = "Admin"
    ) -> User:
        """Create a user who may use the Admin Console: ``role`` is SUPER_ADMIN, APP_ADMIN or READ_ONLY_ADMIN."""
        check_role(role)
        with self._lock:
            user = self.add_user(login, first_name, last_name, password)
            self._directory.grant_role(user.id, role)
            return user

    def grant_admin_role(self, user_id: str, role: str) -> None:
        """Give an existing user an admin role (replacing any other)."""
        check_role(role)
        with self._lock:
            self._directory.grant_role(user_id, role)

    def revoke_admin_role(self, user_id: str) -> None:
        """Take a user's admin role away: the console then answers 403."""
        with self._lock:
            self._directory.revoke_role(user_id)

    def admin_role(self, user_id: str) -> str | None:
        """Return the user's admin role type, or ``None`` for an end user."""
        with self._lock:
            return self._directory.admin_roles.get(user_id)

    def admins(self) -> list[tuple[User, str]]:
        """Return every admin with their role."""
        with self._lock:
            return self._directory.admins()

    def create_api_token(self, name: str, user_id: str | None = None) -> str:
        """Create an SSWS API token and return it (shown once); it acts with ``user_id``'s role, or as Super Admin."""
        if not name.strip():
            raise ValueError("an API token needs a name")
        token = "00" + secrets.token_urlsafe(30)[:40]
        with self._lock:
            if user_id is not None:
                self._directory.user(user_id)
            record = ApiToken(
                id="00T" + secrets.token_hex(9)[:17],
                name=name,
                user_id=user_id,
                created=self.clock(),
                digest=_token_digest(token),
            )
            self._directory.add_token(record)
        return token

    def api_token(self, token: str) -> ApiToken | None:
        """Return the token's record if it is valid (its owner, if any, still exists and is ACTIVE)."""
        with self._lock:
            return self._directory.valid_token(_token_digest(token))

    def api_token_role(self, record: ApiToken) -> str | None:
        """Return the admin role a token acts with (``None``: its owner is no longer an admin)."""
        return SUPER_ADMIN if record.user_id is None else self.admin_role(record.user_id)

    def api_tokens(self) -> list[ApiToken]:
        """Return the token records (never the secrets)."""
        with self._lock:
            return list(self._directory.api_tokens.values())

    def revoke_api_token(self, token_id: str) -> None:
        """Revoke the token with ``token_id`` (``00T…``)."""
        with self._lock:
            self._directory.revoke_token(token_id)

    # ------------------------------------------------------------------------------------------ app lifecycle, logo

    def create_app_integration(
        self,
        label: str,
        sso_url: str,
        audience: str,
        attribute_statements: Iterable[AttributeStatement | tuple[str, str, str] | tuple[str, str]] = (),
        *,
        status: AppStatus = "ACTIVE",
        logo: AppLogo | None = None,
        group_attribute_statements: Iterable[GroupAttributeStatement] = (),
        **settings: Any,
    ) -> SamlApp:
        """Create an app as the console or API does, all or nothing: SAML settings, status, logo, group statements."""
        groups = _checked_group_statements(group_attribute_statements)
        if status not in ("ACTIVE", "INACTIVE"):
            raise ValueError(f"status must be ACTIVE or INACTIVE, got {status!r}")
        with self._lock:
            app = self.create_saml_app(label, sso_url, audience, attribute_statements, **settings)
            extras = self._catalog.extras[app.id]
            self._catalog.extras[app.id] = replace(extras, status=status, logo=logo, group_attribute_statements=groups)
            return app

    def update_app_integration(
        self,
        app_id: str,
        *,
        logo: AppLogo | Literal["keep"] | None = "keep",
        group_attribute_statements: Iterable[GroupAttributeStatement] | None = None,
        signing_kid: str | None = None,
        **changes: Any,
    ) -> SamlApp:
        """Change an app all or nothing (``logo=None`` removes the logo; ``signing_kid`` activates that key)."""
        groups = None if group_attribute_statements is None else _checked_group_statements(group_attribute_statements)
        with self._lock:
            if signing_kid is not None:
                self.key(app_id, signing_kid)
            app = self.update_saml_app(app_id, **changes)
            extras = self.app_extras(app_id)
            if logo != "keep":
                extras = replace(extras, logo=logo if isinstance(logo, AppLogo) else None)
            if groups is not None:
                extras = replace(extras, group_attribute_statements=groups)
            self._catalog.extras[app_id] = extras
            if signing_kid is not None:
                self.activate_key(app_id, signing_kid)
            return app

    def app_extras(self, app_id: str) -> AppExtras:
        """Return the app's lifecycle status, logo, group attribute statements and timestamps."""
        with self._lock:
            return self._catalog.extras_of(app_id)

    def app_status(self, app_id: str) -> AppStatus:
        """Return ``ACTIVE`` or ``INACTIVE``; an INACTIVE app gives no SSO and no dashboard tile."""
        return self.app_extras(app_id).status

    def activate_app(self, app_id: str) -> None:
        """Activate the app (lifecycle/activate)."""
        self._set_app_status(app_id, "ACTIVE")

    def deactivate_app(self, app_id: str) -> None:
        """Deactivate the app (lifecycle/deactivate): sign-ins stop at once."""
        self._set_app_status(app_id, "INACTIVE")

    def _set_app_status(self, app_id: str, status: AppStatus) -> None:
        with self._lock:
            extras = self.app_extras(app_id)
            self._catalog.extras[app_id] = replace(extras, status=status, last_updated=self.clock())

    def delete_app(self, app_id: str) -> None:
        """Delete an INACTIVE app (Okta refuses to delete an active one)."""
        with self._lock:
            if self.app_status(app_id) == "ACTIVE":
                raise ValueError("deactivate the app before deleting it")
            self._catalog.remove(app_id)
            self._keyring.remove(app_id)

    def created_at(self, object_id: str) -> datetime | None:
        """Return when a user, group or assignment (``{app_id}/{user_or_group_id}``) was created here."""
        with self._lock:
            return self._directory.created.get(object_id) or self._catalog.assigned_at.get(object_id)

    # ------------------------------------------------------------------------------------------ snapshot

    def snapshot(self) -> OrgSnapshot:
        """Return a cheap copy of the whole org state (keys are shared, not copied)."""
        with self._lock:
            return OrgSnapshot(
                self._directory.snapshot(),
                self._catalog.snapshot(),
                self._keyring.snapshot(),
                self._sign_ins.snapshot(),
            )

    def restore(self, snapshot: OrgSnapshot) -> None:
        """Return to ``snapshot``; pending sign-ins are dropped and existing IdP sessions are voided."""
        with self._lock:
            for name, part in self._parts().items():
                part.restore(getattr(snapshot, name))

    def _parts(self) -> dict[str, Aggregate]:
        """Return each aggregate by its OrgSnapshot field name (a test checks no aggregate is left out)."""
        return {f.name: getattr(self, f"_{f.name}") for f in fields(OrgSnapshot)}


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _checked_group_statements(statements: Iterable[GroupAttributeStatement]) -> tuple[GroupAttributeStatement, ...]:
    checked = tuple(statements)
    for statement in checked:
        if not statement.name:
            raise ValueError("a group attribute statement needs a name")
    return checked


def _validate_app(app: SamlApp) -> None:
    # Okta API: "Either (or both) responseSigned or assertionSigned must be TRUE" (Okta Apps API).
    if not (app.response_signed or app.assertion_signed):
        raise ValueError("Either (or both) response_signed or assertion_signed must be True")
    if app.signature_algorithm not in SIGNATURE_ALGORITHMS:
        raise ValueError(f"signature_algorithm must be one of {SIGNATURE_ALGORITHMS}")
    if app.digest_algorithm not in DIGEST_ALGORITHMS:
        raise ValueError(f"digest_algorithm must be one of {DIGEST_ALGORITHMS}")
    if app.application_username not in APPLICATION_USERNAMES:
        raise ValueError(f"application_username must be one of {APPLICATION_USERNAMES}")
    if not app.sso_url or not app.audience:
        raise ValueError("sso_url (Single sign-on URL) and audience (Audience URI) are required")
    check_encryption_settings(app)
    check_signature_settings(app)
    check_slo_settings(app)
