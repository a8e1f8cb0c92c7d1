"""The event explorer (issue 10, the runbook's Investigate step): filters, search, time
ranges and correlation over 100,000 generated records, in a windowed list; and, against
a real hub, the stream's events, the audit and the alerts together."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from services.console.events import EventRecord
from services.console.settings import ConsoleSettings
from tests.console.event_history import synthetic_history
from tests.console.live import HubDriver, am_alert, am_payload, until
from tests.console.sample import FROZEN_NOW
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from tui.screens.explorer import EventExplorer
from tui.screens.incident import IncidentScreen
from widgets.event_list import EventList

COUNT = 100_000


def offline(tmp_path: Path) -> WarroomApp:
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), clock=lambda: FROZEN_NOW, connect=False)
    app.session.events = synthetic_history(COUNT, FROZEN_NOW)
    return app


def summary(screen: EventExplorer) -> str:
    return str(screen.query_one("#ex-summary", Static).render())


def detail(screen: EventExplorer) -> str:
    return str(screen.query_one("#ex-detail", Static).render())


async def test_filters_search_and_correlation_over_100k(tmp_path: Path) -> None:
    app = offline(tmp_path)
    records = list(app.session.events.records)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = EventExplorer(app.session)
        await app.push_screen(screen)
        await pilot.pause()
        listing = screen.query_one(EventList)
        assert summary(screen).startswith(f"{COUNT} of {COUNT}")
        assert listing.current is records[-1]  # newest first
        # Windowed: the list holds the model's result by reference, draws what is seen.
        assert listing.records is screen.shown and listing.virtual_size.height == COUNT

        def expect(keep: object) -> list[EventRecord]:
            assert callable(keep)
            return [r for r in reversed(records) if keep(r)]

        async def type_filter(text: str) -> None:
            await pilot.press("slash")
            field = screen.query_one("#ex-query", Input)
            assert screen.focused is field
            field.value = text  # one Changed, as a paste would
            await pilot.press("enter")
            await pilot.pause()

        # Typed key by key, as a person would.
        await pilot.press("slash", *"pack:finance", "enter")
        assert screen.shown == expect(lambda r: r.pack == "finance")
        assert screen.focused is listing
        some = records[12346]
        await type_filter(f"pack:{some.pack} agent:{some.agent} level:{some.level}")
        wanted = expect(
            lambda r: r.pack == some.pack and r.agent == some.agent and r.level == some.level
        )
        assert screen.shown == wanted and some in wanted and len(wanted) < COUNT // 30
        await type_filter("type:alert label:instance=db-6")
        wanted = expect(lambda r: r.type.startswith("alert") and "instance=db-6" in r.labels)
        assert screen.shown == wanted and wanted
        # Full text: a message, and a run id.
        await type_filter("event 12345:")
        assert [r.message for r in screen.shown] == [records[12345].message]
        # Correlation: the 49 other records of run-246 (12345 // 50).
        assert "Same run or fingerprint: 49" in detail(screen)
        assert "run run-246" in detail(screen)
        await type_filter("run-246")
        assert len(screen.shown) == 50
        # An alert correlates by fingerprint too: record 12340 is alert.fired fp-340.
        await type_filter("event 12340:")
        same = {id(r) for r in records if r.run_id == "run-246" or r.fingerprint == "fp-340"}
        assert f"Same run or fingerprint: {len(same) - 1}" in detail(screen)

        # Time ranges: t cycles all → 1h → 6h → 24h → 7d.
        await type_filter("")
        for name, hours in (("1h", 1), ("6h", 6), ("24h", 24)):
            await pilot.press("t")
            assert f"range {name}" in summary(screen)
            start = FROZEN_NOW.timestamp() - hours * 3600
            assert len(screen.shown) == sum(1 for r in records if r.at.timestamp() >= start)

        # Keyboard scrolling over the window.
        await pilot.press("t", "t")  # 7d, then all
        assert len(screen.shown) == COUNT
        listing.focus()
        await pilot.press("pagedown", "pagedown", "down")
        assert listing.cursor > 2
        await pilot.press("end")
        assert listing.current is records[0]
        await pilot.press("escape")
        assert app.screen is not screen


async def test_live_events_audit_and_alerts(hub: RunningHub, tmp_path: Path) -> None:
    settings = ConsoleSettings(
        hub_url=hub.url, token=hub.tokens["incident-commander"], data_dir=tmp_path
    )
    app = WarroomApp(settings, backoff_cap=0.3)
    driver = HubDriver(hub)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await driver.ingest(am_payload([am_alert("fp-live", summary="ledger is looping")]))
            await driver.set_pack("marketing", False, reason="runaway")
            await driver.heartbeat("campaign-writer", "marketing", state="running")
            await until(
                lambda: any(r.type == "alert.fired" for r in app.session.events.records),
                what="events recorded",
                step=pilot.pause,
            )
            await until(lambda: app.state.incidents, what="incident", step=pilot.pause)
            incident_id = next(iter(app.state.incidents))
            await app.push_screen(IncidentScreen(app.session, incident_id))
            await pilot.pause()
            await pilot.press("l")
            screen = app.screen
            assert isinstance(screen, EventExplorer)
            assert screen.query_one("#ex-query", Input).value == "pack:marketing"
            await until(
                lambda: any(r.source == "audit" for r in screen.shown),
                what="the audit",
                step=pilot.pause,
            )
            sources = {r.source for r in screen.shown}
            assert {"stream", "audit", "alert"} <= sources
            assert all(r.pack == "marketing" for r in screen.shown)
            assert any("runaway" in r.message for r in screen.shown if r.source == "audit")
    finally:
        await driver.aclose()
