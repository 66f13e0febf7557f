"""Sign out as a person does, at JustCall or at Okta, follow every redirect and auto-POST, and ask both sides
who is signed in afterwards (the logout flows; no session is judged from a page alone)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from saml_harness.agent.flows import IdpSide, Target, who_is_signed_in
from saml_harness.agent.user_agent import FlowError, Page, UserAgent

MAX_AUTO_POSTS = 10


@dataclass(frozen=True)
class SignedInAfter:
    """Who-am-I at each side after the logout: the SP's identity (None: nobody) and whether Okta still knows them."""

    sp: str | None
    okta: bool

    def as_json(self) -> dict[str, object]:
        return {"sp": self.sp, "okta": self.okta}


def follow_auto_posts(ua: UserAgent, page: Page) -> Page:
    """Submit auto-POST forms (SAMLRequest/SAMLResponse) as the page's script would, until none is left."""
    for _ in range(MAX_AUTO_POSTS):
        form = page.form_with("SAMLRequest")
        if form is None:
            form = page.form_with("SAMLResponse")
        if form is None:
            return page
        page = ua.submit(page, form)
    raise FlowError(f"logout did not settle:\n{ua.trace.render()}")


def sign_out_at_sp(ua: UserAgent, sp_url: str) -> Page:
    """Press JustCall's Sign out (its CSRF form on the landing page) and follow the logout through Okta and back."""
    page = ua.get(f"{sp_url}/")
    form = page.form_with("csrf_token")
    if form is None:
        raise FlowError(f"JustCall's landing page has no sign-out form:\n{ua.trace.render()}")
    return follow_auto_posts(ua, ua.submit(page, form))


def sign_out_at_okta(ua: UserAgent, idp: IdpSide) -> Page:
    """Press Sign Out on Okta's dashboard and follow the LogoutRequests Okta sends to the apps."""
    page = ua.get(idp.dashboard_url)
    forms = [f for f in page.forms() if (f.get("action") or "").endswith("/login/signout")]
    if not forms:
        raise FlowError(f"Okta's dashboard has no Sign Out form:\n{ua.trace.render()}")
    action = urljoin(page.url, forms[0].get("action") or "")
    return follow_auto_posts(ua, ua.navigate("POST", action, {}))


def deliver(ua: UserAgent, url: str, field: str, value: str) -> Page:
    """POST a logout message through this browser (HTTP-POST binding), then follow what comes back."""
    return follow_auto_posts(ua, ua.navigate("POST", url, {field: value}, note=f"{field} posted"))


def okta_signed_in(ua: UserAgent, idp: IdpSide) -> bool:
    """Whether Okta's dashboard opens without asking for the password (its who-am-I)."""
    return ua.request("GET", idp.dashboard_url, note="Okta: who am I").status == 200


def signed_in_after(ua: UserAgent, target: Target, idp: IdpSide) -> SignedInAfter:
    """Ask both sides who this browser is signed in as."""
    return SignedInAfter(sp=who_is_signed_in(ua, target), okta=okta_signed_in(ua, idp))
