"""Pure helpers of the benchmarks: rates measured against a reference in the same process, verdicts, summaries.

Nothing here starts servers or imports the apps, so ``tests/bench`` can test it quickly.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

Clock = Callable[[], float]


def measure_rate(
    fn: Callable[[], object], seconds: float, *, min_calls: int = 3, clock: Clock = time.perf_counter
) -> float:
    """Call ``fn`` repeatedly for about ``seconds`` (at least ``min_calls`` times); return calls per second."""
    calls = 0
    start = clock()
    while True:
        fn()
        calls += 1
        elapsed = clock() - start
        if elapsed >= seconds and calls >= min_calls:
            return calls / elapsed if elapsed > 0 else math.inf


@dataclass(frozen=True)
class Paired:
    """Rates of a subject and its reference, measured in alternating rounds so machine noise hits both."""

    subject: tuple[float, ...]
    reference: tuple[float, ...]

    @property
    def ratios(self) -> tuple[float, ...]:
        return tuple(s / r for s, r in zip(self.subject, self.reference, strict=True) if r > 0)

    @property
    def ratio(self) -> float:
        """Median of the per-round ratios (robust against a round hit by another process)."""
        return statistics.median(self.ratios)

    @property
    def subject_rate(self) -> float:
        return statistics.median(self.subject)

    @property
    def reference_rate(self) -> float:
        return statistics.median(self.reference)


def paired_rates(
    subject: Callable[[], object],
    reference: Callable[[], object],
    *,
    rounds: int,
    seconds: float,
    rate: Callable[[Callable[[], object], float], float] = measure_rate,
) -> Paired:
    """Measure ``subject`` and ``reference`` alternately for ``rounds`` rounds of ``seconds`` each."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    subject_rates, reference_rates = [], []
    for _ in range(rounds):
        subject_rates.append(rate(subject, seconds))
        reference_rates.append(rate(reference, seconds))
    return Paired(tuple(subject_rates), tuple(reference_rates))


def percentile(values: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile (0-100) with linear interpolation; NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(ordered[low])
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


OPS: Mapping[str, Callable[[float, float], bool]] = {
    ">=": lambda value, threshold: value >= threshold,
    "<=": lambda value, threshold: value <= threshold,
    "==": lambda value, threshold: value == threshold,
}


@dataclass(frozen=True)
class Target:
    """A target such as ``>= 0.6``."""

    op: str
    threshold: float

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"op must be one of {sorted(OPS)}")

    def met(self, value: float | None) -> bool | None:
        """Whether ``value`` meets the target (None when there is no value to judge)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return OPS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.op} {self.threshold:g}"


@dataclass
class Figure:
    """One row of the bench table: the figure, its reference measured in the same run, the ratio, the target."""

    key: str
    label: str
    value: float | None
    unit: str
    reference_label: str = ""
    reference_value: float | None = None
    ratio: float | None = None
    target: Target | None = None
    target_on: str = "ratio"
    """Which number the target applies to: ``ratio`` or ``value``."""
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def judged(self) -> float | None:
        return self.ratio if self.target_on == "ratio" else self.value

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.judged)

    @property
    def verdict(self) -> str:
        met = self.met
        if self.target is None:
            return "-"
        return "n/a" if met is None else ("PASS" if met else "MISS")

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = None if self.target is None else str(self.target)
        data["verdict"] = self.verdict
        return data


def fmt(value: float | None, digits: int = 3) -> str:
    """Format a number for the table: significant digits, no exponent for everyday sizes."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    return f"{value:,.{decimals}f}"


@dataclass(frozen=True)
class CaseTiming:
    """One test case as pytest reported it (epoch seconds): setup start to teardown end, and its worker."""

    nodeid: str
    outcome: str
    start: float
    stop: float
    worker: str = "main"
    call_start: float | None = None


def suite_window(timings: Iterable[CaseTiming]) -> tuple[int, float]:
    """Return (cases, seconds from the first case's start to the last case's end), startup excluded.

    Startup is interpreter start, imports, collection and, in each worker's first case, the session fixtures'
    setup (starting the servers): that case counts from its call phase.
    """
    items = list(timings)
    if not items:
        return 0, 0.0
    starts: dict[str, float] = {}
    for worker in {t.worker for t in items}:
        first = min((t for t in items if t.worker == worker), key=lambda t: t.start)
        starts[worker] = first.call_start if first.call_start is not None else first.start
    return len(items), max(t.stop for t in items) - min(starts.values())


def cases_per_second(cases: int, seconds: float) -> float:
    return cases / seconds if seconds > 0 else math.nan


def duplicate_users(emails: Iterable[str]) -> dict[str, int]:
    """Return emails (case-insensitive) that occur more than once, with their row counts."""
    counts = Counter(email.strip().lower() for email in emails)
    return {email: n for email, n in sorted(counts.items()) if n > 1}


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """Return count, p50, p95, p99 and max of latencies in seconds."""
    return {
        "count": float(len(seconds)),
        "p50_s": percentile(seconds, 50),
        "p95_s": percentile(seconds, 95),
        "p99_s": percentile(seconds, 99),
        "max_s": max(seconds) if seconds else math.nan,
    }


REQUIRED_KEYS = (
    "idp_responses_per_s",
    "idp_sign_ratio",
    "sp_validations_per_s",
    "sp_vs_python3saml_ratio",
    "suite_cases_per_s",
    "xdist_speedup",
    "browser_login_median_s",
    "cold_conformance_s",
)
"""Keys ``reports/bench.json`` always holds (numbers; NaN is written as null when a part could not run)."""


def missing_keys(report: Mapping[str, Any], required: Sequence[str] = REQUIRED_KEYS) -> list[str]:
    """Return the required keys that are absent or not numbers."""
    return [k for k in required if not isinstance(report.get(k), int | float) or isinstance(report.get(k), bool)]
