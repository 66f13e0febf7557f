"""The load report's CPU budget: milliseconds per login on each side and the logins/s the cores allow."""

from __future__ import annotations

import os

import pytest

from bench.load import cpu_budget, process_tree_cpu_s


def test_cpu_budget_divides_cpu_by_logins_and_bounds_by_cores() -> None:
    budget = cpu_budget(server_cpu_s=4.0, locust_cpu_s=1.0, logins=100, window_s=10.0)
    cores = os.cpu_count() or 1
    assert budget["server_cpu_ms_per_login"] == pytest.approx(40.0)
    assert budget["locust_cpu_ms_per_login"] == pytest.approx(10.0)
    assert budget["total_cpu_ms_per_login"] == pytest.approx(50.0)
    assert budget["cpu_bound_logins_per_s"] == pytest.approx(1000 * cores / 50.0)
    assert budget["cpu_busy_share"] == pytest.approx(5.0 / (cores * 10.0))


def test_cpu_budget_of_no_logins_is_zero_not_a_division_error() -> None:
    budget = cpu_budget(server_cpu_s=1.0, locust_cpu_s=1.0, logins=0, window_s=0.0)
    assert budget["total_cpu_ms_per_login"] == 0.0
    assert budget["cpu_bound_logins_per_s"] == 0.0


def test_process_tree_cpu_grows_with_work_done() -> None:
    pytest.importorskip("psutil")
    before = process_tree_cpu_s(os.getpid())
    sum(i * i for i in range(300_000))
    assert process_tree_cpu_s(os.getpid()) > before
