"""The one table of Response mutation ops (``OPS``) and what an op is given (``OpContext``).

A leaf of its own so the ops' modules (``field_ops``, ``attacks``) and ``faults`` (which checks plans
against the table) all import it, and nothing imports back: registration needs no import order tricks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mock_idp.keys import Credential
from mock_idp.model import SamlApp, User

Stage = Literal["pre_sign", "post_sign"]
STAGES: tuple[Stage, ...] = ("pre_sign", "post_sign")


@dataclass(frozen=True)
class OpContext:
    """What an op may need to know about the login it mutates."""

    app: SamlApp
    user: User
    sp_entity_id: str
    acs_url: str
    idp_issuer: str
    request_id: str | None
    now: datetime
    credential: Credential | None = None
    """The IdP key that signed this response: attack ops re-sign with it so only the rule under test fails."""

    def placeholders(self) -> dict[str, str]:
        """Return the values for ``{sp_entity_id}``, ``{acs_url}``, ``{idp_issuer}``, ``{email}``."""
        return {
            "sp_entity_id": self.sp_entity_id,
            "acs_url": self.acs_url,
            "idp_issuer": self.idp_issuer,
            "email": self.user.email,
        }

    def fmt(self, value: str) -> str:
        """Fill placeholders in an op's string argument; an unknown placeholder is a clear error."""
        try:
            return value.format_map(self.placeholders())
        except (KeyError, IndexError, ValueError) as exc:
            known = ", ".join("{" + k + "}" for k in self.placeholders())
            raise ValueError(f"bad placeholder in {value!r} ({exc}); known placeholders: {known}") from exc


OpFunc = Callable[..., None]
"""``op(root, ctx, **args)``: mutate ``root`` (the ``saml2p:Response``) in place."""


OPS: dict[str, OpFunc] = {}
"""The single registry of mutation ops: name -> ``op(root, ctx, **args)``."""

OP_STAGES: dict[str, tuple[Stage, ...]] = {}
"""The stages at which each op makes sense (most: both; signature tampering: post_sign only)."""


def op(name: str, stages: tuple[Stage, ...] = STAGES) -> Callable[[OpFunc], OpFunc]:
    """Register ``func`` in ``OPS`` under ``name``."""

    def register(func: OpFunc) -> OpFunc:
        if name in OPS:
            raise ValueError(f"op {name!r} registered twice")
        OPS[name] = func
        OP_STAGES[name] = stages
        return func

    return register


def get_op(name: str) -> OpFunc:
    """Return the registered op, or raise ``KeyError`` naming the known ops."""
    try:
        return OPS[name]
    except KeyError:
        raise KeyError(f"unknown fault op {name!r}; known ops: {', '.join(sorted(OPS))}") from None
