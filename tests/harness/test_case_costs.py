"""bench.case_costs sorts profile samples into the parts of a case and reads pytest's case count."""

from __future__ import annotations

from bench import flame
from bench.case_costs import count_cases, part_of, report


def stack(*frames: str, count: int = 1) -> flame.Stack:
    return flame.Stack(tuple(frames), count)


def test_samples_are_sorted_into_client_and_server_parts() -> None:
    client = ("main (_pytest/config/__init__.py)", "runtestprotocol (_pytest/runner.py)")
    assert part_of((*client, "UserAgent.request (x)", "send (saml_harness/agent/transport.py)")).startswith(
        "user agent"
    )
    assert part_of(
        (*client, "deployment (conftest.py)", "Deployment.reset (saml_harness/deploy/wiring.py)")
    ).startswith("per-test reset")
    assert part_of((*client, "TerminalReporter.pytest_runtest_logreport (x)")) == "pytest's own per-test work"
    server = ("Thread._bootstrap (threading.py)", "translate_proxy_headers (waitress/proxy_headers.py)")
    assert part_of((*server, "acs (justcall_sp/acs_views.py)")).startswith("SP: ACS")
    assert part_of((*server, "sso (mock_idp/sso.py)")).startswith("IdP")
    assert part_of(("Thread._bootstrap (threading.py)", "HTTPChannel.service (waitress/channel.py)")).startswith(
        "waitress"
    )


def test_report_counts_milliseconds_per_case_in_the_window() -> None:
    stacks = [
        stack("runtestprotocol (r)", "send (saml_harness/agent/transport.py)", count=50),
        stack("runtestprotocol (r)", "live_deployment (conftest.py)", count=500),
    ]
    text = report(stacks, cases=10)
    assert "per case: 20.0 ms in the measured window" in text  # 50 samples x 4 ms / 10 cases


def test_case_count_comes_from_the_summary_line() -> None:
    assert count_cases("....\n160 passed, 2 xfailed in 12.30s\n") == 162
