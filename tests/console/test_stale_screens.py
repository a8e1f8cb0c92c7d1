"""LIVE / RECONNECTING / STALE on the incident, kill-switch and restore screens, with
countdowns frozen (and said so) on stale data; no screen draws "no data" as healthy.

A console on a movable frozen clock, fed sample envelopes; the clock is moved past
three heartbeat intervals without a frame.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from services.console.settings import ConsoleSettings
from services.console.state import StreamStatus
from tests.console.sample import heartbeat, snapshot
from tests.console.wall_helpers import MovableClock
from tui.app import WarroomApp
from tui.screens.incident import IncidentScreen
from tui.screens.killswitch import KillswitchScreen
from tui.screens.restore import RestoreScreen
from widgets.agent_table import AgentTable
from widgets.connection_bar import ConnectionBar
from widgets.escalation_countdown import EscalationCountdown
from widgets.killswitch_panel import KillswitchPanel
from widgets.response_timer import ResponseTimer


def _app(clock: MovableClock) -> WarroomApp:
    settings = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    return WarroomApp(settings, clock=clock, connect=False)


def _fed(app: WarroomApp, global_enabled: bool = True) -> None:
    app.set_connection(StreamStatus(state="live"))
    app.apply_envelope(snapshot(seq=40, global_enabled=global_enabled))
    app.apply_envelope(heartbeat(40))


def _render(widget: Any) -> str:
    return str(widget.render())


async def test_incident_screen_says_stale_and_freezes_its_countdowns() -> None:
    clock = MovableClock()
    app = _app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        _fed(app)
        screen = IncidentScreen(app.session, "INC-4")
        await app.push_screen(screen)
        await pilot.pause()
        bar = screen.query_one(ConnectionBar)
        assert bar.label == "LIVE"
        clock.advance(1)
        app.flush()
        await pilot.pause()
        assert "42:11 to respond" in _render(screen.query_one(ResponseTimer))
        clock.advance(25)  # 26 s without a frame: past 3 heartbeats of 2 s
        app.state.set_status(StreamStatus(state="reconnecting", attempt=2), clock())
        app.flush()
        await pilot.pause()
        assert bar.label.startswith("STALE")
        assert screen.has_class("-stale")
        note = screen.query_one("#frozen-note", Static)
        assert note.display and "countdowns frozen at 18:20:00 UTC" in _render(note)
        frozen = _render(screen.query_one(ResponseTimer))
        escalation = _render(screen.query_one(EscalationCountdown))
        clock.advance(30)
        app.flush()
        await pilot.pause()
        assert _render(screen.query_one(ResponseTimer)) == frozen  # not ticking on
        assert "42:12 to respond" in frozen
        assert _render(screen.query_one(EscalationCountdown)) == escalation
        app.apply_envelope(heartbeat(40, "2026-11-25T18:21:00.000Z"))
        app.set_connection(StreamStatus(state="live"))
        await pilot.pause()
        assert bar.label == "LIVE" and not note.display and not screen.has_class("-stale")


async def test_killswitch_and_restore_screens_carry_the_connection_state() -> None:
    clock = MovableClock()
    app = _app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        _fed(app, global_enabled=False)
        killswitch = KillswitchScreen(app.session, None, None)
        await app.push_screen(killswitch)
        await pilot.pause()
        assert killswitch.query_one(ConnectionBar).label == "LIVE"
        restore = RestoreScreen(app.session, "INC-3")
        await app.push_screen(restore)
        await pilot.pause()
        assert restore.query_one(ConnectionBar).label == "LIVE"
        clock.advance(48)
        app.flush()
        await pilot.pause()
        assert restore.query_one(ConnectionBar).label == "STALE 48 s"
        assert "data 48 s old" in _render(restore.query_one("#frozen-note", Static))
        restore.dismiss()
        await pilot.pause()
        app.flush()
        await pilot.pause()
        assert killswitch.query_one(ConnectionBar).label == "STALE 48 s"
        assert killswitch.query_one("#frozen-note", Static).display


async def test_no_data_is_never_drawn_as_healthy() -> None:
    """Before the first frame: no `Packs · all on`, no `GLOBAL ON 0/0`."""
    app = _app(MovableClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        packs = app.query_one(AgentTable)
        assert "all on" not in str(packs.border_title)
        assert "no data yet" in str(packs.border_title)
        killswitch = KillswitchScreen(app.session, None, None)
        await app.push_screen(killswitch)
        await pilot.pause()
        panel = killswitch.query_one(KillswitchPanel)
        cells = [c.plain for c in panel.cells("global") or ()]
        assert "ON" not in cells and "0/0" not in cells, cells
        assert "no data yet" in cells
        assert killswitch.query_one(ConnectionBar).label == "CONNECTING"


async def test_dashboard_incident_countdowns_freeze_while_stale() -> None:
    """The dashboard's Response and Escalation cells stop at the data's moment, as the
    incident screen's do: a STALE console never counts down as if it were live."""
    from widgets.incident_list import IncidentList

    clock = MovableClock()
    app = _app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        _fed(app)
        await pilot.pause()
        incidents = app.query_one(IncidentList)

        def cells() -> list[str]:
            return [str(getattr(cell, "plain", cell)) for cell in incidents.get_row("INC-4")]

        clock.advance(1)
        app.flush()
        await pilot.pause()
        assert any("42:11" in cell for cell in cells()), cells()
        clock.advance(25)  # past 3 heartbeats of 2 s without a frame
        app.state.set_status(StreamStatus(state="reconnecting", attempt=2), clock())
        app.flush()
        await pilot.pause()
        assert app.query_one(ConnectionBar).label.startswith("STALE")
        frozen = cells()
        clock.advance(30)
        app.flush()
        await pilot.pause()
        assert cells() == frozen, (frozen, cells())


async def test_alert_and_detail_views_carry_the_connection_state() -> None:
    """Every screen says LIVE / STALE: the alert detail and the detail views too."""
    from tui.screens.alert_detail import AlertDetail
    from tui.screens.detail import DetailScreen

    clock = MovableClock()
    app = _app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        _fed(app)
        fingerprint = next(iter(app.state.alerts))
        alert = AlertDetail(app.session, fingerprint)
        await app.push_screen(alert)
        detail = DetailScreen("Agent · a-1", [("state", "running")])
        await app.push_screen(detail)
        await pilot.pause()
        app.flush()
        await pilot.pause()
        assert detail.query_one(ConnectionBar).label == "LIVE"
        assert alert.query_one(ConnectionBar).label == "LIVE"
        clock.advance(48)
        app.flush()
        await pilot.pause()
        assert detail.query_one(ConnectionBar).label == "STALE 48 s"
        assert alert.query_one(ConnectionBar).label == "STALE 48 s"
