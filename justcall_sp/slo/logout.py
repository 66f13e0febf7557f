"""JustCall's two Single Logout flows, each one transaction (Profiles 4.4).

SP-initiated: Sign out ends the JustCall session, then ``start_logout`` records and signs a LogoutRequest for Okta
(HTTP-Redirect); Okta's signed LogoutResponse comes back to ``receive``. Okta-initiated: Okta's signed
LogoutRequest comes to ``receive``, which ends the named person's SSO sessions and answers with a signed
LogoutResponse (HTTP-Redirect to Okta's SLO URL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from sqlalchemy import Connection

from justcall_sp import activity_log, sso_store
from justcall_sp.acs.reasons import Reject
from justcall_sp.certificates import NotACertificate, load_certificate
from justcall_sp.db import Database
from justcall_sp.slo import checks, messages, store
from justcall_sp.slo.sessions import SsoLogin
from justcall_sp.sso_advanced import load_advanced
from justcall_sp.sso_store import AccountRecord

MESSAGE_LIFETIME = timedelta(minutes=10)
"""How long a sent LogoutRequest waits for its answer, and how long a received ID is kept against replays."""

FLOW = "slo"


@dataclass(frozen=True)
class SloRequest:
    """One message posted to the account's SLO endpoint and what the app knows about the endpoint."""

    slug: str
    param: str
    """``SAMLRequest`` or ``SAMLResponse``: the form field it came in."""
    posted: list[str]
    slo_url: str
    entity_id: str
    now: datetime
    max_bytes: int
    new_id: Callable[[], str]


@dataclass(frozen=True)
class SloResult:
    """What the view does next: follow ``redirect_to`` (Okta, or the sign-in page), or show the error page."""

    reference: str
    ok: bool
    redirect_to: str | None = None
    reject: Reject | None = None
    ended_user_id: int | None = None
    """The person whose SSO sessions Okta's LogoutRequest ended."""


def start_logout(
    db: Database, slug: str, login: SsoLogin, entity_id: str, now: datetime, new_id: Callable[[], str]
) -> str | None:
    """Return Okta's SLO URL with a signed LogoutRequest for ``login``, or None when Single Logout is off."""
    with db.transaction() as conn:
        account = sso_store.load_account(conn, slug)
        if account is None or account.sso is None or not account.sso.configured:
            return None
        settings = store.load_settings(conn, account.id)
        key = load_advanced(conn, account.id).signing_key
        if not settings.enabled or not settings.idp_slo_url or key is None:
            return None
        store.purge(conn, now)
        request_id = new_id()
        xml = messages.build_logout_request(
            request_id, now, settings.idp_slo_url, entity_id, login.name_id, login.session_index, login.name_id_format
        )
        store.remember_sent(conn, account.id, request_id, now + MESSAGE_LIFETIME)
        _log(conn, now, slug, None, f"sent LogoutRequest {request_id} for {login.name_id}", request_id)
    return messages.signed_redirect_url(settings.idp_slo_url, "SAMLRequest", xml, None, key)


def receive(db: Database, req: SloRequest) -> SloResult | None:
    """Check and act on one logout message from Okta; None when the account does not exist (404)."""
    with db.transaction() as conn:
        account = sso_store.load_account(conn, req.slug)
        if account is None:
            return None
        store.purge(conn, req.now)
        try:
            return _act(conn, account, req)
        except Reject as refused:
            return SloResult(_log(conn, req.now, req.slug, refused, "", None), ok=False, reject=refused)


def _act(conn: Connection, account: AccountRecord, req: SloRequest) -> SloResult:
    config = account.sso
    settings = store.load_settings(conn, account.id)
    if config is None or not config.configured or config.certificate is None or config.idp_issuer is None:
        raise Reject("slo.disabled", f"SSO is not configured for account {account.slug!r}")
    if not settings.enabled or not settings.idp_slo_url:
        raise Reject("slo.disabled", "Single Logout is off, or the Okta Single Logout URL is not set")
    xml, root = messages.decode_posted(req.posted, req.max_bytes)
    message = messages.read(root)
    if (message.kind == "request") != (req.param == "SAMLRequest"):
        raise Reject("slo.invalid", f"a {message.kind} posted as {req.param}")
    checks.check_signed(xml, root, _certificate(config.certificate), req.now)
    checks.check_issuer(message, config.idp_issuer)
    checks.check_destination(message, req.slo_url)
    if message.kind == "response":
        checks.check_answers_pending(
            store.answer_sent(conn, account.id, message.in_response_to or "", req.now), message
        )
        checks.check_success(message)
        reference = _log(conn, req.now, req.slug, None, "Okta ended its session", message.in_response_to)
        return SloResult(reference, ok=True, redirect_to="/login")
    name_id = checks.check_logout_request(message, req.now)
    # SAMLCore 3.7.3.1 / Profiles 4.4.4.1: a LogoutRequest is acted on once; a replayed ID is refused.
    if not store.remember_received(conn, account.id, message.id, req.now + MESSAGE_LIFETIME):
        raise Reject("slo.replay", f"LogoutRequest {message.id!r} was already acted on")
    user = sso_store.find_user(conn, name_id)
    if user is None or user.account_id != account.id:
        raise Reject("slo.unknown_principal", f"{name_id!r} is not a user of this JustCall account")
    # SAMLCore 3.7.3.2: end the sessions of the principal the request names (and only that principal's).
    store.end_sessions(conn, user.id, req.now)
    answer = messages.build_logout_response(req.new_id(), req.now, settings.idp_slo_url, req.entity_id, message.id)
    key = load_advanced(conn, account.id).signing_key
    if key is None:
        raise Reject("slo.disabled", "JustCall has no signing key to sign its LogoutResponse")
    reference = _log(conn, req.now, req.slug, None, f"Okta logged out {user.email}", message.id)
    redirect_to = messages.signed_redirect_url(settings.idp_slo_url, "SAMLResponse", answer, None, key)
    return SloResult(reference, ok=True, redirect_to=redirect_to, ended_user_id=user.id)


def _certificate(der: bytes) -> x509.Certificate:
    try:
        return load_certificate(der)
    except NotACertificate as exc:
        raise Reject("slo.disabled", "the stored Okta certificate cannot be read") from exc


def _log(
    conn: Connection, now: datetime, slug: str, reject: Reject | None, summary: str, in_response_to: str | None
) -> str:
    return activity_log.record(
        conn,
        activity_log.ActivityEntry(
            at=now,
            account_slug=slug,
            flow=FLOW,
            outcome="failure" if reject else "success",
            category=reject.category if reject else None,
            reason=reject.reason if reject else None,
            detail=reject.detail if reject else summary,
            in_response_to=in_response_to,
        ),
    )
