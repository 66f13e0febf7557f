"""The org's people: users, groups and their members, admin roles, SSWS API tokens."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from mock_idp.admin.records import ApiToken
from mock_idp.aggregates.base import Aggregate, require
from mock_idp.model import Group, User, UserStatus, UserTimes


@dataclass
class Directory(Aggregate):
    """Users by id, groups by id with their members, admin roles by user id, API tokens by digest."""

    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    members: dict[str, frozenset[str]] = field(default_factory=dict)
    admin_roles: dict[str, str] = field(default_factory=dict)
    api_tokens: dict[str, ApiToken] = field(default_factory=dict, repr=False)
    created: dict[str, datetime] = field(default_factory=dict, repr=False)
    """When each user and group was created (the Admin API's ``created``)."""
    user_times: dict[str, UserTimes] = field(default_factory=dict, repr=False)
    """Each user's lifecycle instants: activated, status changed, last sign-in, password changed."""
    membership_updated: dict[str, datetime] = field(default_factory=dict, repr=False)
    """When each group's members last changed (the Admin API's ``lastMembershipUpdated``)."""
    everyone_id: str | None = None
    """The BUILT_IN "Everyone" group: every user is a member, nobody is added or removed."""

    # ------------------------------------------------------------------------------------------ users

    def find_user(self, login: str) -> User | None:
        """Return the user whose login matches (case-insensitive, as Okta usernames are)."""
        wanted = login.strip().lower()
        return next((u for u in self.users.values() if u.login.lower() == wanted), None)

    def check_login_free(self, login: str) -> None:
        if self.find_user(login) is not None:
            raise ValueError(f"a user with login {login!r} already exists")

    def add_user(self, user: User, at: datetime) -> None:
        self.check_login_free(user.login)
        self.users[user.id] = user
        self.created[user.id] = at
        active = user.status == "ACTIVE"
        self.user_times[user.id] = UserTimes(
            created=at,
            activated=at if active else None,
            status_changed=at if active else None,
            last_updated=at,
            password_changed=at,
        )
        if self.everyone_id is not None:
            self.membership_updated[self.everyone_id] = at

    def user(self, user_id: str) -> User:
        return require(self.users, user_id, "user")

    def set_status(self, user_id: str, status: UserStatus, at: datetime) -> None:
        self.users[user_id] = replace(self.users[user_id], status=status)
        times = self.times_of(user_id)
        activated = at if status == "ACTIVE" else times.activated
        self.user_times[user_id] = replace(times, status_changed=at, last_updated=at, activated=activated)

    def set_password_hash(self, user_id: str, password_hash: str, at: datetime) -> None:
        self.users[user_id] = replace(self.users[user_id], password_hash=password_hash)
        self.user_times[user_id] = replace(self.times_of(user_id), password_changed=at, last_updated=at)

    def record_sign_in(self, user_id: str, at: datetime) -> None:
        """Remember the user's latest sign-in (the Admin API's ``lastLogin``)."""
        self.user_times[user_id] = replace(self.times_of(user_id), last_login=at)

    def times_of(self, user_id: str) -> UserTimes:
        return require(self.user_times, self.user(user_id).id, "user")

    # ------------------------------------------------------------------------------------------ groups

    def add_group(self, group: Group, at: datetime) -> None:
        if group.type == "BUILT_IN":
            if self.everyone_id is not None:
                raise ValueError("the org already has its built-in Everyone group")
            self.everyone_id = group.id
        self.groups[group.id] = group
        self.members[group.id] = frozenset()
        self.created[group.id] = at
        self.membership_updated[group.id] = at

    def group(self, group_id: str) -> Group:
        return require(self.groups, group_id, "group")

    def add_member(self, group_id: str, user_id: str, at: datetime) -> None:
        self.group(group_id)
        self.user(user_id)
        if group_id == self.everyone_id or user_id in self.members[group_id]:
            return
        self.members[group_id] = self.members[group_id] | {user_id}
        self.membership_updated[group_id] = at

    def remove_member(self, group_id: str, user_id: str, at: datetime) -> None:
        if group_id == self.everyone_id:
            raise ValueError("everyone is a member of Everyone: remove the user from the org instead")
        if user_id in self.members.get(group_id, frozenset()):
            self.members[group_id] = self.members[group_id] - {user_id}
            self.membership_updated[group_id] = at

    def group_members(self, group_id: str) -> frozenset[str]:
        self.group(group_id)
        if group_id == self.everyone_id:
            return frozenset(self.users)
        return self.members[group_id]

    def group_ids_of(self, user_id: str) -> frozenset[str]:
        explicit = frozenset(g for g, members in self.members.items() if user_id in members)
        everyone = self.everyone_id if self.everyone_id is not None and user_id in self.users else None
        return explicit | {everyone} if everyone else explicit

    # ------------------------------------------------------------------------------------------ admins, tokens

    def grant_role(self, user_id: str, role: str) -> None:
        self.user(user_id)
        self.admin_roles[user_id] = role

    def revoke_role(self, user_id: str) -> None:
        self.admin_roles.pop(user_id, None)

    def admins(self) -> list[tuple[User, str]]:
        return [(self.users[uid], role) for uid, role in self.admin_roles.items() if uid in self.users]

    def add_token(self, record: ApiToken) -> None:
        self.api_tokens[record.digest] = record

    def valid_token(self, digest: str) -> ApiToken | None:
        """Return the token record if its owner, if any, still exists and is ACTIVE."""
        record = self.api_tokens.get(digest)
        if record is None or record.user_id is None:
            return record
        owner = self.users.get(record.user_id)
        # Deactivating an admin revokes their tokens, as in Okta.
        return record if owner is not None and owner.status == "ACTIVE" else None

    def revoke_token(self, token_id: str) -> None:
        self.api_tokens = {d: t for d, t in self.api_tokens.items() if t.id != token_id}
