"""Check the General Settings step: App name and the optional App logo (pure)."""

from __future__ import annotations

from mock_idp.admin.records import MAX_LOGO_BYTES, AppLogo
from mock_idp.admin.validation import MAX_LABEL, text_error

LOGO_ERROR = "The logo must be a PNG, JPG, or GIF file smaller than 1 MB."

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def label_error(label: str) -> str | None:
    """Return the message for a bad App name, or ``None``."""
    return text_error(label, limit=MAX_LABEL)


def read_logo(data: bytes) -> AppLogo | None:
    """Return the logo if ``data`` is a PNG, JPG or GIF (by its magic bytes) under 1 MB, else ``None``."""
    if not data or len(data) >= MAX_LOGO_BYTES:
        return None
    mimetype = next((kind for magic, kind in _SIGNATURES if data.startswith(magic)), None)
    return AppLogo(mimetype=mimetype, data=data) if mimetype else None
