"""Name the SP's tolerances once, each with the reason it has that value."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

ALLOWED_CLOCK_SKEW: Final = timedelta(seconds=90)
"""How far the IdP's clock may differ from ours when comparing NotBefore/NotOnOrAfter (Okta keeps NTP time)."""

AUTHN_REQUEST_LIFETIME: Final = timedelta(minutes=10)
"""How long an AuthnRequest stays outstanding: enough for a person to sign in at Okta, short enough to age out."""
