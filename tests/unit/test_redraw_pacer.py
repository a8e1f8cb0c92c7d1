"""The redraw's beat: what matters is drawn at once, what only moves on waits for 1 Hz
unless someone is typing."""

from __future__ import annotations

from services.console.redraw import FAST_S, RedrawPacer


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_idle_the_feed_and_clock_wait_for_one_hertz() -> None:
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
    assert pacer.due({"alerts"})


def test_what_matters_is_drawn_at_once() -> None:
    clock = Clock()
    pacer = RedrawPacer(clock)
    pacer.drew()
    clock.t += 0.25
    for area in ("connection", "banner", "layout"):
        assert pacer.due({area, "alerts"}), area
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
