"""How often the console redraws: up to 4 Hz while someone is at the keys, 1 Hz otherwise,
and the alert feed less often still while nobody types and the output is over budget.

Every redraw of a changing table costs its rows' bytes; over a slow SSH link
during a storm, the alert feed redrawn four times a second is four times the
bytes of once. What matters is drawn at once (the connection, the global
banner, a change of layout); the rest (the packs' rates, the incident list,
which a storm updates with every alert it attaches, and the clock, which
carries the response timers and escalation countdowns) waits at most a
second, unless a person is typing, when the screen should follow their hands.
An area that matters never waits for one that can: each flush draws what is
due and leaves the rest dirty for its beat.

The feed is the costliest area in a storm: new alerts arrive at its top, so
every row moves and every redraw rewrites the whole panel. While nobody types
it is redrawn at most every ``FEED_IDLE_S``, and while the console has
written more than ``BUDGET_BPS`` over the last ``BUDGET_WINDOW_S`` (the
*byte budget*, measured by :class:`ByteMeter` on what really went to the
terminal) at most every ``FEED_OVER_BUDGET_S``. A key or a click brings the
fast beat back for everything.

Drawing is also bounded by what it costs: a deferrable redraw waits at least
``DRAW_SHARE`` times as long as the last one took, so in a storm whose every
redraw of the feed is long, drawing takes at most a fifth of the loop and the
rest goes to applying events (and to keys).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Set
from time import monotonic

__all__ = [
    "BUDGET_BPS",
    "DEFERRABLE",
    "FEED",
    "OUTPUT",
    "ByteMeter",
    "RedrawPacer",
]

DEFERRABLE = frozenset({"alerts", "packs", "incidents", "clock", "timeline"})
"""Areas whose redraw may wait for the slow beat."""
FEED = "alerts"
"""The area that waits longest: the alert feed."""

FAST_S = 0.25
SLOW_S = 1.0
ACTIVE_S = 5.0
"""Seconds after the last key or click during which the fast beat holds."""
DRAW_SHARE = 4.0
"""A deferrable redraw waits at least this many times the last one's duration."""
FEED_IDLE_S = 2.0
"""While nobody types, the feed is redrawn at most this often."""
FEED_OVER_BUDGET_S = 8.0
"""... and at most this often while the output is over the byte budget."""
BUDGET_BPS = 1000.0
"""Bytes per second written to the terminal above which the feed slows down. Issue 12
asks for at most 2 KB/s at 120x40; the feed's whole-panel redraw is most of a storm's
bytes, and one of them in the window already puts a storm over this line."""
BUDGET_WINDOW_S = 10.0
"""The window over which the output is measured against the budget."""
_SLACK_S = 0.05
"""A 1 s beat checked by a 0.25 s timer must not slip to 1.25 s."""


class ByteMeter:
    """Bytes written to the terminal over the last ``window`` seconds."""

    def __init__(
        self, clock: Callable[[], float] = monotonic, window: float = BUDGET_WINDOW_S
    ) -> None:
        self._clock = clock
        self._window = window
        self._writes: deque[tuple[float, int]] = deque()
        self._total = 0

    def add(self, count: int) -> None:
        """``count`` bytes were written now."""
        now = self._clock()
        self._writes.append((now, count))
        self._total += count
        self._forget(now)

    def _forget(self, now: float) -> None:
        writes = self._writes
        while writes and writes[0][0] <= now - self._window:
            self._total -= writes.popleft()[1]

    def rate(self) -> float:
        """Bytes per second over the window."""
        self._forget(self._clock())
        return self._total / self._window


OUTPUT = ByteMeter()
"""What the console's screen updates wrote (counted by ``tui.partial_paint``)."""


class RedrawPacer:
    """Decides, at each flush, which dirty areas are drawn now and which wait."""

    def __init__(
        self,
        clock: Callable[[], float] = monotonic,
        meter: ByteMeter | None = None,
        budget: float = BUDGET_BPS,
    ) -> None:
        self._clock = clock
        self._meter = meter
        self._budget = budget
        self._drawn = float("-inf")
        self._feed_drawn = float("-inf")
        self._input = float("-inf")
        self._took = 0.0

    @property
    def typing(self) -> bool:
        """True for ``ACTIVE_S`` after the last key or click."""
        return self._clock() - self._input < ACTIVE_S

    @property
    def interval(self) -> float:
        """The current beat in seconds: ``FAST_S`` after recent input, else ``SLOW_S``."""
        return FAST_S if self.typing else SLOW_S

    @property
    def over_budget(self) -> bool:
        """Whether the output over the last window exceeds the byte budget."""
        return self._meter is not None and self._meter.rate() > self._budget

    @property
    def feed_interval(self) -> float:
        """How long the feed waits between redraws now."""
        if self.typing:
            return FAST_S
        return FEED_OVER_BUDGET_S if self.over_budget else FEED_IDLE_S

    def fresh(self) -> None:
        """A snapshot replaced the state (at start, or a re-sync): the next flush
        draws everything, whatever was drawn a moment ago (at start, an empty feed)."""
        self._drawn = self._feed_drawn = float("-inf")

    def touched(self) -> None:
        """A key or a click: draw at the fast beat for a while."""
        self._input = self._clock()

    def split(self, dirty: Set[str]) -> tuple[set[str], set[str]]:
        """``dirty`` as (drawn now, waiting): what matters now, the rest at its beat."""
        now = set(dirty - DEFERRABLE)
        later = set(dirty & DEFERRABLE)
        if not later:
            return now, later
        clock = self._clock()
        wait = max(self.interval - _SLACK_S, DRAW_SHARE * self._took)
        if clock - self._drawn < wait:
            return now, later
        if FEED in later and clock - self._feed_drawn < self.feed_interval - _SLACK_S:
            later = {FEED}
        else:
            later = set()
        return now | (dirty & DEFERRABLE) - later, later

    def due(self, dirty: Set[str]) -> bool:
        """Whether anything in ``dirty`` is to be drawn now."""
        return bool(self.split(dirty)[0])

    def drew(self, took: float = 0.0, areas: Set[str] = DEFERRABLE) -> None:
        """``areas`` were drawn now, in ``took`` seconds."""
        if areas & DEFERRABLE:
            self._drawn = self._clock()
            self._took = took
        if FEED in areas:
            self._feed_drawn = self._clock()
