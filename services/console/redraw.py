"""How often the console redraws: up to 4 Hz while someone is at the keys, 1 Hz otherwise.

Every redraw of a changing table costs its rows' bytes; over a slow SSH link
during a storm, the alert feed redrawn four times a second is four times the
bytes of once. What matters at once is drawn at once (the connection, the
global banner, a change of layout); the rest (the feed, the packs' rates, the
incident list, which a storm updates with every alert it attaches, and the
clock) waits at most a second, unless a person is typing, when the screen
should follow their hands.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from time import monotonic

__all__ = ["DEFERRABLE", "RedrawPacer"]

DEFERRABLE = frozenset({"alerts", "packs", "incidents", "clock", "timeline"})
"""Areas whose redraw may wait for the slow beat."""

FAST_S = 0.25
SLOW_S = 1.0
ACTIVE_S = 5.0
"""Seconds after the last key or click during which the fast beat holds."""


class RedrawPacer:
    """Decides, at each flush, whether the dirty areas are drawn now or wait."""

    def __init__(self, clock: Callable[[], float] = monotonic) -> None:
        self._clock = clock
        self._drawn = float("-inf")
        self._input = float("-inf")

    @property
    def interval(self) -> float:
        """The current beat in seconds: ``FAST_S`` after recent input, else ``SLOW_S``."""
        return FAST_S if self._clock() - self._input < ACTIVE_S else SLOW_S

    def touched(self) -> None:
        """A key or a click: draw at the fast beat for a while."""
        self._input = self._clock()

    def due(self, dirty: Set[str]) -> bool:
        """Whether to draw ``dirty`` now (then :meth:`drew` must be called)."""
        if not dirty:
            return False
        if not dirty <= DEFERRABLE:
            return True
        # A little slack: a 1 s beat checked by a 0.25 s timer must not slip to 1.25 s.
        return self._clock() - self._drawn >= self.interval - 0.05

    def drew(self) -> None:
        """The areas were drawn now."""
        self._drawn = self._clock()
