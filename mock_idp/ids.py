"""Mint Okta-shaped identifiers from one injectable random source, so runs can be reproduced."""

from __future__ import annotations

import base64
import random
import string
from datetime import datetime

_ALNUM = string.digits + string.ascii_letters

# Okta object ids are 20 characters: a 3-character type prefix then 17 base-62 characters
# (Okta's id prefixes: `00u` user, `00g` group, `0oa` app, `aln` app link, `exk` external key).
OKTA_ID_BODY = 17

# SAML IDs Okta emits are "id" + 24-26 decimal digits; the Response and Assertion IDs of one login
# share a long common prefix (as in real Okta responses). We use 25 digits.
SAML_ID_DIGITS = 25


class IdFactory:
    """Mint every random identifier the mock org needs from one ``random.Random``."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng if rng is not None else random.Random()

    def okta_id(self, prefix: str) -> str:
        """Return ``prefix`` plus 17 base-62 characters, like Okta's ``00u…``/``0oa…`` ids."""
        return prefix + "".join(self._rng.choice(_ALNUM) for _ in range(OKTA_ID_BODY))

    def kid(self) -> str:
        """Return a 43-character base64url key id, the shape of Okta's signing-key ``kid``."""
        return base64.urlsafe_b64encode(self._rng.randbytes(32)).rstrip(b"=").decode("ascii")

    def saml_ids(self) -> tuple[str, str]:
        """Return a (Response ID, Assertion ID) pair that shares a long prefix, as Okta's do."""
        low, high = 10 ** (SAML_ID_DIGITS - 1), 10**SAML_ID_DIGITS - 10**15
        base = self._rng.randrange(low, high)
        return f"id{base}", f"id{base + self._rng.randrange(10**13, 10**14)}"

    def session_index(self, now: datetime) -> str:
        """Return an IdP-initiated SessionIndex: ``id<epoch ms>.<9-10 digits>`` (as in real Okta responses)."""
        return f"id{int(now.timestamp() * 1000)}.{self._rng.randrange(10**8, 10**10)}"
