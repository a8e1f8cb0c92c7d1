"""How often the console redraws: up to 4 Hz while someone is at the keys, 1 Hz otherwise.

Every redraw of a changing table costs its rows' bytes; over a slow SSH link
during a storm, the alert feed redrawn four times a second is four times the
bytes of once. What matters at once is drawn at once (the connection, the
global banner, a change of layout); the rest (the feed, the packs' rates, the
incident list, which a storm updates with every alert it attaches, and the
clock) waits at most a second, unless a person is typing, when the screen
should follow their hands.

Drawing is also bounded by what it costs: a deferrable redraw waits at least
``DRAW_SHARE`` times as long as the last one took, so in a storm whose every
redraw of the feed is long, drawing takes at most a fifth of the loop and the
rest goes to applying events (and to keys).
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
DRAW_SHARE = 4.0
"""A deferrable redraw waits at least this many times the last one's duration."""


class RedrawPacer:
    """Decides, at each flush, whether the dirty areas are drawn now or wait."""

    def __init__(self, clock: Callable[[], float] = monotonic) -> None:
        self._clock = clock
        self._drawn = float("-inf")
        self._input = float("-inf")
        self._took = 0.0

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
        wait = max(self.interval - 0.05, DRAW_SHARE * self._took)
        return self._clock() - self._drawn >= wait

    def drew(self, took: float = 0.0) -> None:
        """The areas were drawn now, in ``took`` seconds."""
        self._drawn = self._clock()
        self._took = took
