"""Mint Okta-shaped identifiers from one injectable random source, so runs can be reproduced."""

from __future__ import annotations

import base64
import hashlib
import random
import string
from datetime import datetime

_ALNUM = string.digits + string.ascii_letters
_LOWER_ALNUM = string.digits + string.ascii_lowercase

# Okta object ids are 20 characters: a 3-character type prefix (`00u` user, `00g` group, `0oa` app, `aln` app
# link, `exk` external key, `00o` org, `oty` user type, `osc` schema), 14 base-62 characters, then a 3-character
# tail every id of one org shares (e.g. `...4x6` for every id in okta/okta-sdk-python's
# tests/integration/cassettes/TestApplicationsResource.test_get_list_assign_users_app.yaml, `...1d7` in
# okta/terraform-provider-okta's test/fixtures/vcr/TestAccAppSaml_crud/mm-oie-2022-10-07-max.yaml).
OKTA_ID_BODY = 14
ORG_SUFFIX_LENGTH = 3

# SAML IDs Okta emits are "id" + 24-26 decimal digits; the Response and Assertion IDs of one login
# share a long common prefix (as in real Okta responses). We use 25 digits.
SAML_ID_DIGITS = 25


def org_suffix(rng: random.Random) -> str:
    """Return an org's id tail as real ones look: digit, lower-case letter or digit, digit (``4x6``, ``1d7``)."""
    return rng.choice(string.digits) + rng.choice(_LOWER_ALNUM) + rng.choice(string.digits)


class IdFactory:
    """Mint every random identifier the mock org needs from one ``random.Random``."""

    def __init__(self, rng: random.Random | None = None, *, suffix: str | None = None) -> None:
        self._rng = rng if rng is not None else random.Random()
        # The org's own ids come from a second stream seeded by the first one's state, so that adding them
        # moved no other id or SAML ID a seeded org mints (reproducible runs stay as they were).
        state = hashlib.sha256(repr(self._rng.getstate()[1]).encode()).digest()
        self._org_rng = random.Random(int.from_bytes(state, "big"))
        self.suffix = suffix if suffix is not None else org_suffix(self._org_rng)
        """The tail every ``okta_id`` of this org ends with."""

    def okta_id(self, prefix: str) -> str:
        """Return ``prefix`` plus 14 base-62 characters and the org's tail, like Okta's ``00u…``/``0oa…`` ids."""
        return prefix + "".join(self._rng.choice(_ALNUM) for _ in range(OKTA_ID_BODY)) + self.suffix

    def org_object_id(self, prefix: str, body_of: str | None = None) -> str:
        """Return the id of an object made with the org (the org, its user type, "Everyone"), from its own stream.

        ``body_of`` reuses another id's body: Okta's default user schema ``osc…`` shares the user type ``oty…``'s.
        """
        if body_of is not None:
            return prefix + body_of[len(prefix) :]
        return prefix + "".join(self._org_rng.choice(_ALNUM) for _ in range(OKTA_ID_BODY)) + self.suffix

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
