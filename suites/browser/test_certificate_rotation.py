"""Certificate rotation: a new active certificate in Okta breaks sign-in until JustCall has it too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from steps import (
    certificate_action,
    certificate_row,
    expect_signed_in_to_justcall,
    expect_sso_error,
    justcall_password_sign_in,
    okta_console,
    open_justcall_sso_settings,
    open_okta_app,
    open_tab,
    sign_in_with_sso,
)

from fixtures import *  # noqa: F403
from saml_harness.agent.flows import Credentials
from saml_harness.deploy.wiring import Deployment

pytestmark = pytest.mark.browser


@pytest.mark.sp_initiated
def test_rotation_needs_the_new_certificate_in_justcall(
    deployment: Deployment, okta_admin: Credentials, new_context: Callable[..., Any], tmp_path: Path
) -> None:
    who = deployment.credentials("assigned")
    old_kid = deployment.okta.active_key(deployment.app.id).kid

    okta = new_context().new_page()
    okta_console(okta, deployment.idp_url, okta_admin)
    open_okta_app(okta)
    open_tab(okta, "Sign On")
    okta.get_by_role("button", name="Generate new certificate").click()
    expect(certificate_row(okta, "Inactive")).to_have_count(1)
    certificate_action(okta, "Inactive", "Activate").click()
    expect(certificate_row(okta, "Inactive")).to_have_count(1)
    assert deployment.okta.active_key(deployment.app.id).kid != old_kid

    user = new_context().new_page()
    sign_in_with_sso(user, deployment.sp_url, who)
    expect_sso_error(user, "Certificate error")

    with okta.expect_download() as download:
        certificate_action(okta, "Active", "Download certificate").click()
    certificate = tmp_path / "okta.cert"
    download.value.save_as(certificate)

    jc = new_context().new_page()
    owner = deployment.demo.owner
    justcall_password_sign_in(jc, deployment.sp_url, Credentials(owner.email, owner.password or ""))
    open_justcall_sso_settings(jc)
    jc.get_by_label("Certificate", exact=True).set_input_files(certificate)
    jc.get_by_role("button", name="Save Configuration").click()
    expect(jc.locator("#notice")).to_have_text("Configuration saved.")

    user.get_by_role("link", name="Try Sign in with SSO again").click()
    user.get_by_label("Company email").fill(who.username)
    user.get_by_role("button", name="Continue").click()
    expect_signed_in_to_justcall(user, who.username)
