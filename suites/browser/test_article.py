"""The help article "Set Up Okta SSO for JustCall", followed step by step in a real browser, from an unwired start.

Two browser contexts play the administrator: one in JustCall, one in the Okta Admin Console (the two sites
share a host, so one browser would also work; separate contexts keep each console's sign-in explicit).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from playwright.sync_api import Page, expect
from steps import (
    certificate_action,
    expect_not_assigned,
    expect_signed_in_to_justcall,
    justcall_password_sign_in,
    okta_console,
    okta_sign_in,
    open_justcall_sso_settings,
    open_tab,
    sign_in_from_okta_tile,
    sign_in_with_sso,
)

from fixtures import *  # noqa: F403
from fixtures import OKTA_ADMIN
from saml_harness.agent.flows import Credentials
from saml_harness.deploy.wiring import Deployment
from saml_xmlns import MD, NS

pytestmark = pytest.mark.browser

DEFAULT_ROLE = "Supervisor"
"""Not JustCall's preselected Agent, so the check below can tell the setting took effect."""
LOGO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
ARTICLE_ATTRIBUTES = (("email", "user.email"), ("firstName", "user.firstName"), ("lastName", "user.lastName"))


def step_1_enable_sso_in_justcall(jc: Page, deployment: Deployment) -> tuple[str, str]:
    """Step 1: Settings -> Security -> Single Sign-On; Enable SSO, SAML 2.0; copy the ACS URL and Entity ID."""
    owner = deployment.demo.owner
    justcall_password_sign_in(jc, deployment.sp_url, Credentials(owner.email, owner.password or ""))
    open_justcall_sso_settings(jc)
    expect(jc.locator("#sso-status")).to_have_text("Disabled")
    jc.get_by_label("Protocol").select_option(label="SAML 2.0")
    jc.get_by_role("button", name="Enable SSO").click()
    expect(jc.locator("#sso-status")).to_have_text("Enabled")
    acs_url = jc.get_by_label("ACS URL", exact=True).input_value()
    entity_id = jc.get_by_label("Entity ID", exact=True).input_value()
    assert acs_url.startswith(deployment.sp_url) and entity_id.startswith(deployment.sp_url)
    return acs_url, entity_id


def step_2_create_the_okta_app(okta: Page, deployment: Deployment, acs_url: str, entity_id: str) -> None:
    """Step 2: Applications -> Applications -> Create App Integration -> SAML 2.0 -> ... -> Finish."""
    okta_console(okta, deployment.idp_url, OKTA_ADMIN)
    okta.get_by_role("navigation", name="Admin Console").get_by_role("link", name="Applications", exact=True).click()
    okta.get_by_role("button", name="Create App Integration").click()
    okta.get_by_label("SAML 2.0").check()
    okta.get_by_role("button", name="Next").click()

    expect(okta.get_by_role("heading", name="General Settings")).to_be_visible()
    okta.get_by_label("App name").fill("JustCall")
    logo = {"name": "justcall.png", "mimeType": "image/png", "buffer": LOGO}
    okta.get_by_label("App logo").set_input_files(files=[logo])
    okta.get_by_role("button", name="Next").click()

    expect(okta.get_by_role("heading", name="Configure SAML")).to_be_visible()
    okta.get_by_label("Single sign-on URL").fill(acs_url)
    expect(okta.get_by_label("Use this for Recipient URL and Destination URL")).to_be_checked()
    expect(okta.get_by_label("Recipient URL", exact=True)).to_be_hidden()
    okta.get_by_label("Audience URI (SP Entity ID)").fill(entity_id)
    okta.get_by_label("Name ID format").select_option("EmailAddress")
    okta.get_by_label("Application username").select_option(label="Okta username")
    statements = okta.get_by_role("group", name="Attribute Statements (optional)")
    for row, (name, value) in enumerate(ARTICLE_ATTRIBUTES):
        statements.get_by_label("Name", exact=True).nth(row).fill(name)
        statements.get_by_label("Value", exact=True).nth(row).fill(value)
    okta.get_by_role("button", name="Preview the SAML Assertion").click()
    preview = okta.locator("#saml-assertion-preview")
    for name, _ in ARTICLE_ATTRIBUTES:
        expect(preview).to_contain_text(f'Name="{name}"')
    expect(preview).to_contain_text(entity_id)
    okta.get_by_role("button", name="Next").click()

    okta.get_by_label("I'm an Okta customer adding an internal app").check()
    okta.get_by_role("button", name="Finish").click()
    expect(okta.locator("#app-label")).to_have_text("JustCall")


