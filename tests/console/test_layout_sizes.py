"""Layout at every size: columns never run together, the packs are summarised where
the room is short, the width is used at 200 columns, calls per minute are coloured by
a rule, and a resize leaves no old column widths behind."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from services.console.state import StreamStatus
from tests.console.live import until
from tests.console.sample import FROZEN_NOW, heartbeat, snapshot
from tests.console.test_incident_snapshots import INC3, TIMELINE, _entry
from tests.console.test_snapshots import make_app
from tests.console.wall_helpers import MovableClock, make_wall
from tui.app import WarroomApp
from tui.screens.detail import DetailScreen
from widgets.agent_table import (
    BUSY_CALLS_PER_MIN,
    RUNAWAY_CALLS_PER_MIN,
    AgentTable,
    calls_level,
)
from widgets.alert_feed import AlertFeed


def screen_text(app: App[None]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def shows(pilot: Pilot[None], app: WarroomApp, words: str) -> None:
    """Wait until the screen shows ``words`` (a layout settles over a few refreshes)."""
    try:
        await until(lambda: words in screen_text(app), what=words, step=pilot.pause)
    except AssertionError:
        raise AssertionError(f"{words!r} not on screen:\n{screen_text(app)}") from None


async def _live(pilot: Pilot[None], data: dict[str, Any] | None = None) -> WarroomApp:
    app = pilot.app
    assert isinstance(app, WarroomApp)
    app.set_connection(StreamStatus(state="live"))
    app.apply_envelope(data or snapshot(seq=40))
    app.apply_envelope(heartbeat(40))
    await pilot.pause()
    app.flush()
    await pilot.pause()
    return app


def _with_inc3(*extra: dict[str, Any]) -> dict[str, Any]:
    data = snapshot(seq=40)
    data["data"]["incidents"][0] = INC3
    data["data"]["timeline"] = [*TIMELINE, *extra]
    return data


async def test_a_fixed_column_cut_keeps_its_gap_and_says_so() -> None:
    """`stop_confirmedpack`: a kind as wide as its column ran into the entry."""
    long_author = _entry(9, "18:16:00", "alice-from-the-night-shift", "stop_confirmed", "")
    long_author["text"] = "pack support: all 4 agents stopped in 1.4 s"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _live(pilot, _with_inc3(long_author))
        await pilot.press("i", "enter")
        await shows(pilot, app, "stop_confirmed pack support")
        text = screen_text(app)
        assert "alice-from-…" in text and "alice-from-the" not in text, text


async def test_at_120_the_packs_are_summarised_and_the_titles_get_the_room() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _live(pilot)
        packs = app.query_one(AgentTable)
        assert all(key.startswith("pack:") for key in packs.keys)
        assert len(packs.keys) == 7
        # running/total and the troubled agents, in one row per pack
        cells = [c.plain for c in packs.cells("pack:marketing") or ()]
        assert cells[2:4] == ["2/4", "1 stuck"], cells
        # the alert and incident titles are no longer cut at ~25 characters
        await shows(pilot, app, "Agent tool-call rate above threshold")
        await shows(pilot, app, "PII exposure · support · Possible PII in")
        feed = app.query_one(AlertFeed)
        assert feed.size.width >= 68
        # Agents on demand: A lists them, A again folds them; Enter on a pack opens it.
        await pilot.press("p", "A")
        assert "agent:campaign-writer" in packs.keys
        await pilot.press("A")
        assert "agent:campaign-writer" not in packs.keys
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)


async def test_at_200_the_width_is_used() -> None:
    """`escalated: security lead · EM e` was cut even at 200 columns."""
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await _live(pilot, _with_inc3())
        await shows(pilot, app, "escalated: security lead · EM escalation in ")
        text = screen_text(app)
        assert "Possible PII in ticket-summarizer output · support/ticket-summarizer" in text
        # the packs list their agents, with their names whole
        packs = app.query_one(AgentTable)
        assert "agent:expense-classifier" in packs.keys
        assert "expense-classifier " in text


@pytest.mark.parametrize(
    ("rate", "level"),
    [
        (0.0, "zero"),
        (5.0, "normal"),
        (BUSY_CALLS_PER_MIN - 1, "normal"),
        (BUSY_CALLS_PER_MIN, "warn"),
        (RUNAWAY_CALLS_PER_MIN, "bad"),
        (1855.0, "bad"),
    ],
)
def test_calls_per_minute_levels(rate: float, level: str) -> None:
    assert calls_level(rate) == level


async def test_calls_per_minute_are_coloured_by_the_busiest_agent() -> None:
    """A pack at 223 calls/min with one agent at 212 (a runaway) is critical; a quiet
    pack is plain; a stopped one at 0 is dim."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _live(pilot)
        packs = app.query_one(AgentTable)
        marketing = (packs.cells("pack:marketing") or ())[-1]
        legal = (packs.cells("pack:legal") or ())[-1]
        support = (packs.cells("pack:support") or ())[-1]
        assert marketing.plain == "223!" and legal.plain == "4 " and support.plain == "0 "
        bad = packs.get_component_rich_style("agent-table--bad", partial=True)
        zero = packs.get_component_rich_style("agent-table--zero", partial=True)
        assert marketing.style == bad and support.style == zero
        assert legal.style not in (bad, zero)


