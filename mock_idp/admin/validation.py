"""Check admin input the way Okta does (messages as Okta words them), for the console and the API alike (pure)."""

from __future__ import annotations

from urllib.parse import urlsplit

BLANK = "This field cannot be left blank"
INVALID_URL = "Must be a valid URL starting with http:// or https://"
# Okta help (aiw-saml-reference): "The Single-sign on URL can't contain underscores (_)."
UNDERSCORE = "The Single sign-on URL can't contain underscores (_)."
# Okta Apps API: "Either (or both) responseSigned or assertionSigned must be TRUE".
UNSIGNED = "Either (or both) responseSigned or assertionSigned must be TRUE"

MAX_LABEL = 100
"""Longest App name accepted."""
MAX_VALUE = 1024
"""Longest URL, URI or RelayState accepted."""


def too_long(limit: int) -> str:
    """Return the message for a value longer than ``limit`` characters."""
    return f"Must be {limit} characters or fewer"


def has_control_chars(value: str) -> bool:
    """Return whether ``value`` holds a control character (never valid in a URL, label or URI)."""
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)


def text_error(value: str, *, required: bool = True, limit: int = MAX_VALUE) -> str | None:
    """Check a one-line text value: present (if required), not too long, no control characters."""
    if not value.strip():
        return BLANK if required else None
    if len(value) > limit:
        return too_long(limit)
    if has_control_chars(value):
        return "Must not contain control characters"
    return None


def url_error(value: str, *, required: bool = True, sso_url: bool = False) -> str | None:
    """Check an absolute http(s) URL; ``sso_url`` also applies Okta's no-underscore rule."""
    problem = text_error(value, required=required)
    if problem or not value.strip():
        return problem
    if any(c.isspace() for c in value):
        return INVALID_URL
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return INVALID_URL
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not port_ok:
        return INVALID_URL
    if sso_url and "_" in value:
        return UNDERSCORE
    return None
