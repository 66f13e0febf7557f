"""The benchmarks' pure helpers: rates against a reference, percentiles, verdicts, suite windows, duplicates."""

from __future__ import annotations

import math

import pytest

from bench.stats import (
    REQUIRED_KEYS,
    CaseTiming,
    Figure,
    Paired,
    Target,
    cases_per_second,
    duplicate_users,
    fmt,
    latency_summary,
    measure_rate,
    missing_keys,
    paired_rates,
    percentile,
    suite_window,
)


class FakeClock:
    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_measure_rate_counts_calls_per_clock_second() -> None:
    calls: list[int] = []
    rate = measure_rate(lambda: calls.append(1), 1.0, clock=FakeClock(0.25))
    # The clock advances 0.25 s per read: one read at the start, one after each call.
    assert len(calls) == 4
    assert rate == pytest.approx(4 / 1.0)


def test_measure_rate_makes_at_least_min_calls() -> None:
    calls: list[int] = []
    measure_rate(lambda: calls.append(1), 0.0, min_calls=5, clock=FakeClock(1.0))
    assert len(calls) == 5


def test_paired_ratio_is_the_median_of_per_round_ratios() -> None:
    paired = Paired(subject=(10.0, 30.0, 20.0), reference=(10.0, 10.0, 40.0))
    assert paired.ratios == (1.0, 3.0, 0.5)
    assert paired.ratio == 1.0
    assert paired.subject_rate == 20.0
    assert paired.reference_rate == 10.0


def test_paired_rates_alternates_subject_and_reference() -> None:
    order: list[str] = []

    def rate(fn: object, seconds: float) -> float:
        fn()  # type: ignore[operator]
        return 2.0 if order[-1] == "s" else 4.0

    paired = paired_rates(lambda: order.append("s"), lambda: order.append("r"), rounds=3, seconds=0.1, rate=rate)
    assert order == ["s", "r", "s", "r", "s", "r"]
    assert paired.ratio == 0.5


def test_paired_rates_needs_a_round() -> None:
    with pytest.raises(ValueError):
        paired_rates(lambda: None, lambda: None, rounds=0, seconds=0.1)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([1, 2, 3, 4], 50, 2.5), ([5], 95, 5.0), ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 9.55), ([3, 1, 2], 0, 1.0)],
)
def test_percentile_interpolates(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_of_nothing_is_nan_and_q_is_checked() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_target_judges_values() -> None:
    assert Target(">=", 0.6).met(0.6) is True
    assert Target(">=", 0.6).met(0.59) is False
    assert Target("<=", 0.4).met(0.39) is True
    assert Target("<=", 0.4).met(None) is None
    assert Target(">=", 1).met(math.nan) is None
    assert str(Target(">=", 1.2)) == ">= 1.2"
    with pytest.raises(ValueError):
        Target("~", 1)


def test_figure_verdict_uses_the_ratio_or_the_value() -> None:
    by_ratio = Figure("idp", "IdP", 300.0, "responses/s", ratio=0.7, target=Target(">=", 0.6))
    by_value = Figure("browser", "Browser", 0.5, "s", ratio=3.0, target=Target("<=", 0.4), target_on="value")
    untargeted = Figure("cold", "Cold", 40.0, "s")
    assert by_ratio.verdict == "PASS"
    assert by_value.verdict == "MISS"
    assert untargeted.verdict == "-"
    assert by_ratio.as_json()["target"] == ">= 0.6"
    assert by_value.as_json()["verdict"] == "MISS"


def test_suite_window_spans_first_start_to_last_stop() -> None:
    timings = [CaseTiming("a", "passed", 10.0, 11.0), CaseTiming("b", "passed", 10.5, 13.0)]
    assert suite_window(timings) == (2, 3.0)


def test_suite_window_skips_each_workers_server_start() -> None:
    timings = [
        CaseTiming("a", "passed", 10.0, 12.0, "gw0", call_start=11.5),
        CaseTiming("b", "passed", 12.0, 13.0, "gw0", call_start=12.2),
        CaseTiming("c", "passed", 10.2, 12.5, "gw1", call_start=11.8),
    ]
    assert suite_window(timings) == (3, 13.0 - 11.5)
    assert suite_window([]) == (0, 0.0)
    assert cases_per_second(2, 4.0) == 0.5
    assert math.isnan(cases_per_second(2, 0.0))


def test_duplicate_users_ignore_case_and_spaces() -> None:
    emails = ["Ann@acme.example", "ann@acme.example ", "bob@acme.example", "BOB@ACME.EXAMPLE", "cy@acme.example"]
    assert duplicate_users(emails) == {"ann@acme.example": 2, "bob@acme.example": 2}
    assert duplicate_users(["a@b.c", "d@e.f"]) == {}


def test_latency_summary() -> None:
    summary = latency_summary([0.1, 0.2, 0.3, 0.4])
    assert summary["count"] == 4
    assert summary["p50_s"] == pytest.approx(0.25)
    assert summary["max_s"] == 0.4


def test_missing_keys_wants_numbers_not_bools_or_none() -> None:
    report = dict.fromkeys(REQUIRED_KEYS, 1.0) | {"xdist_speedup": None, "cold_conformance_s": True}
    assert missing_keys(report) == ["xdist_speedup", "cold_conformance_s"]
    assert missing_keys(dict.fromkeys(REQUIRED_KEYS, 2)) == []


def test_fmt_keeps_significant_digits() -> None:
    assert fmt(1234.5678) == "1,235"
    assert fmt(0.012345) == "0.0123"
    assert fmt(None) == "-"
    assert fmt(math.nan) == "-"
    assert fmt(0) == "0"
