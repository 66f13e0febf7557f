"""Define the admin-side records the org keeps: admin roles, API tokens, app lifecycle and logo (pure values)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

AppStatus = Literal["ACTIVE", "INACTIVE"]

SUPER_ADMIN = "SUPER_ADMIN"
APP_ADMIN = "APP_ADMIN"
READ_ONLY_ADMIN = "READ_ONLY_ADMIN"

# Okta's role types (API) and how the Admin Console names them. The help article's prerequisite: "Okta admin
# access (Super Admin or Application Admin role)".
ROLE_LABELS: dict[str, str] = {
    SUPER_ADMIN: "Super Administrator",
    APP_ADMIN: "Application Administrator",
    READ_ONLY_ADMIN: "Read-only Administrator",
}
APP_EDITOR_ROLES = frozenset({SUPER_ADMIN, APP_ADMIN})

LOGO_TYPES = ("image/png", "image/jpeg", "image/gif")
MAX_LOGO_BYTES = 1024 * 1024
"""AIW: App logo must be "PNG, JPG, or GIF … smaller than 1 MB" (the wizard's own text)."""

GROUP_FILTERS: dict[str, str] = {
    "STARTS_WITH": "Starts with",
    "EQUALS": "Equals",
    "CONTAINS": "Contains",
    "REGEX": "Matches regex",
}
"""Group Attribute Statements filter types (API value -> console label)."""


def can_view_console(role: str | None) -> bool:
    """Return whether an admin with ``role`` may open the Admin Console at all."""
    return role in ROLE_LABELS


def can_edit_apps(role: str | None) -> bool:
    """Return whether ``role`` may create and edit app integrations (Super Admin, Application Admin)."""
    return role in APP_EDITOR_ROLES


def check_role(role: str) -> str:
    """Return ``role`` if it is a known admin role type, else raise ``ValueError`` naming the choices."""
    if role not in ROLE_LABELS:
        raise ValueError(f"role must be one of {sorted(ROLE_LABELS)}, got {role!r}")
    return role


@dataclass(frozen=True)
class ApiToken:
    """An SSWS API token: it acts with the admin role of the user who created it (or Super Admin)."""

    id: str
    name: str
    user_id: str | None
    created: datetime
    digest: str
    """SHA-256 of the token: the secret itself is shown once and never stored."""


@dataclass(frozen=True)
class AppLogo:
    """An uploaded App logo (already checked to be a PNG, JPG or GIF under 1 MB)."""

    mimetype: str
    data: bytes


@dataclass(frozen=True)
class GroupAttributeStatement:
    """One "Group Attribute Statements" row: Name, Name format (URI), Filter type and value."""

    name: str
    name_format: str
    filter_type: str
    filter_value: str


@dataclass(frozen=True)
class AppExtras:
    """What the admin side knows about an app beyond its SAML settings: lifecycle, logo, group statements."""

    status: AppStatus = "ACTIVE"
    logo: AppLogo | None = None
    group_attribute_statements: tuple[GroupAttributeStatement, ...] = ()
    created: datetime | None = None
    last_updated: datetime | None = None
