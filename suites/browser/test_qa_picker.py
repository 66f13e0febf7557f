"""serve's QA chooser on Okta's sign-in page, in Chromium: search, pick, see the fault, reset the demo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from steps import expect_signed_in_to_justcall, expect_sso_error, okta_sign_in

from fixtures import *  # noqa: F403
from saml_harness.agent.flows import Credentials
from saml_harness.deploy.control import ScenarioPicker
from saml_harness.deploy.wiring import Deployment

pytestmark = [pytest.mark.browser, pytest.mark.sp_initiated]

ROTATE = "certificate.rotated_in_okta_only"


@pytest.fixture
def picker(deployment: Deployment) -> Iterator[ScenarioPicker]:
    """Scope: function. The chooser installed as ``saml-harness serve`` installs it; the demo reset afterwards."""
    chosen = ScenarioPicker(deployment)
    config = deployment.idp_server.app.config
    config["SCENARIO_PICKER"] = chosen
    try:
        yield chosen
    finally:
        config.pop("SCENARIO_PICKER", None)
        chosen.reset()


def start_sso(page: Page, sp_url: str, who: Credentials) -> None:
    page.goto(f"{sp_url}/login")
    page.get_by_role("link", name="Sign in with SSO").click()
    page.get_by_label("Company email").fill(who.username)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()


def visible_choices(page: Page) -> int:
    """Count the scenarios shown (the "None" choice stays visible whatever the search)."""
    return int(page.locator(".qa-group .qa-choice:visible").count())


def test_the_chooser_searches_and_fits_the_window(
    deployment: Deployment, picker: ScenarioPicker, new_context: Callable[..., Any]
) -> None:
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{deployment.idp_url}/login/login.htm")
    page.get_by_text("QA: fault scenario for this sign-in").click()
    assert visible_choices(page) == len(picker.scenarios)
    page.get_by_label("Search scenarios").fill("rotated okta only")
    assert visible_choices(page) == 1
    expect(page.locator(".qa-group .qa-choice:visible")).to_contain_text("troubleshooting row: Certificate error")
    expect(page.get_by_label("None: Okta's normal response")).to_be_visible()
    expect(page.locator('.qa-group[data-group="certificate"]')).to_be_visible()
    expect(page.locator('.qa-group[data-group="audience"]')).to_be_hidden()
    page.get_by_label("Search scenarios").fill("")
    assert visible_choices(page) == len(picker.scenarios)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280, "the chooser pushes the page sideways"


def test_without_script_every_choice_is_there(
    deployment: Deployment, picker: ScenarioPicker, new_context: Callable[..., Any]
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{deployment.idp_url}/login/login.htm")
    page.get_by_text("QA: fault scenario for this sign-in").click()
    expect(page.get_by_label("Search scenarios")).to_be_hidden()
    assert visible_choices(page) == len(picker.scenarios)


def test_a_picked_setup_scenario_fails_everyone_until_reset_the_demo(
    deployment: Deployment, picker: ScenarioPicker, new_context: Callable[..., Any]
) -> None:
    who, other = deployment.credentials("assigned"), deployment.credentials("second")
    page = new_context().new_page()
    start_sso(page, deployment.sp_url, who)
    page.get_by_text("QA: fault scenario for this sign-in").click()
    page.get_by_label("Search scenarios").fill(ROTATE)
    page.locator(f'input[value="{ROTATE}"]').check()
    okta_sign_in(page, who)
    expect_sso_error(page, "Certificate error")

    later = new_context().new_page()
    start_sso(later, deployment.sp_url, other)
    expect(later.locator("#qa-changed")).to_contain_text("changed for everyone")
    expect(later.locator("#qa-changed")).to_contain_text(ROTATE)
    okta_sign_in(later, other)
    expect_sso_error(later, "Certificate error")

    again = new_context().new_page()
    start_sso(again, deployment.sp_url, other)
    again.get_by_role("button", name="Reset the demo").click()
    expect(again.locator("#qa-reset-done")).to_be_visible()
    start_sso(again, deployment.sp_url, other)
    expect(again.locator("#qa-changed")).to_have_count(0)
    okta_sign_in(again, other)
    expect_signed_in_to_justcall(again, other.username)
