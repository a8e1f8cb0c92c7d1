"""Touching the terminal only when something visible changed: a ticking clock must not
repaint the connection bar, a panel's unchanged title, or a whole table for one cell."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Static

from services.console.state import ConnectionView
from widgets.connection_bar import ConnectionBar
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable
from widgets.titles import set_border_title


class Table(KeyedTable):
    COLUMNS = (ColumnSpec("a", "A", 4), ColumnSpec("b", "B"), ColumnSpec("c", "C", 3, "right"))


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield ConnectionBar()
        yield Table()


def cells(a: str, c: str) -> Cells:
    return (Text(a), Text("text"), Text(c))


def spy_refresh(widget: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Region, ...]]:
    calls: list[tuple[Region, ...]] = []
    original = widget.refresh

    def wrapper(*regions: Region, **kw: Any) -> Any:
        calls.append(regions)
        return original(*regions, **kw)

    monkeypatch.setattr(widget, "refresh", wrapper)
    return calls


async def test_one_cell_repaints_its_row_only(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Harness()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(Table)
        table.sync([(k, cells(k, "1")) for k in ("x", "y", "z")])
        await pilot.pause()
        calls = spy_refresh(table, monkeypatch)
        table.sync([("x", cells("x", "1")), ("y", cells("y", "22")), ("z", cells("z", "1"))])
        assert calls, "the changed cell was not repainted"
        # Every repaint names a region: never the whole table (an empty call).
        assert all(regions for regions in calls), calls
        assert all(r.height == 1 for regions in calls for r in regions), calls
        await pilot.pause()
        assert table.get_cell("y", "c").plain.strip() == "22"
        assert "22" in "".join(
            strip.text for strip in table.render_lines(table.region.reset_offset)
        )


async def test_the_clock_ticking_updates_the_clock_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Harness()
    async with app.run_test(size=(100, 12)) as pilot:
        bar = app.query_one(ConnectionBar)
        view = ConnectionView("live", "LIVE", "seq 10")
        bar.show(view, "10:00:00 UTC", {"gaps": 1})
        await pilot.pause()
        updated: list[str] = []
        for static in bar.query(Static):
            original = static.update

            def wrapper(
                *args: Any, _id: str = str(static.id), _o: Any = original, **kw: Any
            ) -> Any:
                updated.append(_id)
                return _o(*args, **kw)

            monkeypatch.setattr(static, "update", wrapper)
        bar.show(view, "10:00:01 UTC", {"gaps": 1})
        assert updated == ["conn-clock"]
        updated.clear()
        bar.show(ConnectionView("stale", "STALE 5 s"), "10:00:01 UTC", {"gaps": 1})
        assert sorted(updated) == ["conn-detail", "conn-state"]
        await pilot.pause()
        assert bar.has_class("-stale") and bar.label == "STALE 5 s"


async def test_an_unchanged_border_title_does_not_repaint(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Harness()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(Table)
        assert set_border_title(table, "Packs · all on")
        await pilot.pause()
        calls = spy_refresh(table, monkeypatch)
        assert not set_border_title(table, "Packs · all on")
        assert calls == []
        assert set_border_title(table, "Packs · 1 stopped")
        assert str(table.border_title) == "Packs · 1 stopped"


async def test_the_feed_waits_for_its_beat_and_the_banner_does_not_take_it_along() -> None:
    from services.console.redraw import OUTPUT, RedrawPacer
    from services.console.settings import ConsoleSettings
    from tests.console.sample import FROZEN_NOW, snapshot
    from tui.app import WarroomApp

    config = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    app = WarroomApp(config, clock=lambda: FROZEN_NOW, connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        # A pacer whose clock stands still: on a busy machine a real one could reach
        # the feed's beat while the test pauses.
        app.pacer = RedrawPacer(clock=lambda: 100.0, meter=OUTPUT)
        app.apply_envelope(snapshot())
        await pilot.pause()
        app.flush()  # drawn: the beat starts now
        drawn: list[set[str]] = []
        original = app.dashboard.show_state

        def spy(state: Any, now: Any, dirty: set[str]) -> None:
            drawn.append(set(dirty))
            original(state, now, dirty)

        app.dashboard.show_state = spy  # type: ignore[method-assign]
        app.state.dirty.add("alerts")
        app.paced_flush()
        assert drawn == [] and "alerts" in app.state.dirty  # kept for the next beat
        app.state.dirty.add("banner")
        app.paced_flush()
        # The banner at once, alone: the feed keeps waiting for its own beat.
        assert drawn and "banner" in drawn[0] and "alerts" not in drawn[0]
        assert "alerts" in app.state.dirty
        await pilot.pause()


async def test_a_burst_of_envelopes_is_one_message_and_all_are_applied() -> None:
    from services.console.settings import ConsoleSettings
    from services.domain.models import Envelope
    from tests.console.sample import FROZEN_NOW, agent, envelope, snapshot
    from tui.app import WarroomApp
    from tui.messages import EnvelopeReceived

    config = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    app = WarroomApp(config, clock=lambda: FROZEN_NOW, connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.apply_envelope(snapshot(seq=40))
        batches: list[EnvelopeReceived] = []
        original = app.post_message

        def spy(message: Any) -> bool:
            if isinstance(message, EnvelopeReceived):
                batches.append(message)
            return original(message)

        app.post_message = spy  # type: ignore[method-assign]
        for n in range(300):  # as the stream reader delivers them, without yielding
            rate = float(n)
            data = {"agent": agent("campaign-writer", "marketing", rate=rate)}
            app._post_envelope(Envelope.from_dict(envelope(41 + n, "agent.status", data)))
        assert app._backlog() >= 300
        await pilot.pause()
        assert [len(b.envelopes) for b in batches] == [300]
        assert app.state.last_seq == 340
        assert app.state.agents["campaign-writer"].tool_calls_per_min == 299.0
        assert app._backlog() == 0


async def test_a_status_between_envelopes_keeps_its_place() -> None:
    from services.console.settings import ConsoleSettings
    from services.console.state import StreamStatus
    from services.domain.models import Envelope
    from tests.console.sample import FROZEN_NOW, agent, envelope, snapshot
    from tui.app import WarroomApp
    from tui.messages import ConnectionChanged, EnvelopeReceived

    config = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    app = WarroomApp(config, clock=lambda: FROZEN_NOW, connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.apply_envelope(snapshot(seq=40))
        posted: list[str] = []
        original = app.post_message

        def spy(message: Any) -> bool:
            if isinstance(message, EnvelopeReceived | ConnectionChanged):
                posted.append(type(message).__name__)
            return original(message)

        app.post_message = spy  # type: ignore[method-assign]

        def deliver(seq: int) -> None:
            data = {"agent": agent("campaign-writer", "marketing", rate=float(seq))}
            app._post_envelope(Envelope.from_dict(envelope(seq, "agent.status", data)))

        deliver(41)
        deliver(42)
        app._post_status(StreamStatus(state="live"))
        deliver(43)
        assert posted == ["EnvelopeReceived", "ConnectionChanged", "EnvelopeReceived"]
        await pilot.pause()
        assert app.state.last_seq == 43
