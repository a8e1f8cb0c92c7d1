"""A memo that keeps only what was asked for lately, so it stops growing once warm.

``functools.lru_cache(maxsize=N)`` keeps the last N *distinct* keys: a process
that draws the same 30 strings all day but meets 3 new ones an hour (a wall: new
incident titles, new timestamps) fills it over weeks, and its memory climbs all
that time. :func:`recently_used` bounds the memo by *lookups* instead: a key not
asked for during the last ``lookups`` calls is dropped. What is on screen is
asked for on every redraw and stays; what left is forgotten within two
generations. Memory is the working set (at most ``2 * lookups`` entries), reached
as soon as the first generations have turned.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, cast

__all__ = ["RecentMemo", "recently_used"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING = object()


class RecentMemo(Generic[K, V]):
    """``fn`` memoised over the keys asked for during the last ``lookups`` calls.

    Two generations: hits move an entry from the old one to the current one; every
    ``lookups`` calls the current generation becomes the old one and the old one
    is dropped (with every key nobody asked for meanwhile).
    """

    def __init__(self, fn: Callable[[K], V], lookups: int) -> None:
        if lookups < 1:
            raise ValueError("lookups must be at least 1")
        self.fn = fn
        self.lookups = lookups
        self._current: dict[K, V] = {}
        self._old: dict[K, V] = {}
        self._calls = 0

    def __call__(self, key: K) -> V:
        self._calls += 1
        if self._calls >= self.lookups:
            self._calls = 0
            self._old, self._current = self._current, {}
        try:
            return self._current[key]
        except KeyError:
            pass
        # One step (pop with a default), so a generation turned by another thread
        # meanwhile costs a recomputation, never a KeyError.
        kept = self._old.pop(key, _MISSING)
        value = self.fn(key) if kept is _MISSING else cast(V, kept)
        self._current[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._current or key in self._old

    def __len__(self) -> int:
        """How many results are kept now."""
        return len(self._current) + len(self._old)

    def clear(self) -> None:
        """Forget everything."""
        self._current.clear()
        self._old.clear()
        self._calls = 0


def recently_used(lookups: int) -> Callable[[Callable[[K], V]], RecentMemo[K, V]]:
    """Decorate a one-argument function with a :class:`RecentMemo` of ``lookups``."""

    def wrap(fn: Callable[[K], V]) -> RecentMemo[K, V]:
        return RecentMemo(fn, lookups)

    return wrap
