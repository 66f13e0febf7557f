"""Pytest hooks shared by every suite: the ``--target`` option and the ``bundled_only`` marker."""

from __future__ import annotations

from pathlib import Path

import pytest

from saml_harness.targets import TargetSpec, load_target

TARGET_KEY = pytest.StashKey[TargetSpec | None]()
"""Where the loaded ``--target`` spec lives on the pytest config (None: the bundled JustCall SP)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--target",
        default=None,
        metavar="FILE.toml",
        help="Run the suites against the external SP described in FILE.toml instead of the bundled JustCall SP.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bundled_only: needs the bundled JustCall SP (its database or reason codes)")
    path = config.getoption("--target")
    config.stash[TARGET_KEY] = load_target(Path(path), fetch=False) if path else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    spec = config.stash[TARGET_KEY]
    if spec is None:
        return
    skip = pytest.mark.skip(reason=f"needs the bundled JustCall SP; the target is {spec.name!r}")
    for item in items:
        if item.get_closest_marker("bundled_only"):
            item.add_marker(skip)