def step_3_copy_the_idp_details(okta: Page, tmp_path: Path) -> tuple[str, str, Path]:
    """Step 3: Sign On tab -> Actions -> View IdP metadata; copy SSO URL and Issuer; download the certificate."""
    open_tab(okta, "Sign On")
    expect(okta.get_by_role("heading", name="SAML Signing Certificates")).to_be_visible()
    with okta.expect_response(re.compile(r"/sso/saml/metadata")) as metadata_response:
        certificate_action(okta, "Active", "View IdP metadata").click()
    metadata = etree.fromstring(metadata_response.value.body())
    assert metadata.tag == f"{{{MD}}}EntityDescriptor"
    issuer = metadata.get("entityID") or ""
    sso_service = metadata.find("md:IDPSSODescriptor/md:SingleSignOnService", NS)
    assert sso_service is not None
    sso_url = sso_service.get("Location") or ""
    okta.go_back()

    open_tab(okta, "Sign On")
    expect(okta.get_by_label("Identity Provider Single Sign-On URL")).to_have_value(sso_url)
    expect(okta.get_by_label("Identity Provider Issuer")).to_have_value(issuer)
    okta.get_by_role("link", name="View SAML setup instructions").click()
    expect(okta.get_by_label("Identity Provider Single Sign-On URL:")).to_have_value(sso_url)
    expect(okta.get_by_label("Identity Provider Issuer:")).to_have_value(issuer)
    okta.go_back()

    with okta.expect_download() as download:
        certificate_action(okta, "Active", "Download certificate").click()
    assert download.value.suggested_filename == "okta.cert"
    certificate = tmp_path / download.value.suggested_filename
    download.value.save_as(certificate)
    assert certificate.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    return sso_url, issuer, certificate


def step_4_complete_justcall(jc: Page, sso_url: str, issuer: str, certificate: Path) -> None:
    """Step 4: enter SSO URL, Issuer / Entity ID, upload the certificate, Default Role, Save Configuration."""
    open_justcall_sso_settings(jc)
    jc.get_by_label("SSO URL", exact=True).fill(sso_url)
    jc.get_by_label("Issuer / Entity ID", exact=True).fill(issuer)
    jc.get_by_label("Certificate", exact=True).set_input_files(certificate)
    jc.get_by_label("Default Role for new SSO users").select_option(DEFAULT_ROLE)
    jc.get_by_role("button", name="Save Configuration").click()
    expect(jc.locator("#notice")).to_have_text("Configuration saved.")
    expect(jc.locator("#certificate-subject")).to_contain_text("SSOProvider")


def step_5_assign(okta: Page, person: str, group: str) -> None:
    """Step 5: Assignments -> Assign -> Assign to People / Assign to Groups -> Assign -> Save and Go Back."""
    open_tab(okta, "Assignments")
    for menu_item, name in (("Assign to People", person), ("Assign to Groups", group)):
        okta.get_by_text("Assign", exact=True).click()
        okta.get_by_role("link", name=menu_item).click()
        okta.get_by_role("row").filter(has_text=name).get_by_role("button", name="Assign").click()
        okta.get_by_role("button", name="Save and Go Back").click()
        expect(okta.get_by_role("row").filter(has_text=name)).to_contain_text("Assigned")
        okta.get_by_role("link", name="Done").click()
    expect(okta.locator("#people-assignments")).to_contain_text(person)
    expect(okta.locator("#group-assignments")).to_contain_text(group)


def test_the_help_article_end_to_end(fresh: Deployment, new_context: Callable[..., Any], tmp_path: Path) -> None:
    demo = fresh.demo
    assigned = Credentials(demo.person("assigned").email, demo.person("assigned").password)
    group_member = Credentials(demo.person("group_member").email, demo.person("group_member").password)
    jc = new_context().new_page()
    okta = new_context().new_page()

    acs_url, entity_id = step_1_enable_sso_in_justcall(jc, fresh)
    step_2_create_the_okta_app(okta, fresh, acs_url, entity_id)
    (app,) = fresh.okta.apps()
    assert (app.sso_url, app.audience) == (acs_url, entity_id)
    sso_url, issuer, certificate = step_3_copy_the_idp_details(okta, tmp_path)
    step_4_complete_justcall(jc, sso_url, issuer, certificate)

    # The article puts Test Connection at the end of Step 4, but nobody is assigned in Okta until Step 5:
    # whoever signs in at Okta for the test gets Okta's 403 page.
    jc.get_by_role("button", name="Test Connection").click()
    okta_sign_in(jc, assigned)
    expect_not_assigned(jc)

    step_5_assign(okta, assigned.username, "Sales")

    jc.goto(f"{fresh.sp_url}/settings/security/sso")
    jc.get_by_role("button", name="Test Connection").click()
    expect(jc.locator("#test-result")).to_contain_text("Test Connection succeeded")
    expect(jc.locator("#test-identity")).to_have_text(assigned.username)
    expect(jc.locator("#test-detail")).to_contain_text(f"as {DEFAULT_ROLE} (new user)")

    from_okta = new_context().new_page()
    sign_in_from_okta_tile(from_okta, fresh.idp_url, group_member)
    expect_signed_in_to_justcall(from_okta, group_member.username)
    expect(from_okta.locator("#user-role")).to_have_text(DEFAULT_ROLE)

    from_justcall = new_context().new_page()
    sign_in_with_sso(from_justcall, fresh.sp_url, assigned)
    expect_signed_in_to_justcall(from_justcall, assigned.username)
    me = from_justcall.context.request.get(f"{fresh.sp_url}/api/me").json()
    assert (me["email"], me["role"]) == (assigned.username, DEFAULT_ROLE)