async def test_a_resize_from_200x60_to_80x24_leaves_no_old_widths() -> None:
    fresh = make_app()
    async with fresh.run_test(size=(80, 24)) as pilot:
        await _live(pilot)
        expected = screen_text(fresh)
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await _live(pilot)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        app.flush()
        await until(lambda: screen_text(app) == expected, what="80x24", step=pilot.pause)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        app.flush()
        await pilot.pause()
        packs = app.query_one(AgentTable)
        assert packs.summary and all(key.startswith("pack:") for key in packs.keys)


async def test_an_unacked_step_keeps_its_mark_and_its_gap_at_120() -> None:
    """`investigate…11:24`: the step ran into the response timer."""
    data = snapshot(seq=40)
    data["data"]["incidents"][1]["status"] = "investigate"  # INC-4, not acknowledged
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _live(pilot, data)
        await shows(pilot, app, "investigate ! 42:12 to respond")
        line = next(row for row in screen_text(app).splitlines() if "INC-4" in row)
        assert "investigate ! 42:12 to respond" in line, line


async def test_at_80x24_the_incident_timeline_keeps_five_rows() -> None:
    """The checklist and the facts give way at 24 rows; the next escalation stays."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _live(pilot, _with_inc3())
        await pilot.press("i", "enter")
        await shows(pilot, app, "Timeline · newest first")
        lines = screen_text(app).splitlines()
        below = lines[next(i for i, line in enumerate(lines) if "Timeline" in line) + 2 :]
        rows = [line for line in below if line[:2].isdigit() and line[2] == ":"]
        assert len(rows) >= 5, "\n".join(lines)
        assert "EM escalation in" in "\n".join(lines)


async def test_an_80_column_wall_still_says_not_acknowledged() -> None:
    """The band's second line is cut at 80 columns: `NOT ACKNOWLEDGED` comes right
    after the timer, not at the end where it was lost."""
    app = make_wall(MovableClock())
    async with app.run_test(size=(80, 24)) as pilot:
        app.state.apply_dict(snapshot(seq=40), FROZEN_NOW)
        app.state.apply_dict(heartbeat(40), FROZEN_NOW)
        app.set_connection(StreamStatus(state="live"))
        await until(
            lambda: "42:12 to respond · NOT ACKNOWLEDGED" in screen_text(app),
            what="INC-4 not acknowledged",
            step=pilot.pause,
        )


async def test_a_long_root_cause_is_cut_with_an_ellipsis_in_the_incident_header() -> None:
    from tui.screens.incident import IncidentScreen

    cause = "a retry loop in the ledger agent's tool calls " + "that nobody capped " * 8
    resolved = {**INC3, "status": "resolved", "root_cause": cause + "END"}
    data = snapshot(seq=40)
    data["data"]["incidents"][0] = resolved
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _live(pilot, data)
        await app.push_screen(IncidentScreen(app.session, "INC-3"))
        await shows(pilot, app, "root cause:")
        line = next(s for s in screen_text(app).splitlines() if "root cause:" in s)
        assert "END" not in line and "…" in line, line
