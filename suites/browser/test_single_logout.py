"""Single Logout with Encrypt assertions, switched on as the two admins click it, then Sign out at JustCall.

The JustCall owner turns on Encrypt assertions and downloads both of JustCall's certificates; the Okta admin
uploads them in Edit SAML Settings -> Show Advanced Settings, enables Single Logout with JustCall's URL and SP
Issuer; the JustCall owner pastes Okta's Single Logout URL from Okta's metadata. A person then signs in with SSO,
signs out at JustCall, and Okta asks for the password again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
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


def justcall_owner_prepares(jc: Page, deployment: Deployment, folder: Path) -> tuple[str, str, Path, Path]:
    """JustCall: Encrypt assertions on; download the encryption and signing certificates; copy SLO URL, SP Issuer."""
    owner = deployment.demo.owner
    justcall_password_sign_in(jc, deployment.sp_url, Credentials(owner.email, owner.password or ""))
    open_justcall_sso_settings(jc)
    jc.get_by_role("button", name="Encrypt assertions", exact=True).click()
    expect(jc.locator("#encryption-status")).to_have_text("On")
    encryption = download(jc, "Download encryption certificate", folder / "justcall-encryption.pem")
    signing = download(jc, "Download signing certificate", folder / "justcall-signing.pem")
    return jc.locator("#slo-url").inner_text(), jc.locator("#slo-sp-issuer").inner_text(), encryption, signing


def okta_admin_enables_single_logout(
    okta: Page,
    deployment: Deployment,
    admin: Credentials,
    slo_url: str,
    sp_issuer: str,
    certificates: tuple[Path, Path],
) -> str:
    """Okta: Edit SAML Settings -> Show Advanced Settings; return Okta's Single Logout URL from its metadata."""
    okta_console(okta, deployment.idp_url, admin)
    open_okta_app(okta)
    open_edit_saml_settings(okta, advanced=True)
    okta.get_by_label("Assertion Encryption", exact=True).select_option("Encrypted")
    okta.get_by_label("Encryption Certificate", exact=True).set_input_files(certificates[0])
    okta.get_by_label("Signature Certificate", exact=True).set_input_files(certificates[1])
    okta.get_by_label("Allow application to initiate Single Logout").check()
    okta.get_by_label("Single Logout URL", exact=True).fill(slo_url)
    okta.get_by_label("SP Issuer", exact=True).fill(sp_issuer)
    save_saml_settings(okta)
    okta.goto(deployment.okta.metadata_url(deployment.app))
    found = re.search(r'SingleLogoutService Binding="[^"]+HTTP-POST" Location="([^"]+)"', okta.content())
    assert found, "Okta's metadata lists no SingleLogoutService"
    return found.group(1)


@pytest.mark.sp_initiated
def test_sign_out_at_justcall_ends_the_okta_session_with_encrypted_assertions_on(
    deployment: Deployment, okta_admin: Credentials, new_context: Callable[..., Any], tmp_path: Path
) -> None:
    jc = new_context().new_page()
    slo_url, sp_issuer, encryption, signing = justcall_owner_prepares(jc, deployment, tmp_path)
    okta = new_context().new_page()
    okta_slo_url = okta_admin_enables_single_logout(
        okta, deployment, okta_admin, slo_url, sp_issuer, (encryption, signing)
    )
    jc.get_by_label("Okta Single Logout URL").fill(okta_slo_url)
    jc.get_by_label("Enable Single Logout", exact=True).check()
    jc.get_by_role("button", name="Save Single Logout").click()
    expect(jc.locator("#slo-status")).to_have_text("On")

    who = deployment.credentials("assigned")
    user = new_context().new_page()
    sign_in_with_sso(user, deployment.sp_url, who)
    expect_signed_in_to_justcall(user, who.username)
    assert b"saml2:EncryptedAssertion" in (deployment.okta.log[-1].response_xml or b"")
    user.locator("#sign-out").click()
    expect(user).to_have_url(re.compile(re.escape(deployment.sp_url) + r"/login"))
    user.goto(f"{deployment.idp_url}/app/UserHome")
    expect(user.get_by_role("heading", name="Sign In")).to_be_visible()
    user.goto(f"{deployment.sp_url}/")
    expect(user.locator("#signed-in-as")).to_have_count(0)
