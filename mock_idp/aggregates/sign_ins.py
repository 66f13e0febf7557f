"""What happens at sign-in: armed fault plans, sign-ins in flight, the IdP session epoch, the SSO log."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Self

from mock_idp.aggregates.base import DROPPED, KEPT, Aggregate
from mock_idp.faults import DEFAULT_PLAN, FaultPlan
from mock_idp.model import LogEntry, PendingSso

MAX_PENDING = 1000
"""Pending SSO requests kept (oldest dropped first), so abandoned sign-ins cannot grow memory forever."""

MAX_LOG = 10_000
"""Log entries kept (oldest dropped first)."""


@dataclass
class SignIns(Aggregate):
    """Plans by lower-cased login, the default plan, pending requests by stateToken, the log."""

    plans: dict[str, FaultPlan] = field(default_factory=dict)
    default_plan: FaultPlan = DEFAULT_PLAN
    log: list[LogEntry] = field(default_factory=list, repr=False)
    pending: OrderedDict[str, PendingSso] = field(
        default_factory=OrderedDict, metadata=DROPPED, compare=False, repr=False
    )
    """Sign-ins in flight belong to no snapshot: a restore drops them."""
    session_epoch: int = field(default=0, metadata=KEPT, compare=False)
    """IdP sessions minted under an older epoch are void."""

    def restore(self, snapshot: Self) -> None:
        """Return to ``snapshot`` and void every IdP session (its user may no longer exist)."""
        super().restore(snapshot)
        self.session_epoch += 1

    def arm(self, login: str, plan: FaultPlan) -> None:
        self.plans[login.strip().lower()] = plan

    def take(self, login: str) -> FaultPlan:
        return self.plans.pop(login.strip().lower(), self.default_plan)

    def armed(self, login: str) -> FaultPlan | None:
        return self.plans.get(login.strip().lower())

    def stash(self, token: str, pending: PendingSso) -> None:
        self.pending[token] = pending
        while len(self.pending) > MAX_PENDING:
            self.pending.popitem(last=False)

    def record(self, entry: LogEntry) -> None:
        self.log.append(entry)
        del self.log[:-MAX_LOG]
