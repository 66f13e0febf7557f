"""The benchmark's attribution of a browser sign-in's time to categories (``bench.browser.attribute``)."""

from __future__ import annotations

import pytest

from bench.browser import attribute


def test_each_instant_goes_to_the_first_layer_that_covers_it() -> None:
    shares = attribute(
        (0.0, 10.0),
        {
            "server": [(2.0, 3.0), (6.0, 7.0)],
            "network": [(1.0, 4.0), (5.5, 7.5)],  # the server's time inside them stays the server's
            "document": [(3.5, 5.0)],  # overlaps a request by 0.5
        },
    )
    assert shares == pytest.approx({"server": 2.0, "network": 3.0, "document": 1.0, "other": 4.0})


def test_intervals_outside_the_window_are_clipped_and_overlaps_counted_once() -> None:
    shares = attribute((1.0, 3.0), {"network": [(0.0, 1.5), (1.2, 2.0), (2.5, 9.0)]})
    assert shares == pytest.approx({"network": 1.5, "other": 0.5})


def test_no_events_leave_everything_to_other() -> None:
    assert attribute((0.0, 2.0), {"server": [], "network": []}) == {"server": 0.0, "network": 0.0, "other": 2.0}
