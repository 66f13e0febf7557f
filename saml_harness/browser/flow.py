"""Run a login flow in a real Chromium (for ``repro --headed``), the way a person clicks through it."""

from __future__ import annotations

from typing import Any

from saml_harness.agent.flows import IDP_INITIATED, Credentials, IdpSide, Target


def run_in_browser(
    flow: str, target: Target, idp: IdpSide, credentials: Credentials, headed: bool = True, slow_mo: float = 250
) -> dict[str, Any]:
    """Click through ``flow`` in Chromium; return the final URL, the visible error and who the SP says is in."""
    from playwright.sync_api import sync_playwright

    from saml_harness.browser.setup import ensure_browser

    browser_info = ensure_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            headless=not headed, slow_mo=slow_mo, **browser_info.launch_options(headless=not headed)
        )
        page = browser.new_context().new_page()
        if flow == IDP_INITIATED:
            page.goto(idp.dashboard_url)
            _sign_in_at_okta(page, credentials)
            tile = page.get_by_role("link", name=idp.app_label)
            if tile.count():
                tile.first.click()
            elif idp.embed_link:
                page.goto(idp.embed_link)
        else:
            page.goto(target.sso_start_url)
            page.fill(f"input[name='{target.email_field}']", credentials.username)
            page.locator("form button, form input[type=submit]").first.click()
            _sign_in_at_okta(page, credentials)
        page.wait_for_load_state("networkidle")
        error = page.locator(f"#{target.error_element_id}")
        result: dict[str, Any] = {
            "final_url": page.url,
            "title": page.title(),
            "sp_error": error.first.inner_text() if error.count() else None,
            "identity": None,
        }
        if target.me_url:
            answer = page.request.get(target.me_url)
            if answer.ok:
                result["identity"] = answer.json().get(target.me_json_key)
        browser.close()
    return result


def _sign_in_at_okta(page: Any, credentials: Credentials) -> None:
    page.wait_for_load_state("domcontentloaded")
    if page.locator("input[name=username]").count():
        page.fill("input[name=username]", credentials.username)
        page.fill("input[name=password]", credentials.password)
        page.locator("form button, form input[type=submit]").first.click()
        page.wait_for_load_state("domcontentloaded")
