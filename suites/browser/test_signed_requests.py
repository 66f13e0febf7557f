"""Signed Requests switched on as the two admins click it, then broken by JustCall's admin to show Okta's check is real.

The JustCall owner turns on Sign AuthnRequests and downloads JustCall's signing certificate; the Okta admin uploads
it as the Signature Certificate and ticks Signed Requests (Edit SAML Settings -> Show Advanced Settings). A person
signs in with SSO over a signed AuthnRequest. Then the owner stops signing, or generates a new signing certificate
Okta does not have, and the next Sign in with SSO ends on Okta's 400 page with nobody signed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Request, expect
from steps import (
    download,
    expect_signed_in_to_justcall,
    justcall_password_sign_in,
    okta_console,
    open_edit_saml_settings,
    open_justcall_sso_settings,
    open_okta_app,
    save_saml_settings,
    sign_in_with_sso,
)

from fixtures import *  # noqa: F403
from saml_harness.agent.flows import Credentials
from saml_harness.deploy.wiring import Deployment

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Break:
    """What the JustCall owner clicks after sign-in works, and what Okta's 400 page then says."""

    button: str
    status: str
    okta_says: str


BREAKS = {
    "signing_switched_off": Break(
        "Stop signing requests", "Off", "The SAML request is not signed, and this application requires signed requests."
    ),
    "new_signing_certificate": Break(
        "Generate a new signing certificate", "On", "it does not verify with the signature certificate"
    ),
}


def justcall_owner_signs_requests(jc: Page, deployment: Deployment, folder: Path) -> Path:
    """JustCall: Sign AuthnRequests on; download JustCall's signing certificate for Okta."""
    owner = deployment.demo.owner
    justcall_password_sign_in(jc, deployment.sp_url, Credentials(owner.email, owner.password or ""))
    open_justcall_sso_settings(jc)
    expect(jc.locator("#sign-requests-status")).to_have_text("Off")
    jc.get_by_role("button", name="Sign AuthnRequests", exact=True).click()
    expect(jc.locator("#sign-requests-status")).to_have_text("On")
    return download(jc, "Download signing certificate", folder / "justcall-signing.pem")


def okta_admin_requires_signed_requests(
    okta: Page, deployment: Deployment, admin: Credentials, certificate: Path
) -> None:
    """Okta: Edit SAML Settings -> Show Advanced Settings -> Signature Certificate upload, Signed Requests, Save."""
    okta_console(okta, deployment.idp_url, admin)
    open_okta_app(okta)
    open_edit_saml_settings(okta, advanced=True)
    expect(okta.get_by_label("Signed Requests", exact=True)).not_to_be_checked()
    okta.get_by_label("Signature Certificate", exact=True).set_input_files(certificate)
    okta.get_by_label("Signed Requests", exact=True).check()
    save_saml_settings(okta)
    open_edit_saml_settings(okta, advanced=True)
    expect(okta.get_by_label("Signed Requests", exact=True)).to_be_checked()
    expect(okta.locator("#signature-certificate-summary")).to_contain_text("Uploaded:")


def is_authn_request_to_okta(deployment: Deployment) -> Callable[[Request], bool]:
    """Match the browser's GET of Okta's SSO URL that carries JustCall's SAMLRequest (HTTP-Redirect binding)."""
    return lambda request: request.url.startswith(deployment.idp_url) and "SAMLRequest=" in request.url


@pytest.mark.sp_initiated
@pytest.mark.parametrize("broken_by", BREAKS.values(), ids=BREAKS.keys())
def test_okta_accepts_only_requests_signed_with_the_uploaded_certificate(
    deployment: Deployment,
    okta_admin: Credentials,
    new_context: Callable[..., Any],
    tmp_path: Path,
    broken_by: Break,
) -> None:
    jc = new_context().new_page()
    certificate = justcall_owner_signs_requests(jc, deployment, tmp_path)
    okta = new_context().new_page()
    okta_admin_requires_signed_requests(okta, deployment, okta_admin, certificate)

    who = deployment.credentials("assigned")
    user = new_context().new_page()
    with user.expect_request(is_authn_request_to_okta(deployment)) as sent:
        sign_in_with_sso(user, deployment.sp_url, who)
    expect_signed_in_to_justcall(user, who.username)
    query = parse_qs(urlsplit(sent.value.url).query)
    assert {"SigAlg", "Signature"} <= query.keys(), f"JustCall sent an unsigned AuthnRequest: {sent.value.url}"

    jc.get_by_role("button", name=broken_by.button, exact=True).click()
    expect(jc.locator("#sign-requests-status")).to_have_text(broken_by.status)

    # Okta's session from the first sign-in is still alive: without the signature check the person would be let in.
    user.get_by_role("main").get_by_role("button", name="Sign out").click()
    sign_in_with_sso(user, deployment.sp_url, who)
    expect(user).to_have_title("400 Bad Request")
    expect(user.locator("#error-message")).to_contain_text(broken_by.okta_says)
    assert user.locator("input[name=SAMLResponse]").count() == 0, "Okta sent a SAMLResponse for a refused request"
    assert deployment.okta.log[-1].outcome == "bad_request", "Okta's log does not record the refused request"
    user.goto(f"{deployment.sp_url}/")
    expect(user.locator("#signed-in-as")).to_have_count(0)
