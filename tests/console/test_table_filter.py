"""`/` filters the table in front, as in k9s and less: rows narrow as one types,
Enter keeps the filter (the title says it), Escape clears it, and the highlight
stays on its row while that row is still shown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from services.console.settings import ConsoleSettings
from services.console.state import StreamStatus
from tests.console.live import HubDriver, am_alert, am_payload, until
from tests.console.sample import heartbeat, snapshot
from tests.console.test_incident_snapshots import _open
from tests.console.test_snapshots import make_app
from tests.console.test_type_ahead import burst
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from tui.screens.incident import IncidentScreen
from tui.screens.incidents import RecentIncidentsScreen
from widgets.agent_table import AgentTable
from widgets.alert_feed import AlertFeed
from widgets.filter_bar import FilterBar
from widgets.fit_footer import FitFooter
from widgets.incident_list import IncidentList
from widgets.recent_incidents import RecentIncidents
from widgets.timeline import Timeline

PII = "65e4f9066fb1276e"
RUNAWAY = "a1b2c3d4e5f60718"


async def _live(pilot: Pilot[None]) -> WarroomApp:
    app = pilot.app
    assert isinstance(app, WarroomApp)
    app.set_connection(StreamStatus(state="live"))
    app.apply_envelope(snapshot(seq=40))
    app.apply_envelope(heartbeat(40))
    await pilot.pause()
    return app


async def test_slash_narrows_the_alert_feed_enter_keeps_escape_clears() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _live(pilot)
        feed = app.query_one(AlertFeed)
        await pilot.press("f", "slash")
        bar = app.screen.query_one(FilterBar)
        assert bar.has_focus and bar.display
        await pilot.press(*"TICKET")  # any case
        assert feed.keys == [PII]
        assert str(feed.border_title).endswith(" /TICKET")
        await pilot.press("enter")
        assert feed.has_focus and not bar.display
        assert feed.keys == [PII]
        assert str(feed.border_title) == "Alerts · 4 · 3 firing /TICKET"
        # Redraws from new state keep the filter.
        app.apply_envelope(heartbeat(41))
        app.flush()
        await pilot.pause()
        assert feed.keys == [PII]
        # `/` again edits the same filter; Escape clears it and returns to the table.
        await pilot.press("slash")
        assert bar.value == "TICKET"
        await pilot.press("escape")
        assert feed.has_focus and not bar.display
        assert set(feed.keys) == {PII, RUNAWAY, "0f0e0d0c0b0a0908", "deadbeefdeadbeef"}
        assert str(feed.border_title) == "Alerts · 4 · 3 firing"


async def test_escape_on_the_table_clears_a_kept_filter_and_matches_any_cell() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _live(pilot)
        incidents = app.query_one(IncidentList)
        assert incidents.has_focus
        # "marketing" is in INC-4's packs cell only: every cell's text counts,
        # including what the column cut off.
        await pilot.press("slash", *"marketing", "enter")
        assert incidents.keys == ["INC-4"]
        assert str(incidents.border_title).endswith("/marketing")
        await pilot.press("escape")
        assert incidents.keys == ["INC-3", "INC-4"]
        # The packs table too.
        packs = app.query_one(AgentTable)
        await pilot.press("p", "slash", *"FIN", "enter")
        assert packs.keys == ["pack:finance"]
        assert packs.has_focus


async def test_slash_is_in_the_footer_at_80_and_120_columns() -> None:
    for size in ((80, 24), (120, 40)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await _live(pilot)
            keys = [hint.keys for hint in app.screen.query_one(FitFooter).hints()]
            assert "/" in keys, size
            shown = str(app.screen.query_one(FitFooter).render())
            assert "/ Filt" in shown, (size, shown)


async def test_all_incidents_filter_then_escape_twice_goes_back() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _live(pilot)
        await pilot.press("I")
        screen = app.screen
        assert isinstance(screen, RecentIncidentsScreen)
        table = screen.query_one(RecentIncidents)
        await pilot.press("slash", *"pii", "enter")
        assert table.keys == ["INC-3"]
        assert str(table.border_title).endswith("/pii")
        await pilot.press("escape")  # clears the filter first
        assert app.screen is screen and len(table.keys) >= 2
        await pilot.press("escape")  # then back
        assert app.screen is not screen


@pytest.fixture
async def driver(hub: RunningHub) -> AsyncIterator[HubDriver]:
    hub_driver = HubDriver(hub)
    yield hub_driver
    await hub_driver.aclose()


def started(n: int) -> str:
    return f"2026-11-25T18:0{n}:00.000Z"


async def test_the_highlight_stays_on_its_row_while_filtered_alerts_arrive(
    hub: RunningHub, driver: HubDriver, tmp_path: Path
) -> None:
    settings = ConsoleSettings(
        hub_url=hub.url, token=hub.tokens["incident-commander"], data_dir=tmp_path
    )
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.query_one(AlertFeed)
        # Each alert starts after the one before (the feed shows the latest first).
        for n, pack in enumerate(("support", "finance", "support"), start=1):
            fingerprint = f"bbbb00000000000{n}"
            alert = am_alert(fingerprint, pack=pack, agent=pack, starts_at=started(n))
            await driver.ingest(am_payload([alert]))
            await until(lambda fp=fingerprint: fp in feed.keys, what=fingerprint, step=pilot.pause)
        await pilot.press("f", "slash", *"support", "enter")
        assert feed.keys == ["bbbb000000000003", "bbbb000000000001"]
        await pilot.press("down")
        assert feed.cursor_row == 1
        # A new matching alert lands on top, one that does not match stays out:
        # the highlighted row does not move under the cursor.
        for n, pack in ((4, "support"), (5, "legal")):
            alert = am_alert(f"bbbb00000000000{n}", pack=pack, agent=pack, starts_at=started(n))
            await driver.ingest(am_payload([alert]))
        await until(lambda: "bbbb000000000004" in feed.keys, what="new match", step=pilot.pause)
        await until(
            lambda: "bbbb000000000005" in app.state.alerts, what="non-match", step=pilot.pause
        )
        app.flush()
        await pilot.pause()
        assert "bbbb000000000005" not in feed.keys
        cell = feed.coordinate_to_cell_key(feed.cursor_coordinate)
        assert cell.row_key.value == "bbbb000000000001"
        # Cleared, the highlight is still on that alert.
        await pilot.press("escape")
        assert "bbbb000000000005" in feed.keys
        cell = feed.coordinate_to_cell_key(feed.cursor_coordinate)
        assert cell.row_key.value == "bbbb000000000001"


async def test_slash_and_the_filter_typed_in_one_burst_land_in_the_filter() -> None:
    """`f / t i c k e t Enter` in one burst (a paste, a slow SSH link): `i` must not
    jump to the incidents, Enter must not open the alert under the cursor."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _live(pilot)
        burst(app, "f", "slash", *"ticket", "enter")
        feed = app.query_one(AlertFeed)
        await until(lambda: feed.row_filter == "ticket", what="filtered", step=pilot.pause)
        await pilot.pause()
        assert feed.keys == [PII] and feed.has_focus
        assert app.screen is app.dashboard


async def test_a_panel_key_and_enter_in_one_burst_open_that_panels_row() -> None:
    """`f` then `i Enter` in one burst opens the incident, not the highlighted alert."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _live(pilot)
        await pilot.press("f")
        burst(app, "i", "enter")
        await until(
            lambda: isinstance(app.screen, IncidentScreen), what="incident", step=pilot.pause
        )


async def test_slash_filters_the_incident_timeline() -> None:
    """On the incident screen `/` narrows the timeline; Escape clears, then goes back."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot)
        screen = app.screen
        timeline = screen.query_one(Timeline)
        assert len(timeline.keys) == 8
        burst(app, "slash", *"ALICE", "enter")
        await until(lambda: timeline.row_filter == "ALICE", what="filtered", step=pilot.pause)
        assert timeline.keys == ["TL-8", "TL-6", "TL-5", "TL-4", "TL-3"]
        assert str(timeline.border_title) == "Timeline · newest first /ALICE"
        assert app.screen is screen and timeline.has_focus
        await pilot.press("escape")
        assert len(timeline.keys) == 8 and app.screen is screen
        await pilot.press("escape")
        assert app.screen is not screen
