"""Look into the bundled SP: count its rows (hostile input must write nothing) and drive its settings form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import func, select

from justcall_sp.models import Base
from justcall_sp.service import JustCall
from saml_harness.agent.user_agent import UserAgent, form_values

ACTIVITY_TABLE = "sso_activity"


def row_counts(justcall: JustCall) -> dict[str, int]:
    """Return the number of rows of every table of the JustCall SP (``justcall`` is its facade)."""
    with justcall.db.session() as session:
        return {
            table.name: int(session.execute(select(func.count()).select_from(table)).scalar_one())
            for table in Base.metadata.sorted_tables
        }


def writes(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """Return the tables whose row count changed, with the change."""
    return {name: after[name] - before.get(name, 0) for name in after if after[name] != before.get(name, 0)}


def only_activity(before: Mapping[str, int], after: Mapping[str, int], at_most: int = 1) -> str | None:
    """Return a problem unless the only write is at most ``at_most`` activity-log rows."""
    changed = writes(before, after)
    extra = {k: v for k, v in changed.items() if k != ACTIVITY_TABLE}
    if extra:
        return f"rows written besides the activity log: {extra}"
    if changed.get(ACTIVITY_TABLE, 0) > at_most:
        return f"{changed[ACTIVITY_TABLE]} activity rows written, at most {at_most} expected"
    return None


@dataclass
class SettingsPage:
    """The account owner's signed-in device and the SSO settings form as the browser would submit it."""

    ua: UserAgent
    url: str
    values: dict[str, str]

    def post(self, changes: Mapping[str, str], certificate: bytes | None = None) -> requests.Response:
        """Submit the form with ``changes`` (and an uploaded certificate), without following redirects."""
        files = {"certificate": ("okta.cert", certificate)} if certificate is not None else None
        data = self.values | dict(changes)
        return self.ua.http.post(self.url, data=data, files=files, allow_redirects=False, timeout=10)


def open_settings(deployment: Any) -> SettingsPage:
    """Sign in as the JustCall owner (break-glass password) and open Settings > Security > Single Sign-On."""
    owner = deployment.demo.owner
    ua = UserAgent()
    page = ua.get(f"{deployment.sp_url}/login")
    form = page.form_with("email", "password")
    if form is None or owner.password is None:
        raise AssertionError("JustCall's login page has no password form, or the owner has no password")
    ua.submit(page, form, {"email": owner.email, "password": owner.password})
    url = f"{deployment.sp_url}/settings/security/sso"
    page = ua.get(url)
    form = page.form_with("idp_issuer", "idp_sso_url")
    if form is None:
        raise AssertionError(f"no SSO configuration form at {url}:\n{page.text[:500]}")
    return SettingsPage(ua, url, form_values(form) | {"action": "save"})
