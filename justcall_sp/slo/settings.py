"""Check the Single Logout settings an admin saves (pure)."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


def slo_url_errors(idp_slo_url: str, *, required: bool) -> list[str]:
    """Return what is wrong with the "Okta Single Logout URL" (required while Single Logout is on)."""
    if not idp_slo_url:
        return ["Okta Single Logout URL: paste the Single Logout URL from Okta's metadata."] if required else []
    parts = urlsplit(idp_slo_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(idp_slo_url) > MAX_URL_LENGTH:
        return ["Okta Single Logout URL must be an absolute http(s) URL."]
    if any(ord(c) < 0x21 for c in idp_slo_url):
        return ["Okta Single Logout URL must not contain spaces or control characters."]
    return []
