"""Build the SP's absolute URLs from ``PUBLIC_URL`` and decide which redirect targets are safe local paths."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, has_request_context, request

RELAY_STATE_MAX_BYTES = 80
"""SAML bindings 3.4.3 / 3.5.3: RelayState MUST NOT exceed 80 bytes; longer ``next`` paths fall back to ``/``."""


def public_url(app: Flask) -> str:
    """Return ``PUBLIC_URL`` (read at call time: the harness sets it after binding), else the request's root."""
    configured = app.config.get("PUBLIC_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    raise RuntimeError("PUBLIC_URL is not configured and there is no request to derive it from")


def entity_id(app: Flask, slug: str) -> str:
    """SP Entity ID of an account (Audience URI in Okta): ``{PUBLIC_URL}/sso/saml/{slug}``."""
    return f"{public_url(app)}/sso/saml/{slug}"


def acs_url(app: Flask, slug: str) -> str:
    """ACS URL of an account (Single sign-on URL in Okta): ``{PUBLIC_URL}/sso/saml/{slug}/acs``."""
    return f"{entity_id(app, slug)}/acs"


def slo_url(app: Flask, slug: str) -> str:
    """Single Logout URL of an account (Okta's "Single Logout URL"): ``{PUBLIC_URL}/sso/saml/{slug}/slo``."""
    return f"{entity_id(app, slug)}/slo"


def metadata_url(app: Flask, slug: str) -> str:
    return f"{entity_id(app, slug)}/metadata"


def safe_local_path(candidate: str | None, default: str = "/") -> str:
    """Return ``candidate`` if it is a path on this site, else ``default`` (no open redirects).

    Safe means: starts with ``/`` but not ``//`` or ``/\\`` (browsers read both as another host), no
    scheme or host once parsed, and no control characters or backslashes anywhere.
    """
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return default
    if "\\" in candidate or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return default
    return candidate


def relay_state_for(next_path: str | None) -> str:
    """Return the RelayState to send with an AuthnRequest: the safe local ``next`` path if it fits 80 bytes."""
    path = safe_local_path(next_path)
    if len(path.encode("utf-8")) > RELAY_STATE_MAX_BYTES:
        return "/"
    return path


# Bindings 3.5.3: "RelayState data MUST NOT exceed 80 bytes in length". JustCall only ever sends local paths of at
# most 80 bytes (relay_state_for), so a longer or off-site RelayState did not come from it: land on ``default``.
def relay_state_target(relay_state: str | None, default: str = "/") -> str:
    """Return where to go after a login: the RelayState if it is a safe local path of at most 80 bytes."""
    path = safe_local_path(relay_state, default)
    return path if len(path.encode("utf-8")) <= RELAY_STATE_MAX_BYTES else default
