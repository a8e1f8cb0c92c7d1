"""Waiting for a condition, never for a length of time.

A test that sleeps "long enough" is slow when the machine is fast and flaky when it is
slow; these poll the condition itself and fail, saying what was awaited, only after a
generous timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T], timeout: float = 10.0, what: str = "", interval: float = 0.02
) -> T:
    """Poll ``predicate`` until it returns something truthy, and return that; raise
    ``AssertionError`` naming ``what`` (and the last value seen) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout} s waiting for {what or repr(predicate)}: last {value!r}"
            )
        time.sleep(interval)
