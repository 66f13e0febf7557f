"""Describe per-login faults (FaultPlan) and apply named mutation ops to a Response tree at a stage.

``pre_sign`` ops change the unsigned tree, so the signature stays valid and only the rule under test
fails at the SP; ``post_sign`` ops change the signed tree and may break the signature. Ops are small
functions registered in one table, ``op_registry.OPS``; importing this module imports every op module
(``field_ops``, ``attacks``), so a plan is always checked against the whole table.
"""

from __future__ import annotations

import inspect
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lxml import etree

from mock_idp import attacks, field_ops
from mock_idp.encryption import KEY_PLACEMENTS, KEY_TRANSPORT_DIGESTS, PADDINGS, PLAINTEXTS
from mock_idp.op_registry import OP_STAGES, OPS, STAGES, OpContext, OpFunc, Stage, get_op, op
from saml_xmlns import STATUS_REQUESTER, STATUS_RESPONDER, STATUS_SUCCESS

__all__ = [
    "DEFAULT_PLAN",
    "OPS",
    "OP_STAGES",
    "SIGNING_KEYS",
    "SIGNING_OVERRIDES",
    "STAGES",
    "FaultPlan",
    "Op",
    "OpContext",
    "OpFunc",
    "Stage",
    "apply_ops",
    "get_op",
    "op",
    "status_codes",
]

OP_MODULES = (field_ops, attacks)
"""The modules whose ops register in ``OPS`` (imported above for that)."""

SIGNING_OVERRIDES = frozenset(
    {
        "response_signed",
        "assertion_signed",
        "algorithm",
        "digest",
        "key",
        "encrypt",
        "encryption_algorithm",
        "key_transport",
        "encryption_key",
        "encrypted_extra_assertion",
        "encryption_padding",
        "key_transport_digest",
        "encrypted_key_placement",
        "encryption_plaintext",
        "encoding",
    }
)
"""Keys allowed in ``FaultPlan.signing``: the signature settings and the Assertion Encryption ones."""

ENCRYPTION_CHOICES: Mapping[str, Collection[str]] = {
    "encryption_padding": PADDINGS,
    "key_transport_digest": KEY_TRANSPORT_DIGESTS,
    "encrypted_key_placement": KEY_PLACEMENTS,
    "encryption_plaintext": PLAINTEXTS,
}
"""The values the encryption overrides take (a typo fails when the plan is made, not when Okta answers)."""

SIGNING_KEYS = ("active", "other", "expired", "not_yet_valid")
"""Named values of ``signing["key"]``; any other value is taken as a kid of the app's keys."""

STATUS_PREFIX = "urn:oasis:names:tc:SAML:2.0:status:"
_TOP_LEVEL_STATUS = {STATUS_SUCCESS, STATUS_REQUESTER, STATUS_RESPONDER, STATUS_PREFIX + "VersionMismatch"}


