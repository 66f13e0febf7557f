"""The org's signing keys per app ("SAML Signing Certificates"), and the credentials no app owns."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from mock_idp.aggregates.base import KEPT, Aggregate
from mock_idp.keys import Credential
from mock_idp.model import SigningKey


@dataclass
class KeyRing(Aggregate):
    """Each app's keys, oldest first (exactly one Active once the app exists)."""

    keys: dict[str, tuple[SigningKey, ...]] = field(default_factory=dict)
    special: dict[str, Credential] = field(default_factory=dict, metadata=KEPT, compare=False, repr=False)
    """``other``/``expired``/``not_yet_valid`` credentials, made once per org: an RSA key is costly to make."""

    def open(self, app_id: str) -> None:
        self.keys[app_id] = ()

    def remove(self, app_id: str) -> None:
        self.keys.pop(app_id, None)

    def of(self, app_id: str) -> tuple[SigningKey, ...]:
        return self.keys[app_id]

    def find(self, app_id: str, kid: str) -> SigningKey:
        found = next((k for k in self.keys[app_id] if k.kid == kid), None)
        if found is None:
            raise KeyError(f"app {app_id} has no signing key {kid!r}")
        return found

    def active(self, app_id: str) -> SigningKey:
        return next(k for k in self.keys[app_id] if k.status == "Active")

    def add(self, app_id: str, key: SigningKey) -> None:
        self.keys[app_id] += (key,)

    def activate(self, app_id: str, kid: str) -> SigningKey:
        """Make ``kid`` the Active key and every other key of the app Inactive."""
        self.find(app_id, kid)
        self.keys[app_id] = tuple(
            replace(k, status="Active" if k.kid == kid else "Inactive") for k in self.keys[app_id]
        )
        return self.find(app_id, kid)
