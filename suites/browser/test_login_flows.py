"""The article's two User Login Flows in each browser engine: from the Okta tile and from Sign in with SSO."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from steps import expect_signed_in_to_justcall, sign_in_from_okta_tile, sign_in_with_sso

from fixtures import *  # noqa: F403
from saml_harness.deploy.wiring import Deployment

pytestmark = pytest.mark.browser


@pytest.mark.idp_initiated
def test_from_okta_the_tile_signs_in(deployment: Deployment, open_context: Callable[..., Any]) -> None:
    who = deployment.credentials("group_member")
    page = open_context().new_page()
    sign_in_from_okta_tile(page, deployment.idp_url, who)
    expect_signed_in_to_justcall(page, who.username)
    expect(page.locator("#user-role")).to_have_text(deployment.demo.default_role)


@pytest.mark.sp_initiated
def test_from_justcall_sign_in_with_sso(deployment: Deployment, open_context: Callable[..., Any]) -> None:
    who = deployment.credentials("assigned")
    page = open_context().new_page()
    sign_in_with_sso(page, deployment.sp_url, who)
    expect_signed_in_to_justcall(page, who.username)


@pytest.mark.sp_initiated
def test_an_existing_user_keeps_their_role(deployment: Deployment, open_context: Callable[..., Any]) -> None:
    who = deployment.credentials("existing")
    page = open_context().new_page()
    sign_in_with_sso(page, deployment.sp_url, who)
    expect_signed_in_to_justcall(page, who.username)
    expect(page.locator("#user-role")).to_have_text("Supervisor")
