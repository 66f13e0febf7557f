"""The browser side: finding a Chromium for Playwright and driving a flow in it."""