@dataclass(frozen=True)
class Op:
    """One mutation step: a registered op name and its keyword arguments."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", MappingProxyType(dict(self.args)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Op:
        """Build from scenario data: ``{"op": "set_audience", "value": "..."}``."""
        if "op" not in data:
            raise ValueError(f"a fault step needs an 'op' key: {dict(data)!r}")
        return cls(name=str(data["op"]), args={k: v for k, v in data.items() if k != "op"})

    def check(self, stage: Stage) -> None:
        """Raise if the op is unknown, misplaced, or called with arguments it does not take."""
        func = get_op(self.name)
        if stage not in OP_STAGES[self.name]:
            raise ValueError(f"op {self.name!r} only runs at {' or '.join(OP_STAGES[self.name])}, not {stage}")
        try:
            inspect.signature(func).bind(None, None, **self.args)
        except TypeError as exc:
            raise TypeError(f"op {self.name!r}: {exc}") from None


def _ops(items: Iterable[Op | Mapping[str, Any]]) -> tuple[Op, ...]:
    return tuple(item if isinstance(item, Op) else Op.from_mapping(item) for item in items)


@dataclass(frozen=True)
class FaultPlan:
    """How one login's Response deviates from Okta's normal output (the default plan changes nothing)."""

    pre_sign: tuple[Op, ...] = ()
    """Ops applied to the unsigned tree (the signature stays valid)."""
    post_sign: tuple[Op, ...] = ()
    """Ops applied to the signed tree (may break the signature)."""
    signing: Mapping[str, Any] = field(default_factory=dict)
    """Overrides of the app's signing settings: response_signed, assertion_signed, algorithm
    (RSA_SHA256|RSA_SHA1), digest (SHA256|SHA1; follows algorithm when omitted), key (active|other|expired|
    not_yet_valid|<kid of one of the app's keys>); and of its Assertion Encryption: encrypt (bool),
    encryption_algorithm (AES256_CBC|AES128_CBC|AES256_GCM|AES128_GCM, or TRIPLEDES_CBC to test an SP),
    key_transport (RSA_OAEP|RSA_15), encryption_key ("other": to a certificate nobody configured),
    encrypted_extra_assertion (bool: an unsigned second assertion in the same EncryptedData), encryption_padding
    (pkcs7|whole_block|one_octet|beyond_block, CBC only), key_transport_digest (SHA1|SHA256|none: the RSA-OAEP
    DigestMethod), encrypted_key_placement (retrieval_method|key_info|both), encryption_plaintext
    (standalone|inherits_namespaces: the Assertion without ``xmlns:saml2``, as xmlsec encrypts it)."""
    clock_offset_seconds: float = 0.0
    """The IdP clock runs this far ahead (positive) or behind (negative) of the org clock."""
    status: str | None = None
    """A non-success status (``Responder``, ``AuthnFailed``, … or a full URI): error Response, no Assertion."""
    status_message: str | None = None
    """Optional ``StatusMessage`` for the error Response."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "pre_sign", _ops(self.pre_sign))
        object.__setattr__(self, "post_sign", _ops(self.post_sign))
        object.__setattr__(self, "signing", MappingProxyType(dict(self.signing)))
        unknown = set(self.signing) - SIGNING_OVERRIDES
        if unknown:
            raise ValueError(f"unknown signing overrides {sorted(unknown)}; allowed: {sorted(SIGNING_OVERRIDES)}")
        for name, choices in ENCRYPTION_CHOICES.items():
            if name in self.signing and self.signing[name] not in choices:
                raise ValueError(
                    f"signing override {name} must be one of {sorted(choices)}, got {self.signing[name]!r}"
                )
        if self.signing.get("encoding", "UTF-8") not in ("UTF-8", "UTF-16"):
            raise ValueError(f"signing encoding must be UTF-8 or UTF-16, got {self.signing['encoding']!r}")
        for stage in STAGES:
            for step in getattr(self, stage):
                step.check(stage)
        if self.status is not None:
            status_codes(self.status)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FaultPlan:
        """Build from scenario data (TOML/JSON): ``pre_sign``/``post_sign`` lists of ``{op = ..., ...}``."""
        return cls(
            pre_sign=_ops(data.get("pre_sign", ())),
            post_sign=_ops(data.get("post_sign", ())),
            signing=data.get("signing", {}),
            clock_offset_seconds=float(data.get("clock_offset_seconds", 0.0)),
            status=data.get("status"),
            status_message=data.get("status_message"),
        )

    def ops(self, stage: Stage) -> tuple[Op, ...]:
        """Return the ops of one stage."""
        return self.pre_sign if stage == "pre_sign" else self.post_sign


DEFAULT_PLAN = FaultPlan()


def status_codes(status: str) -> tuple[str, str | None]:
    """Map ``Responder``/``AuthnFailed``/a URI to (top-level code, second-level code or None).

    SAMLCore 3.2.2.2: only Success, Requester, Responder and VersionMismatch are top-level codes; the
    others (AuthnFailed, NoPassive, RequestDenied, ...) go below a top-level Responder.
    """
    uri = status if status.startswith("urn:") else STATUS_PREFIX + status
    if not uri.startswith(STATUS_PREFIX) or len(uri) == len(STATUS_PREFIX):
        raise ValueError(f"unknown SAML status {status!r}")
    if uri in _TOP_LEVEL_STATUS:
        return uri, None
    return STATUS_RESPONDER, uri


def apply_ops(root: etree._Element, ops: Iterable[Op], ctx: OpContext, stage: Stage) -> None:
    """Apply ``ops`` in order to ``root`` for ``stage``, after checking each."""
    for step in ops:
        step.check(stage)
        OPS[step.name](root, ctx, **step.args)
