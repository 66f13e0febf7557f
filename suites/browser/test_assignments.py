"""Assignments take effect at once: removing a signed-in user's assignment blocks their next SSO login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from steps import (
    expect_not_assigned,
    expect_signed_in_to_justcall,
    okta_console,
    open_okta_app,
    open_tab,
    remove_assignment,
    sign_in_with_sso,
)

from fixtures import *  # noqa: F403
from saml_harness.agent.flows import Credentials
from saml_harness.deploy.wiring import Deployment

pytestmark = pytest.mark.browser


@pytest.mark.sp_initiated
def test_unassigning_blocks_the_next_sso_login(
    deployment: Deployment, okta_admin: Credentials, new_context: Callable[..., Any]
) -> None:
    who = deployment.credentials("assigned")
    user = new_context().new_page()
    sign_in_with_sso(user, deployment.sp_url, who)
    expect_signed_in_to_justcall(user, who.username)

    admin = new_context().new_page()
    okta_console(admin, deployment.idp_url, okta_admin)
    open_okta_app(admin)
    open_tab(admin, "Assignments")
    expect(admin.locator("#people-assignments")).to_contain_text(who.username)
    remove_assignment(admin, who.username)
    expect(admin.locator("#people-assignments")).not_to_contain_text(who.username)

    user.get_by_role("main").get_by_role("button", name="Sign out").click()
    sign_in_with_sso(user, deployment.sp_url, who)
    expect_not_assigned(user)
