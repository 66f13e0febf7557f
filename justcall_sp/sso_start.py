"""Start SP-initiated SSO: find the account by the company email's domain, store an AuthnRequest, redirect."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import Connection

from justcall_sp import activity_log, sso_store, urls
from justcall_sp.acs.account_rules import email_domain
from justcall_sp.acs.policy import AUTHN_REQUEST_LIFETIME
from justcall_sp.acs.reasons import category_for
from justcall_sp.authn_request import AuthnRequestParams, build_authn_request, redirect_url
from justcall_sp.db import Database
from justcall_sp.service import DOMAIN_NAME
from justcall_sp.sso_advanced import load_advanced
from justcall_sp.sso_login import SETTINGS_PATH
from justcall_sp.sso_store import AccountRecord, NewRequest, SsoSettings

STALE_REQUEST_RETENTION = timedelta(days=1)
"""Expired AuthnRequest rows are kept this long (to explain late answers in the log), then purged."""


USER_DETAIL = {
    "account.domain_unverified": "Your company's email domain has not been verified in JustCall yet. Sign in with "
    "your password, or ask your JustCall administrator.",
    "account.plan": "Single sign-on is available on the JustCall Business plan. Sign in with your password.",
    "account.sso_disabled": "Your company has not turned on single sign-on for JustCall. Sign in with your "
    "password, or ask your JustCall administrator.",
}


_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
MAX_EMAIL_CHARS = 320
"""RFC 3696 errata: 64 characters before the @, 255 after."""


def company_email_ok(email: str) -> bool:
    """Whether ``email`` looks like a mailbox: one @, a plain local part, a dotted domain, at most 320 characters.

    Bad input writes nothing: a malformed or hostile address is refused before an AuthnRequest is stored.
    """
    if len(email) > MAX_EMAIL_CHARS or email.count("@") != 1:
        return False
    local, domain = email.split("@")
    return bool(_LOCAL_PART.match(local)) and "." in domain and DOMAIN_NAME.match(domain.lower()) is not None


@dataclass(frozen=True)
class SsoStart:
    """Where to send the browser, or why not (with the HTTP status for the page).

    An account rule refusal (``reason`` set) is logged like an ACS refusal and shown with the same error
    markup and reference; a form problem (unknown domain, not an email) only gets ``error`` on the form.
    """

    redirect_url: str | None = None
    error: str | None = None
    status: int = 302
    reason: str | None = None
    reference: str | None = None

    @property
    def user_detail(self) -> str:
        return USER_DETAIL.get(self.reason or "", "")


def _refuse(conn: Connection, account: AccountRecord, email: str, reason: str, detail: str, now: datetime) -> SsoStart:
    entry = activity_log.ActivityEntry(
        at=now,
        account_slug=account.slug,
        flow="sp_initiated",
        outcome="failure",
        category=category_for(reason),
        reason=reason,
        detail=f"Sign in with SSO refused before any request was sent: {detail}",
        email=email,
    )
    reference = activity_log.record(conn, entry)
    return SsoStart(error=category_for(reason), status=403, reason=reason, reference=reference)


def _account_problem(conn: Connection, account: AccountRecord, email: str, now: datetime) -> SsoStart | None:
    if not account.plan_has_sso:
        return _refuse(conn, account, email, "account.plan", f"plan {account.plan!r} has no SSO", now)
    config = account.sso
    if config is None or not config.enabled:
        return _refuse(conn, account, email, "account.sso_disabled", "SSO is not enabled", now)
    if not config.configured:
        return _refuse(conn, account, email, "account.sso_disabled", "SSO URL/Issuer/Certificate not saved", now)
    return None


def begin_login(
    db: Database, app: Flask, email: str, next_path: str | None, now: datetime, new_id: Callable[[], str]
) -> SsoStart:
    """Sign in with SSO: company email -> account by verified domain -> AuthnRequest over HTTP-Redirect."""
    email = email.strip()
    if not company_email_ok(email):
        return SsoStart(error="Enter your company email address.", status=400)
    domain = email_domain(email)
    with db.transaction() as conn:
        owner = sso_store.domain_owner(conn, domain)
        account = None if owner is None else sso_store.load_account(conn, owner.account_slug)
        if owner is None or account is None:
            return SsoStart(
                error=f"No JustCall account uses single sign-on for {domain}. Check the address, or sign in "
                "with your password.",
                status=400,
            )
        if not owner.verified:
            return _refuse(conn, account, email, "account.domain_unverified", f"{domain} is not verified", now)
        if problem := _account_problem(conn, account, email, now):
            return problem
        assert account.sso is not None
        url = _issue(conn, app, account, account.sso, "login", urls.relay_state_for(next_path), now, new_id)
    return SsoStart(redirect_url=url)


def begin_test(db: Database, app: Flask, slug: str, now: datetime, new_id: Callable[[], str]) -> SsoStart:
    """Test Connection: the same AuthnRequest with purpose ``test``; the result lands on the settings page."""
    with db.transaction() as conn:
        account = sso_store.load_account(conn, slug)
        if account is None:
            return SsoStart(error="Unknown account.", status=404)
        config = account.sso
        if config is None or not config.configured:
            return SsoStart(error="Save the SSO URL, Issuer and Certificate before testing.", status=400)
        url = _issue(conn, app, account, config, "test", SETTINGS_PATH, now, new_id)
    return SsoStart(redirect_url=url)


def _issue(
    conn: Connection,
    app: Flask,
    account: AccountRecord,
    config: SsoSettings,
    purpose: str,
    relay_state: str,
    now: datetime,
    new_id: Callable[[], str],
) -> str:
    assert config.idp_sso_url is not None
    request_id = new_id()
    stored = NewRequest(request_id, account.id, now, now + AUTHN_REQUEST_LIFETIME, relay_state, purpose)
    sso_store.store_request(conn, stored, purge_before=now - STALE_REQUEST_RETENTION)
    xml = build_authn_request(
        AuthnRequestParams(
            request_id=request_id,
            issue_instant=now,
            destination=config.idp_sso_url,
            acs_url=urls.acs_url(app, account.slug),
            entity_id=urls.entity_id(app, account.slug),
        )
    )
    # "Sign AuthnRequests": the query signature of the Redirect binding; Okta checks it when Signed Requests is on.
    advanced = load_advanced(conn, account.id)
    key = advanced.signing_key if advanced.sign_authn_requests else None
    return redirect_url(config.idp_sso_url, xml, relay_state, key)
