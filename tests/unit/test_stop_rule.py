"""The one stop-confirmation rule, shared by the hub and every console."""

from __future__ import annotations

import pytest

from services.domain.stop_rule import StopProgress


def test_stopped_counts() -> None:
    progress = StopProgress()
    assert progress.counts_as_stopped("a1", "stopped")
    assert progress.seen_stopped("a1")


@pytest.mark.parametrize("state", ["running", "idle", "degraded", "stuck"])
def test_other_states_do_not_count(state: str) -> None:
    assert not StopProgress().counts_as_stopped("a1", state)


def test_error_before_seen_stopped_does_not_count() -> None:
    # An agent that was failing or silent before it was ever seen stopped may still run.
    progress = StopProgress()
    assert not progress.counts_as_stopped("a1", "error")
    assert progress.running([("a1", "error")]) == ("a1",)


def test_error_after_seen_stopped_counts() -> None:
    # Its process ended after it stopped: still stopped.
    progress = StopProgress()
    progress.counts_as_stopped("a1", "stopped")
    assert progress.counts_as_stopped("a1", "error")


def test_running_again_after_stopped_does_not_count() -> None:
    progress = StopProgress()
    progress.counts_as_stopped("a1", "stopped")
    assert not progress.counts_as_stopped("a1", "running")


def test_running_lists_sorted_ids() -> None:
    progress = StopProgress()
    pairs = [("b", "running"), ("a", "error"), ("c", "stopped")]
    assert progress.running(pairs) == ("a", "b")
