"""The org's SAML app integrations, their lifecycle extras, and who is assigned each (people, groups)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mock_idp.admin.records import AppExtras
from mock_idp.aggregates.base import Aggregate, require
from mock_idp.model import SamlApp


@dataclass
class AppCatalog(Aggregate):
    """Apps by id with their extras and assignments (user ids and group ids per app)."""

    apps: dict[str, SamlApp] = field(default_factory=dict)
    extras: dict[str, AppExtras] = field(default_factory=dict)
    user_assignments: dict[str, frozenset[str]] = field(default_factory=dict)
    group_assignments: dict[str, frozenset[str]] = field(default_factory=dict)
    assigned_at: dict[str, datetime] = field(default_factory=dict, repr=False)
    """When each assignment was made, by ``{app_id}/{user_or_group_id}`` (the Admin API's ``created``)."""
    priorities: dict[str, int] = field(default_factory=dict, repr=False)
    """Each group assignment's ``priority`` (0 first), by ``{app_id}/{group_id}``."""

    def add(self, app: SamlApp, extras: AppExtras) -> None:
        self.apps[app.id] = app
        self.extras[app.id] = extras
        self.user_assignments[app.id] = frozenset()
        self.group_assignments[app.id] = frozenset()

    def app(self, app_id: str) -> SamlApp:
        return require(self.apps, app_id, "app")

    def names(self) -> set[str]:
        return {a.name for a in self.apps.values()}

    def find_by_key(self, external_key: str) -> SamlApp | None:
        return next((a for a in self.apps.values() if a.external_key == external_key), None)

    def extras_of(self, app_id: str) -> AppExtras:
        self.app(app_id)
        return self.extras.get(app_id) or AppExtras()

    def remove(self, app_id: str) -> None:
        for table in (self.apps, self.user_assignments, self.group_assignments, self.extras):
            table.pop(app_id, None)

    def assign(self, app_id: str, assignee_id: str, at: datetime, *, group: bool, priority: int | None = None) -> None:
        app = self.app(app_id).id
        table = self.group_assignments if group else self.user_assignments
        key = f"{app}/{assignee_id}"
        if group:
            # Okta gives a new group assignment the next priority unless the request names one.
            self.priorities[key] = priority if priority is not None else self.priorities.get(key, len(table[app]))
            if assignee_id in table[app]:
                self.assigned_at[key] = at
        table[app] |= {assignee_id}
        self.assigned_at.setdefault(key, at)

    def unassign(self, app_id: str, assignee_id: str, *, group: bool) -> None:
        table = self.group_assignments if group else self.user_assignments
        table[self.app(app_id).id] -= {assignee_id}
        self.assigned_at.pop(f"{app_id}/{assignee_id}", None)
        self.priorities.pop(f"{app_id}/{assignee_id}", None)

    def is_assigned(self, app_id: str, user_id: str, group_ids: frozenset[str]) -> bool:
        """Whether the user (member of ``group_ids``) is assigned the app, directly or through a group."""
        if user_id in self.user_assignments.get(app_id, frozenset()):
            return True
        return bool(self.group_assignments.get(app_id, frozenset()) & group_ids)
