"""Keep App Integration Wizard drafts server-side between steps (a logo is too big for the session cookie)."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from mock_idp.admin.records import AppLogo
from mock_idp.admin.saml_form import SamlSettings

MAX_DRAFTS = 200
"""Drafts kept (oldest dropped first), so abandoned wizards cannot grow memory forever."""


@dataclass(frozen=True)
class Draft:
    """One admin's wizard so far: General Settings, then Configure SAML (validated at Finish)."""

    id: str
    owner: str
    label: str = ""
    logo: AppLogo | None = None
    settings: SamlSettings | None = None


class DraftStore:
    """Thread-safe drafts keyed by an unguessable id; each is readable only by the admin who started it."""

    def __init__(self) -> None:
        self._drafts: OrderedDict[str, Draft] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, owner: str) -> Draft:
        """Start a new draft for admin ``owner`` (a user id)."""
        draft = Draft(id=secrets.token_urlsafe(16), owner=owner)
        self.save(draft)
        return draft

    def get(self, draft_id: str, owner: str) -> Draft | None:
        """Return the draft if it exists and belongs to ``owner``."""
        with self._lock:
            draft = self._drafts.get(draft_id)
        return draft if draft is not None and draft.owner == owner else None

    def save(self, draft: Draft) -> None:
        """Store (or replace) a draft."""
        with self._lock:
            self._drafts[draft.id] = draft
            self._drafts.move_to_end(draft.id)
            while len(self._drafts) > MAX_DRAFTS:
                self._drafts.popitem(last=False)

    def drop(self, draft_id: str) -> None:
        """Forget a finished or cancelled draft."""
        with self._lock:
            self._drafts.pop(draft_id, None)
