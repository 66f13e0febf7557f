"""Roles from Okta groups, set up as the two admins click it: the person in "JustCall Admins" arrives as Admin.

The Okta admin adds a Group Attribute Statement (Name `groups`, Filter: Starts with "JustCall") in Edit SAML
Settings; the JustCall owner maps "JustCall Admins" to Admin under Roles from Okta groups. The mock Okta console has
no Directory -> Groups page, so the person joins the group through the org (the setup step the scenarios use).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from steps import (
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
from saml_harness.scenarios.setup_ops import okta_add_user_to_group

pytestmark = pytest.mark.browser

GROUP = "JustCall Admins"
ROLE = "Admin"


def okta_admin_adds_group_statement(okta: Page, deployment: Deployment, admin: Credentials) -> None:
    """Okta: Edit SAML Settings -> Group Attribute Statements: Name `groups`, Filter Starts with "JustCall", Save."""
    okta_console(okta, deployment.idp_url, admin)
    open_okta_app(okta)
    open_edit_saml_settings(okta)
    statements = okta.get_by_role("group", name="Group Attribute Statements (optional)")
    statements.get_by_label("Group attribute name", exact=True).first.fill("groups")
    statements.get_by_label("Filter", exact=True).first.select_option(label="Starts with")
    statements.get_by_label("Filter value", exact=True).first.fill("JustCall")
    save_saml_settings(okta)
    cells = okta.locator("#group-attribute-statements tbody td")
    expect(cells).to_have_text(["groups", "Unspecified", "Starts with JustCall"])


def justcall_owner_maps_group_to_role(jc: Page, deployment: Deployment) -> None:
    """JustCall: Roles from Okta groups -> Okta group "JustCall Admins", JustCall role Admin -> Save role mapping."""
    owner = deployment.demo.owner
    justcall_password_sign_in(jc, deployment.sp_url, Credentials(owner.email, owner.password or ""))
    open_justcall_sso_settings(jc)
    mapping = jc.locator("#group-roles")
    mapping.get_by_label("Okta group", exact=True).last.fill(GROUP)
    mapping.get_by_label("JustCall role", exact=True).last.select_option(ROLE)
    mapping.get_by_role("button", name="Save role mapping").click()
    expect(jc.locator("#notice")).to_have_text("Group role mapping saved.")
    expect(jc.locator("#group-roles").get_by_label("Okta group", exact=True).first).to_have_value(GROUP)


@pytest.mark.sp_initiated
def test_a_member_of_justcall_admins_signs_in_as_admin(
    deployment: Deployment, okta_admin: Credentials, new_context: Callable[..., Any]
) -> None:
    assert deployment.demo.default_role != ROLE, "the Default Role must differ from the mapped role to tell them apart"
    okta = new_context().new_page()
    okta_admin_adds_group_statement(okta, deployment, okta_admin)
    member = deployment.credentials("assigned")
    okta_add_user_to_group(deployment, member.username, GROUP)
    jc = new_context().new_page()
    justcall_owner_maps_group_to_role(jc, deployment)

    user = new_context().new_page()
    sign_in_with_sso(user, deployment.sp_url, member)
    expect_signed_in_to_justcall(user, member.username)
    sent = (deployment.okta.log[-1].response_xml or b"").decode()
    assert 'Name="groups"' in sent and f">{GROUP}<" in sent, "Okta's response carries no groups value JustCall Admins"
    expect(user.locator("#user-role")).to_have_text(ROLE)

    # Someone outside the group, signing in the same way, gets the Default Role: the role comes from the group.
    outsider = deployment.credentials("second")
    other = new_context().new_page()
    sign_in_with_sso(other, deployment.sp_url, outsider)
    expect_signed_in_to_justcall(other, outsider.username)
    expect(other.locator("#user-role")).to_have_text(deployment.demo.default_role)
