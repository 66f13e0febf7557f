"""Run the help article's two login flows at protocol level and judge what the SP did.

- SP-initiated ("From JustCall"): Sign in with SSO -> company email -> AuthnRequest -> Okta sign-in
  -> auto-POST to the ACS -> landing page.
- IdP-initiated ("From Okta"): Okta sign-in -> dashboard -> JustCall tile -> auto-POST to the ACS.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from saml_harness.agent.outcome import Outcome
from saml_harness.agent.user_agent import FlowError, Page, UserAgent, form_values

SP_INITIATED = "sp_initiated"
IDP_INITIATED = "idp_initiated"
FLOWS = (SP_INITIATED, IDP_INITIATED)


PROFILES = ("justcall", "saml2-sp")
"""``justcall``: every JustCall policy applies (the bundled SP, real JustCall staging); ``saml2-sp``: spec MUSTs and
security only, so a JustCall policy the SP does not follow is a policy difference, not a failure."""


@dataclass(frozen=True)
class Claims:
    """What the SP under test says about its own rules; the suites read these instead of assuming the bundled SP's."""

    clock_skew_s: int = 90
    """Allowed clock skew either way, in seconds (time-window cases step past it with a margin)."""
    required_attributes: tuple[str, ...] = ("email", "firstName", "lastName")
    """Attribute names (as sent by Okta) the SP needs to sign a person in."""
    nameid_format: str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    signed_response_required: bool = False
    """A signed Assertion inside an unsigned Response is refused."""
    signed_assertion_required: bool = False
    """The Assertion must carry its own signature: a signed Response around it is not enough (the bundled SP
    accepts Okta's "Response: Signed, Assertion: Unsigned")."""
    sha1_accepted: bool = False
    idp_initiated_allowed: bool = True
    clock_control_url: str | None = None
    """Where the harness moves the SP's clock (``POST {"offset_seconds": N}``); None: time cannot pass for it."""


@dataclass(frozen=True)
class Target:
    """Where the SP under test lives and how it shows success and failure."""

    name: str
    sp_url: str
    acs_url: str
    entity_id: str
    sso_start_url: str
    """Page with the "Sign in with SSO" company-email form."""
    me_url: str | None = None
    """Who-am-I URL answering JSON with ``me_json_key`` when signed in."""
    activity_url: str | None = None
    """The bundled SP's activity-log API, to read the reason code behind an error page."""
    api_token: str | None = None
    email_field: str = "email"
    """Name of the company-email field (``login_mode = "form"``) or query parameter (``"query"``)."""
    login_mode: str = "form"
    """``form``: fill the email form at ``sso_start_url``; ``query``: GET ``sso_start_url?email=...``."""
    me_json_key: str = "email"
    error_element_id: str = "sso-error"
    """Element whose text is the user-visible error on the SP's error page."""
    success_url_pattern: str | None = None
    """Without a who-am-I URL: a final URL matching this regex (and no error element) means accepted."""
    success_text_pattern: str | None = None
    identity_pattern: str | None = None
    """Without a who-am-I URL: a regex whose group 1 is the signed-in email on the final page."""
    logout_url: str | None = None
    """Where a request ends the SP session (the bundled SP's sign-out needs its CSRF form instead)."""
    logout_method: str = "POST"
    """``POST`` or ``GET`` to ``logout_url``."""
    bundled: bool = False
    """The bundled JustCall SP: reason codes and SP-side setup are available."""
    profile: str = "justcall"
    """Which rules apply (one of ``PROFILES``)."""
    claims: Claims = field(default_factory=Claims)


