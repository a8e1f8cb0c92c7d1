"""The redraw's beat: what matters is drawn at once, what only moves on waits for 1 Hz
unless someone is typing, and the alert feed longer still, longest over the byte budget."""

from __future__ import annotations

from services.console.redraw import (
    BUDGET_WINDOW_S,
    FAST_S,
    FEED_IDLE_S,
    FEED_OVER_BUDGET_S,
    ByteMeter,
    RedrawPacer,
)


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_idle_the_clock_waits_for_one_hertz_and_the_feed_for_two_seconds() -> None:
    clock = Clock()
    pacer = RedrawPacer(clock)
    assert pacer.interval == 1.0
    assert pacer.due({"alerts", "clock"})
    pacer.drew()
    clock.t += 0.25
    assert not pacer.due({"alerts"})
    assert not pacer.due({"packs", "clock"})
    assert not pacer.due({"incidents"})  # a storm updates them with every alert
    clock.t += 0.75
    # The timers and countdowns (the clock) tick each second; the feed waits.
    assert pacer.split({"alerts", "clock", "incidents"}) == ({"clock", "incidents"}, {"alerts"})
    pacer.drew(0.0, {"clock", "incidents"})
    clock.t += FEED_IDLE_S - 1.0
    assert pacer.split({"alerts", "clock"}) == ({"alerts", "clock"}, set())


def test_what_matters_is_drawn_at_once() -> None:
    clock = Clock()
    pacer = RedrawPacer(clock)
    pacer.drew()
    clock.t += 0.25
    for area in ("connection", "banner", "layout"):
        assert pacer.due({area, "alerts"}), area
        # ... alone: the feed does not ride along before its beat.
        assert pacer.split({area, "alerts"}) == ({area}, {"alerts"}), area
    assert not pacer.due(set())


def test_typing_brings_the_fast_beat_back_for_a_while() -> None:
    clock = Clock()
    pacer = RedrawPacer(clock)
    pacer.drew()
    pacer.touched()
    clock.t += 0.25
    assert pacer.interval == 0.25
    assert pacer.due({"alerts"})
    clock.t += 10
    assert pacer.interval == 1.0


def test_a_long_redraw_spaces_the_next_deferrable_one() -> None:
    """A storm whose redraws take 0.4 s must not redraw at the 0.25 s beat (the whole loop)."""
    clock = Clock()
    pacer = RedrawPacer(clock)
    pacer.touched()  # the fast beat
    pacer.drew(0.4)
    clock.t += 1.0
    assert not pacer.due({"alerts"})  # 1.0 s < 4 x 0.4 s
    assert pacer.due({"connection"})  # what matters at once still draws at once
    clock.t += 0.7
    assert pacer.due({"alerts"})
    pacer.drew(0.01)
    clock.t += FAST_S
    assert pacer.due({"alerts"})  # cheap again: back to the beat


def test_an_urgent_draw_does_not_restart_the_beat() -> None:
    """Heartbeats redraw the connection bar often; the clock must still tick each second."""
    clock = Clock()
    pacer = RedrawPacer(clock)
    pacer.drew()
    for _ in range(3):
        clock.t += 0.25
        assert pacer.split({"connection", "clock"}) == ({"connection"}, {"clock"})
        pacer.drew(0.0, {"connection"})
    clock.t += 0.25
    assert pacer.split({"clock"}) == ({"clock"}, set())


def test_over_the_byte_budget_the_feed_waits_longer_while_nobody_types() -> None:
    clock = Clock()
    meter = ByteMeter(clock)
    pacer = RedrawPacer(clock, meter, budget=1000)
    pacer.drew()
    meter.add(int(2000 * BUDGET_WINDOW_S))  # 2,000 B/s: over
    assert pacer.over_budget
    clock.t += FEED_IDLE_S
    assert pacer.split({"alerts", "clock"}) == ({"clock"}, {"alerts"})  # deferred
    pacer.drew(0.0, {"clock"})
    clock.t += FEED_OVER_BUDGET_S - FEED_IDLE_S
    assert pacer.due({"alerts"})
    # A key: the feed follows the hands at once, budget or not.
    pacer.drew()
    meter.add(int(2000 * BUDGET_WINDOW_S))
    pacer.touched()
    clock.t += FAST_S
    assert pacer.split({"alerts"}) == ({"alerts"}, set())


def test_under_the_budget_the_feed_keeps_its_two_seconds() -> None:
    clock = Clock()
    meter = ByteMeter(clock)
    pacer = RedrawPacer(clock, meter, budget=1000)
    pacer.drew()
    meter.add(100)
    clock.t += FEED_IDLE_S
    assert not pacer.over_budget
    assert pacer.due({"alerts"})


def test_the_meter_forgets_what_is_older_than_its_window() -> None:
    clock = Clock()
    meter = ByteMeter(clock, window=5.0)
    meter.add(5000)
    assert meter.rate() == 1000
    clock.t += 3
    meter.add(500)
    assert meter.rate() == 1100
    clock.t += 2.5
    assert meter.rate() == 100
    clock.t += 3
    assert meter.rate() == 0


def test_a_snapshot_is_drawn_whole_at_the_next_flush() -> None:
    """At start the empty feed was drawn a moment before the snapshot came: its alerts
    must not wait for the feed's beat (they waited 2 s)."""
    clock = Clock()
    pacer = RedrawPacer(clock)
    pacer.drew(0.0, {"alerts", "packs", "clock"})
    clock.t += 0.3
    assert pacer.split({"alerts", "packs"}) == (set(), {"alerts", "packs"})
    pacer.fresh()
    assert pacer.split({"alerts", "packs"}) == ({"alerts", "packs"}, set())
