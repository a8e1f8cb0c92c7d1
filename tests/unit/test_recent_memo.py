"""The recently-used memo: bounded by lookups, so a long-running process stops growing once warm."""

from __future__ import annotations

import pytest

from services.domain.recent import RecentMemo, recently_used


def test_it_computes_each_key_once_while_the_key_keeps_being_asked_for() -> None:
    calls: list[str] = []

    @recently_used(8)
    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    for _ in range(100):
        assert upper("a") == "A"
        assert upper("b") == "B"
    assert calls == ["a", "b"]


def test_a_key_nobody_asks_for_is_forgotten_within_two_generations() -> None:
    memo: RecentMemo[str, str] = RecentMemo(str.upper, lookups=10)
    memo("gone")
    for _ in range(20):
        memo("kept")
    assert "gone" not in memo
    assert "kept" in memo


@pytest.mark.parametrize("lookups", [1, 16, 4096])
def test_it_never_holds_more_than_two_generations_of_distinct_keys(lookups: int) -> None:
    memo: RecentMemo[int, int] = RecentMemo(lambda n: n * 2, lookups=lookups)
    for n in range(3 * lookups + 5):
        assert memo(n) == n * 2
        assert len(memo) <= 2 * lookups


def test_a_working_set_plus_a_trickle_of_new_keys_stays_the_size_of_the_working_set() -> None:
    """A wall: the same 30 strings every redraw and one new string now and then."""
    memo: RecentMemo[str, str] = RecentMemo(str.upper, lookups=300)
    shown = [f"band {n}" for n in range(30)]
    for redraw in range(5000):
        for text in shown:
            memo(text)
        memo(f"new title {redraw}")
    assert len(memo) <= 30 + 2 * 300 // 31 + 2


def test_clear_and_a_bad_size() -> None:
    memo: RecentMemo[str, str] = RecentMemo(str.upper, lookups=4)
    memo("x")
    memo.clear()
    assert len(memo) == 0
    with pytest.raises(ValueError):
        RecentMemo(str.upper, lookups=0)


def test_results_that_are_none_are_kept_too() -> None:
    calls: list[str] = []

    def nothing(text: str) -> None:
        calls.append(text)

    memo: RecentMemo[str, None] = RecentMemo(nothing, lookups=3)
    for _ in range(10):
        assert memo("a") is None
    assert calls == ["a"]
