"""Every row of the article's Troubleshooting table, as the user sees it in the browser, in both flows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from steps import (
    expect_not_assigned,
    expect_sso_error,
    okta_sign_in,
    sign_in_from_okta_tile,
    sign_in_with_sso,
)

from fixtures import *  # noqa: F403
from mock_idp.faults import FaultPlan, Op
from saml_harness.agent.flows import Credentials
from saml_harness.deploy.wiring import Deployment

pytestmark = pytest.mark.browser

# Troubleshooting row -> the fault that causes it (the scenario catalogue's examples of each row).
ROWS: dict[str, FaultPlan] = {
    "Invalid SAML response": FaultPlan(pre_sign=(Op("set_audience", {"value": "{sp_entity_id}/"}),)),
    "Attributes missing": FaultPlan(pre_sign=(Op("remove_attribute", {"name": "firstName"}),)),
    "Certificate error": FaultPlan(signing={"key": "other"}),
}
FLOWS = ("sp_initiated", "idp_initiated")


def sign_in(flow: str, page: Page, deployment: Deployment, who: Credentials) -> None:
    if flow == "sp_initiated":
        sign_in_with_sso(page, deployment.sp_url, who)
    else:
        sign_in_from_okta_tile(page, deployment.idp_url, who)


@pytest.mark.parametrize("flow", FLOWS)
@pytest.mark.parametrize("row", list(ROWS))
def test_row_as_the_user_sees_it(deployment: Deployment, new_context: Callable[..., Any], row: str, flow: str) -> None:
    who = deployment.credentials("assigned")
    deployment.okta.set_next_login_plan(who.username, ROWS[row])
    page = new_context().new_page()
    sign_in(flow, page, deployment, who)
    expect_sso_error(page, row)
    if row == "Attributes missing":
        expect(page.locator("#sso-error-detail")).to_contain_text("firstName")
    assert deployment.justcall.get_user(who.username) is None, "a refused sign-in creates no JustCall user"


@pytest.mark.sp_initiated
def test_not_assigned_from_justcall(deployment: Deployment, new_context: Callable[..., Any]) -> None:
    who = deployment.credentials("unassigned")
    page = new_context().new_page()
    sign_in_with_sso(page, deployment.sp_url, who)
    expect_not_assigned(page)


@pytest.mark.idp_initiated
def test_not_assigned_from_okta(deployment: Deployment, new_context: Callable[..., Any]) -> None:
    who = deployment.credentials("unassigned")
    page = new_context().new_page()
    page.goto(f"{deployment.idp_url}/app/UserHome")
    okta_sign_in(page, who)
    expect(page.locator("#no-apps")).to_have_text("You have no apps assigned.")
    page.goto(deployment.okta.embed_link(deployment.app), wait_until="load")
    expect_not_assigned(page)
