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


def test_cpu_by_endpoint_ranks_endpoints_and_divides_by_logins() -> None:
    from bench.load import cpu_by_endpoint

    ranked = cpu_by_endpoint(
        {"sp GET pages.index": {"cpu_s": 0.5, "calls": 100}, "sp POST acs.acs": {"cpu_s": 2.0, "calls": 100}}, 100
    )
    assert list(ranked) == ["sp POST acs.acs", "sp GET pages.index"]
    assert ranked["sp POST acs.acs"] == {"cpu_ms_per_login": 20.0, "cpu_ms_per_call": 20.0, "calls_per_login": 1.0}
    assert cpu_by_endpoint({"x": {"cpu_s": 1.0, "calls": 1}}, 0) == {}


def test_route_cpu_meters_each_endpoint_of_a_flask_app() -> None:
    from flask import Flask

    from bench.load_server import RouteCpu

    app = Flask(__name__)

    @app.get("/busy")
    def busy() -> str:
        return str(sum(i * i for i in range(200_000)))

    meter = RouteCpu("sp", app)
    app.wsgi_app = meter  # type: ignore[method-assign]
    client = app.test_client()
    assert client.get("/busy").status_code == 200
    assert client.get("/nowhere").status_code == 404
    counted = meter.as_json()
    assert counted["sp GET busy"]["calls"] == 1 and counted["sp GET busy"]["cpu_s"] > 0
    assert counted["sp GET /nowhere"]["calls"] == 1


def test_meters_of_the_idp_and_every_sp_worker_add_up() -> None:
    from bench.load_server import merge_route_cpu

    merged = merge_route_cpu(
        [
            {"idp GET sso.sso": {"cpu_s": 1.0, "calls": 10}},
            {"sp POST acs.acs": {"cpu_s": 2.0, "calls": 5}},
            {"sp POST acs.acs": {"cpu_s": 3.0, "calls": 5}},
        ]
    )
    assert merged == {"idp GET sso.sso": {"cpu_s": 1.0, "calls": 10}, "sp POST acs.acs": {"cpu_s": 5.0, "calls": 10}}
