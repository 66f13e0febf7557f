"""Describe the demo Okta org and JustCall account as data, seeded so every run sees the same people.

The shape follows the help article: an Okta org whose people are assigned to the JustCall app
directly or through a group, some not assigned, one deactivated; and a JustCall account on the
Business plan with a verified email domain, an owner with a break-glass password, and one
pre-existing user whose role SSO must not change.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from faker import Faker

DEMO_SEED = 2026
"""Fixed faker seed: the same names, emails and passwords on every machine."""


@dataclass(frozen=True)
class Person:
    """An Okta user as the demo seeds them."""

    email: str
    first_name: str
    last_name: str
    password: str
    status: str = "ACTIVE"
    groups: tuple[str, ...] = ()
    assigned_directly: bool = False

    @property
    def assigned(self) -> bool:
        """Whether Okta lets this person into JustCall (directly or via an assigned group)."""
        return self.assigned_directly or any(g in ASSIGNED_GROUPS for g in self.groups)


@dataclass(frozen=True)
class SpUser:
    """A JustCall user that exists before any SSO login."""

    email: str
    first_name: str
    last_name: str
    role: str
    password: str | None = None
    is_owner: bool = False


@dataclass(frozen=True)
class SpAccount:
    """A JustCall account with its plan and email domains."""

    slug: str
    name: str
    plan: str
    domain: str
    domain_verified: bool
    users: tuple[SpUser, ...] = ()


ASSIGNED_GROUPS = ("Sales",)
"""Groups assigned to the JustCall app in Okta (Step 5, "Assign to Groups")."""


@dataclass(frozen=True)
class Demo:
    """Everything the demo wiring creates on both sides."""

    org_name: str
    domain: str
    people: tuple[Person, ...]
    groups: tuple[str, ...]
    app_label: str
    account: SpAccount
    other_accounts: tuple[SpAccount, ...]
    default_role: str
    okta_admin: SpUser
    """The Okta Super Admin ("Okta admin access" in the article's prerequisites); not one of ``people``."""
    attribute_statements: tuple[tuple[str, str], ...] = field(
        default=(("email", "user.email"), ("firstName", "user.firstName"), ("lastName", "user.lastName"))
    )

    def person(self, role: str) -> Person:
        """Return the person cast in ``role`` (see ``CAST``)."""
        return self.people[CAST.index(role)]

    @property
    def owner(self) -> SpUser:
        return next(u for u in self.account.users if u.is_owner)

    @property
    def existing_user(self) -> SpUser:
        return next(u for u in self.account.users if not u.is_owner)


CAST = (
    "assigned",  # assigned directly: the everyday SSO user
    "group_member",  # assigned through the Sales group
    "existing",  # assigned, and already a JustCall Supervisor before SSO
    "unassigned",  # in Okta, not assigned to JustCall
    "deactivated",  # assigned, but DEACTIVATED in Okta
    "second",  # assigned directly, for two-users-in-a-row cases
    "third",  # assigned directly, spare
    "outsider",  # unassigned, in no group
)
"""The part each seeded person plays, in seed order."""


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def build_demo(seed: int = DEMO_SEED, org_name: str = "acme", domain: str = "acme.example") -> Demo:
    """Build the demo data deterministically from ``seed``."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    people: list[Person] = []
    seen: set[str] = set()
    for role in CAST:
        while True:
            first, last = fake.first_name(), fake.last_name()
            email = f"{_ascii_slug(first)}.{_ascii_slug(last)}@{domain}"
            if email not in seen:
                seen.add(email)
                break
        password = fake.password(length=14, special_chars=False)
        people.append(
            Person(
                email=email,
                first_name=first,
                last_name=last,
                password=password,
                status="DEACTIVATED" if role == "deactivated" else "ACTIVE",
                groups={"group_member": ("Sales",), "unassigned": ("Engineering",)}.get(role, ("Everyone",)),
                assigned_directly=role in ("assigned", "existing", "deactivated", "second", "third"),
            )
        )
    existing = people[CAST.index("existing")]
    owner_password = fake.password(length=16, special_chars=False)
    okta_admin = SpUser(
        f"it.admin@{domain}", "Iris", "Admin", "SUPER_ADMIN", fake.password(length=16, special_chars=False)
    )
    account = SpAccount(
        slug=org_name,
        name=f"{org_name.title()} Inc.",
        plan="business",
        domain=domain,
        domain_verified=True,
        users=(
            SpUser(f"owner@{domain}", "Olivia", "Owner", "Owner", password=owner_password, is_owner=True),
            SpUser(existing.email, existing.first_name, existing.last_name, "Supervisor"),
        ),
    )
    others = (
        SpAccount("globex", "Globex Corp.", "standard", "globex.example", True),
        SpAccount("initech", "Initech", "business", "initech.example", False),
    )
    return Demo(
        org_name=org_name,
        domain=domain,
        people=tuple(people),
        groups=("Everyone", "Sales", "Engineering"),
        app_label="JustCall",
        account=account,
        other_accounts=others,
        default_role="Agent",
        okta_admin=okta_admin,
    )
