"""One snapshot rule for every aggregate: its dataclass fields are its state, copied generically.

A field added to an aggregate is in the next snapshot without anyone editing ``snapshot``/``restore``;
only state that must not travel with a snapshot says so in its field's metadata (``KEPT``: restores leave
it, ``DROPPED``: restores empty it). Records are frozen dataclasses, so a copy of the containers is a
full copy (RSA keys are shared, never regenerated).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, fields
from typing import Any, Self, TypeVar

_ON_RESTORE = "on_restore"
T = TypeVar("T")


KEPT: Mapping[str, str] = {_ON_RESTORE: "keep"}
"""``field(metadata=KEPT)``: a restore leaves the field as it is (e.g. a cache of costly credentials)."""

DROPPED: Mapping[str, str] = {_ON_RESTORE: "reset"}
"""``field(metadata=DROPPED)``: a restore empties the field (e.g. sign-ins in flight, in no snapshot)."""


@dataclass
class Aggregate:
    """Base of the org's aggregates: ``snapshot()`` copies every field, ``restore()`` puts every field back."""

    def snapshot(self) -> Self:
        """Return a copy of this aggregate's state (new containers, shared frozen records)."""
        return type(self)(**{f.name: _fresh(f) if _rule(f) else _copied(getattr(self, f.name)) for f in fields(self)})

    def restore(self, snapshot: Self) -> None:
        """Return to ``snapshot`` (which stays usable: it is copied, not adopted)."""
        for f in fields(self):
            rule = _rule(f)
            if rule != "keep":
                setattr(self, f.name, _fresh(f) if rule == "reset" else _copied(getattr(snapshot, f.name)))


def _rule(f: Field[Any]) -> str | None:
    return f.metadata.get(_ON_RESTORE)


def _fresh(f: Field[Any]) -> Any:
    if f.default_factory is not MISSING:
        return f.default_factory()
    return f.default


def _copied(value: T) -> T:
    if isinstance(value, dict | list | set):
        return value.copy()  # type: ignore[return-value]
    return value


def require(table: Mapping[str, T], key: str, what: str) -> T:
    """Return ``table[key]`` or raise ``KeyError`` saying which kind of object is missing."""
    try:
        return table[key]
    except KeyError:
        raise KeyError(f"no {what} with id {key!r}") from None