@dataclass(frozen=True)
class IdpSide:
    """Where a person meets the mock Okta org."""

    url: str
    dashboard_url: str
    app_label: str
    embed_link: str | None = None
    """The app's direct IdP-initiated link (what a bookmarked tile opens)."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


def sp_initiated(
    ua: UserAgent,
    target: Target,
    credentials: Credentials,
    next_path: str | None = None,
    before_sign_in: Callable[[], None] | None = None,
    before_response_post: Callable[[str], None] | None = None,
) -> Outcome:
    """Start at the SP's Sign in with SSO page, as a user clicking it on JustCall's login page."""
    ua.new_trace()
    if target.login_mode == "query":
        query = {target.email_field: credentials.username} | ({"next": next_path} if next_path else {})
        page = ua.get(f"{target.sso_start_url}?{urlencode(query)}")
        return judge(
            ua,
            target,
            continue_flow(
                ua, page, credentials, before_sign_in=before_sign_in, before_response_post=before_response_post
            ),
        )
    start = target.sso_start_url + (f"?{urlencode({'next': next_path})}" if next_path else "")
    page = ua.get(start)
    form = page.form_with(target.email_field)
    if form is None:
        raise FlowError(f"no company-email form at {start}:\n{ua.trace.render()}")
    page = ua.submit(page, form, {target.email_field: credentials.username})
    return judge(
        ua,
        target,
        continue_flow(ua, page, credentials, before_sign_in=before_sign_in, before_response_post=before_response_post),
    )


def idp_initiated(
    ua: UserAgent,
    target: Target,
    idp: IdpSide,
    credentials: Credentials,
    before_sign_in: Callable[[], None] | None = None,
    before_response_post: Callable[[str], None] | None = None,
) -> Outcome:
    """Start at the Okta dashboard and click the app's tile, as a user does from Okta."""
    ua.new_trace()
    page = continue_flow(
        ua, ua.get(idp.dashboard_url), credentials, stop_at_dashboard=True, before_sign_in=before_sign_in
    )
    tile = _tile_href(page, idp.app_label)
    if tile is None:
        if page.form_with("username", "password") is not None or idp.embed_link is None:
            return judge(ua, target, page)
        # Okta shows no tile for an app the user is not assigned; a bookmarked tile link still works.
        ua.trace.hops[-1].note = f"no {idp.app_label!r} tile on the Okta dashboard; opening the app link directly"
        tile = idp.embed_link
    page = continue_flow(ua, ua.get(tile), credentials, before_response_post=before_response_post)
    return judge(ua, target, page)


def run_flow(
    flow: str,
    ua: UserAgent,
    target: Target,
    idp: IdpSide,
    credentials: Credentials,
    next_path: str | None = None,
    before_sign_in: Callable[[], None] | None = None,
    before_response_post: Callable[[str], None] | None = None,
) -> Outcome:
    """Run ``flow`` (``sp_initiated`` | ``idp_initiated``) for ``credentials``.

    ``before_sign_in`` runs when the person is on Okta's sign-in page, before submitting it (time passing there);
    ``before_response_post`` gets the SAMLResponse the browser is about to post to the SP (stopping its clock).
    """
    if flow == SP_INITIATED:
        return sp_initiated(ua, target, credentials, next_path, before_sign_in, before_response_post)
    if flow == IDP_INITIATED:
        return idp_initiated(ua, target, idp, credentials, before_sign_in, before_response_post)
    raise ValueError(f"unknown flow {flow!r}; expected one of {FLOWS}")


def continue_flow(
    ua: UserAgent,
    page: Page,
    credentials: Credentials,
    stop_at_dashboard: bool = False,
    before_sign_in: Callable[[], None] | None = None,
    before_response_post: Callable[[str], None] | None = None,
) -> Page:
    """Do what a person and their browser do until nothing is left to do.

    Submits auto-POST forms (SAMLRequest/SAMLResponse) as the page's script would, and the IdP's
    sign-in form once with ``credentials``.
    """
    signed_in = False
    for _ in range(10):
        auto_post = page.form_with("SAMLResponse")
        if auto_post is not None and before_response_post is not None:
            before_response_post(form_values(auto_post).get("SAMLResponse", ""))
        if auto_post is None:
            auto_post = page.form_with("SAMLRequest")
        if auto_post is not None:
            page = ua.submit(page, auto_post)
            continue
        sign_in = page.form_with("username", "password")
        if sign_in is not None and not signed_in:
            signed_in = True
            if before_sign_in is not None:
                before_sign_in()
            page = ua.submit(page, sign_in, {"username": credentials.username, "password": credentials.password})
            continue
        return page
    raise FlowError(f"flow did not settle:\n{ua.trace.render()}")


def _tile_href(page: Page, label: str) -> str | None:
    root = page.html
    if root is None:
        return None
    for link in root.xpath('//a[contains(concat(" ", normalize-space(@class), " "), " app-tile ")]'):
        if " ".join(link.text_content().split()) == label:
            href = link.get("href")
            return None if href is None else _absolute(page.url, href)
    return None


def _absolute(base: str, href: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, href)


