"""What a person does in the two consoles, as small functions driven by visible labels (shared by the suites)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from saml_harness.agent.flows import Credentials

NOT_ASSIGNED_TITLE = "403 App Not Assigned"


def okta_sign_in(page: Page, who: Credentials) -> None:
    """Fill Okta's sign-in page (Username, Password, Sign In)."""
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    page.get_by_label("Username").fill(who.username)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Sign In").click()


def justcall_password_sign_in(page: Page, sp_url: str, who: Credentials) -> None:
    """Sign in to JustCall with a password (the owner's break-glass login once SSO is on)."""
    page.goto(f"{sp_url}/login")
    page.get_by_label("Email").fill(who.username)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#signed-in-as")).to_have_text(who.username)


def open_justcall_sso_settings(page: Page) -> None:
    """Settings -> Security -> Single Sign-On (JustCall's Settings link opens that page)."""
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_text("Settings → Security → Single Sign-On")).to_be_visible()
    expect(page.get_by_role("heading", name="Single Sign-On")).to_be_visible()


def sign_in_with_sso(page: Page, sp_url: str, who: Credentials) -> None:
    """From JustCall: Sign in with SSO -> company email -> Okta (signing in there if Okta asks)."""
    page.goto(f"{sp_url}/login")
    page.get_by_role("link", name="Sign in with SSO").click()
    page.get_by_label("Company email").fill(who.username)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    if page.get_by_role("button", name="Sign In").count():
        okta_sign_in(page, who)


def sign_in_from_okta_tile(page: Page, idp_url: str, who: Credentials, label: str = "JustCall") -> None:
    """From Okta: sign in to the dashboard and click the app's tile."""
    page.goto(f"{idp_url}/app/UserHome")
    if page.get_by_role("button", name="Sign In").count():
        okta_sign_in(page, who)
    expect(page.get_by_role("heading", name="My Apps")).to_be_visible()
    page.get_by_role("link", name=label, exact=True).click()


def expect_signed_in_to_justcall(page: Page, email: str) -> None:
    """The JustCall landing page names the signed-in user."""
    expect(page.locator("#signed-in-as")).to_have_text(email)


def expect_sso_error(page: Page, category: str) -> None:
    """JustCall's SSO error page shows the troubleshooting row's name and a reference."""
    expect(page.locator("#sso-error")).to_have_text(category)
    expect(page.locator("#sso-reference")).not_to_be_empty()


def expect_not_assigned(page: Page, label: str = "JustCall") -> None:
    """Okta's 403 page for a user the app is not assigned to (no SAMLResponse is sent)."""
    expect(page).to_have_title(NOT_ASSIGNED_TITLE)
    expect(page.locator("#error-message")).to_contain_text(
        f"Sorry, you cannot access {label} because you are not assigned this app in Okta."
    )
    assert page.locator("input[name=SAMLResponse]").count() == 0


def okta_console(page: Page, idp_url: str, admin: Credentials) -> None:
    """Log into the Okta Admin Console."""
    page.goto(f"{idp_url}/admin/")
    if page.get_by_role("button", name="Sign In").count():
        okta_sign_in(page, admin)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def open_okta_app(page: Page, label: str = "JustCall") -> None:
    """Applications -> Applications -> the app."""
    page.get_by_role("navigation", name="Admin Console").get_by_role("link", name="Applications", exact=True).click()
    expect(page.get_by_role("heading", name="Applications")).to_be_visible()
    page.get_by_role("link", name=label, exact=True).click()
    expect(page.locator("#app-label")).to_have_text(label)


def open_tab(page: Page, name: str) -> None:
    """Click an app tab (General, Sign On, Assignments)."""
    page.get_by_role("navigation", name="Application tabs").get_by_role("link", name=name, exact=True).click()


def open_edit_saml_settings(page: Page, advanced: bool = False) -> None:
    """The app's General tab -> Edit SAML Settings (the Configure SAML form), with Show Advanced Settings open."""
    page.get_by_role("link", name="Edit SAML Settings").click()
    expect(page.get_by_role("heading", name="Configure SAML")).to_be_visible()
    if advanced:
        page.get_by_text("Show Advanced Settings").click()


def save_saml_settings(page: Page) -> None:
    """Save the Configure SAML form; Okta returns to the General tab only when it took the settings."""
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Configure SAML")).to_have_count(0)


def download(page: Page, link: str, into: Path) -> Path:
    """Click a download link and keep the file at ``into`` (the certificates one console hands to the other)."""
    with page.expect_download() as started:
        page.get_by_role("link", name=link).click()
    started.value.save_as(into)
    return into


def certificate_row(page: Page, status: str) -> Locator:
    """Return the SAML Signing Certificates row with ``status`` (Active or Inactive)."""
    rows = page.locator("#certificates tbody tr")
    return rows.filter(has=page.get_by_role("cell", name=status, exact=True))


def certificate_action(page: Page, status: str, action: str) -> Locator:
    """Open the row's Actions menu and return the ``action`` item."""
    row = certificate_row(page, status)
    row.get_by_text("Actions", exact=True).click()
    item = row.get_by_role("link", name=action, exact=True)
    return item if item.count() else row.get_by_role("button", name=action, exact=True)


def remove_assignment(page: Page, login: str) -> None:
    """Assignments tab: Remove a person's direct assignment."""
    page.get_by_role("button", name=re.compile(rf"^Remove {re.escape(login)}$")).click()
