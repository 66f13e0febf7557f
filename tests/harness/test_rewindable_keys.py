"""The IdP's key source hands out distinct keys in order, and the same ones again after a rewind to its mark."""

from __future__ import annotations

from saml_harness.deploy.wiring import RewindableKeys


def public_numbers(key: object) -> int:
    return key.public_key().public_numbers().n  # type: ignore[attr-defined]


def test_keys_are_distinct_until_rewound_to_the_mark() -> None:
    keys = RewindableKeys()
    wired = public_numbers(keys(1024))
    keys.mark()
    first_test = [public_numbers(keys(1024)) for _ in range(2)]
    assert len({wired, *first_test}) == 3
    keys.rewind()
    second_test = [public_numbers(keys(1024)) for _ in range(3)]
    assert second_test[:2] == first_test and second_test[2] not in (wired, *first_test)