def judge(ua: UserAgent, target: Target, page: Page, note: str = "") -> Outcome:
    """Turn the final page into an Outcome: ask the SP who is signed in, read its error, find the reason."""
    trace = ua.trace
    on_sp = _same_origin(page.url, target.sp_url)
    outcome = Outcome(accepted=False, trace=trace, final_url=page.url, final_status=page.status)
    # The answer the person saw: the who-am-I and activity-log lookups come after it.
    final_hop = trace.hops[-1] if trace.hops else None
    if note and final_hop is not None:
        final_hop.note = note
    if not on_sp:
        outcome.idp_error = page.find_text("sign-in-error") or page.title or f"HTTP {page.status}"
    else:
        outcome.sp_error = page.find_text(target.error_element_id)
        outcome.sp_error_detail = page.find_text(f"{target.error_element_id}-detail")
        outcome.reference = page.find_text("sso-reference")
    if target.me_url:
        outcome.identity, outcome.role = _who_am_i(ua, target)
        outcome.accepted = outcome.identity is not None
    elif on_sp and outcome.sp_error is None:
        outcome.accepted, outcome.identity = _judge_by_patterns(target, page)
    if outcome.reference and target.activity_url:
        outcome.reason = _reason_for(ua, target, outcome.reference)
    if on_sp and not outcome.accepted:
        outcome.sp_status = page.status
        shown = ": ".join(text for text in (outcome.sp_error, outcome.sp_error_detail) if text)
        outcome.sp_said = _trimmed(shown) if shown else visible_text(page)
        if final_hop is not None:
            said = f"SP refused: HTTP {page.status}: {outcome.sp_said or '(no text)'}"
            final_hop.note = f"{final_hop.note}; {said}" if final_hop.note else said
    return outcome


def who_is_signed_in(ua: UserAgent, target: Target) -> str | None:
    """Ask the SP's who-am-I URL who this user agent is signed in as (None: nobody)."""
    if target.me_url is None:
        raise FlowError(f"{target.name!r} has no who-am-I URL ([identity] url) to ask who is signed in")
    return _who_am_i(ua, target)[0]


SAID_LIMIT = 300
"""Characters of an SP's error page kept in outcomes and reports: enough to recognise its message."""


def visible_text(page: Page, limit: int = SAID_LIMIT) -> str:
    """Return what a person reads on the page (no scripts, styles or markup), whitespace-collapsed and trimmed."""
    root = page.html
    if root is None:
        text = " ".join(page.text.split())
    else:
        parts = root.xpath("//text()[not(ancestor::script or ancestor::style or ancestor::head)]")
        text = " ".join(" ".join(str(part) for part in parts).split())
    return _trimmed(text, limit)


def _trimmed(text: str, limit: int = SAID_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _who_am_i(ua: UserAgent, target: Target) -> tuple[str | None, str | None]:
    """Return who the SP says is signed in, and their role when its answer names one (JustCall's ``role``)."""
    assert target.me_url is not None
    me = ua.request("GET", target.me_url, note="who am I")
    if me.status != 200:
        return None, None
    try:
        body = me.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    value, role = body.get(target.me_json_key), body.get("role")
    return (str(value) if value else None), (str(role) if value and role else None)


def _judge_by_patterns(target: Target, page: Page) -> tuple[bool, str | None]:
    """Decide acceptance from the final page alone, for SPs without a who-am-I endpoint."""
    if page.status >= 400:
        return False, None
    if target.success_url_pattern and not re.search(target.success_url_pattern, page.url):
        return False, None
    if target.success_text_pattern and not re.search(target.success_text_pattern, page.text):
        return False, None
    if not (target.success_url_pattern or target.success_text_pattern):
        return False, None
    identity = None
    if target.identity_pattern:
        found = re.search(target.identity_pattern, page.text)
        identity = found.group(1) if found else None
    return True, identity


def _reason_for(ua: UserAgent, target: Target, reference: str) -> str | None:
    assert target.activity_url is not None
    headers = {"Authorization": f"Bearer {target.api_token}"} if target.api_token else {}
    url = f"{target.activity_url}{'&' if '?' in target.activity_url else '?'}{urlencode({'reference': reference})}"
    answer = ua.fetch("GET", url, headers=headers)
    if answer.status_code != 200:
        return None
    entries = answer.json()
    return str(entries[0]["reason"]) if entries else None


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)
