"""The tests' one way to wait: for a condition, with a timeout that names what was awaited."""

from __future__ import annotations

import itertools

import pytest

from tests.waiting import wait_until


def test_returns_the_first_truthy_value() -> None:
    calls = itertools.count(1)
    assert wait_until(lambda: max(0, next(calls) - 2), 5.0, interval=0) == 1


def test_fails_naming_what_and_the_last_value() -> None:
    with pytest.raises(AssertionError, match=r"waiting for the hub: last \[\]"):
        wait_until(list, 0.05, "the hub", interval=0.01)
