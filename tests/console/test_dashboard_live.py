"""Pilot tests of the dashboard against a real hub on an ephemeral port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from services.console.settings import ConsoleSettings
from tests.console.live import HubDriver, am_alert, am_payload, fixture, until
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from widgets.agent_table import AgentTable
from widgets.alert_feed import TIMES, AlertFeed
from widgets.connection_bar import ConnectionBar
from widgets.global_banner import GlobalBanner
from widgets.incident_list import IncidentList


def console(hub: RunningHub, tmp_path: Path, role: str = "incident-commander") -> WarroomApp:
    settings = ConsoleSettings(hub_url=hub.url, token=hub.tokens[role], data_dir=tmp_path)
    return WarroomApp(settings, backoff_cap=0.3)


@pytest.fixture
async def driver(hub: RunningHub) -> AsyncIterator[HubDriver]:
    hub_driver = HubDriver(hub)
    yield hub_driver
    await hub_driver.aclose()


def cell(table: AgentTable | AlertFeed | IncidentList, key: str, column: int) -> str:
    cells = table.cells(key)
    assert cells is not None, f"no row {key!r}"
    return cells[column].plain


async def wait(
    pilot: Pilot[None], check: Callable[[], bool], what: str, within: float = 10.0
) -> None:
    """Poll ``check`` between pilot pauses; never a fixed long sleep."""
    await until(check, what=what, within=within, step=pilot.pause)


async def test_the_dashboard_follows_the_hub(
    hub: RunningHub, driver: HubDriver, tmp_path: Path
) -> None:
    app = console(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.query_one(ConnectionBar)
        await wait(pilot, lambda: bar.label == "LIVE", "LIVE")
        await wait(pilot, lambda: "incident-commander-user@" in str(bar.who), "user@hub")

        packs = app.query_one(AgentTable)
        await driver.heartbeat("support-bot", "support", "running", 14.0)
        await driver.heartbeat("kb-writer", "support", "stuck", 0.0)
        await driver.heartbeat("seo-auditor", "marketing", "running", 11.0)
        await wait(pilot, lambda: cell(packs, "pack:support", 3) == "1 stuck", "agents")
        assert cell(packs, "pack:support", 2).startswith("1/")  # running of all
        assert cell(packs, "pack:support", 1) == "ON"
        # On demand (A), agents are listed under their pack.
        await pilot.press("A")
        await wait(pilot, lambda: packs.cells("agent:kb-writer") is not None, "agents")
        keys = packs.keys
        assert keys.index("pack:support") < keys.index("agent:kb-writer")
        assert keys.index("pack:marketing") < keys.index("agent:seo-auditor")

        feed = app.query_one(AlertFeed)
        incidents = app.query_one(IncidentList)
        await driver.ingest(fixture("webhook-firing-support.json"))
        await wait(pilot, lambda: "65e4f9066fb1276e" in feed.keys, "the alert in the feed")
        assert "Possible PII in ticket-summarizer output" in cell(feed, "65e4f9066fb1276e", 2)
        assert cell(feed, "65e4f9066fb1276e", 1) == "SEV1"
        assert cell(feed, "65e4f9066fb1276e", 3) == f"{TIMES}1"
        await wait(pilot, lambda: incidents.row_count == 1, "an incident opened")
        (incident_id,) = incidents.keys
        assert cell(incidents, incident_id, 0) == "SEV1"
        assert "PII exposure" in cell(incidents, incident_id, 2)

        rows = feed.row_count
        await driver.ingest(fixture("webhook-firing-support.json"))  # a repeat
        bumped = f"{TIMES}2"
        await wait(pilot, lambda: cell(feed, "65e4f9066fb1276e", 3) == bumped, "the count bumped")
        assert feed.row_count == rows

        banner = app.query_one(GlobalBanner)
        assert not banner.display
        await driver.set_global(False, "[bold]agents writing to prod[/]")
        await wait(pilot, lambda: banner.engaged and banner.display, "the banner")
        text = str(banner.content)
        assert "GLOBAL KILL SWITCH ENGAGED" in text and "incident-commander-user" in text
        assert "[bold]agents writing to prod[/]" in text  # shown literally
        assert cell(packs, "pack:marketing", 1) == "held"
        await driver.set_global(True, "all clear")
        await wait(pilot, lambda: not banner.display, "the banner gone")

        await driver.set_pack("support", False, "PII in replies")
        await wait(pilot, lambda: cell(packs, "pack:support", 1) == "STOPPED", "pack stopped")


async def test_hub_down_reconnecting_then_stale_then_live_again(
    hub: RunningHub, driver: HubDriver, tmp_path: Path
) -> None:
    app = console(hub, tmp_path, role="viewer")
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(ConnectionBar)
        await wait(pilot, lambda: bar.label == "LIVE", "LIVE")
        await driver.heartbeat("support-bot", "support")
        await wait(pilot, lambda: app.state.agents.get("support-bot") is not None, "an agent")

        # A heartbeat tells the console the hub's interval (0.5 s here).
        await wait(pilot, lambda: app.state.heartbeat_interval_s == 0.5, "a heartbeat")
        await asyncio.to_thread(hub.stop)
        # Reconnecting: shown until STALE takes the label, 1.5 s after the last frame
        # (a busy machine can pass that window between two looks at the label).
        await wait(pilot, lambda: app.state.status.state == "reconnecting", "reconnecting")
        await wait(pilot, lambda: bar.label.startswith(("RECONNECTING (", "STALE ")), "shown")
        # Three heartbeat intervals of 0.5 s without a frame: STALE, with the age.
        await wait(pilot, lambda: bar.label.startswith("STALE "), "STALE")
        assert bar.kind == "stale" and app.dashboard.stale
        assert app.dashboard.query_one("#panels").has_class("-stale")

        await asyncio.to_thread(hub.restart)
        await wait(pilot, lambda: bar.kind in ("live", "resynced"), "live again")
        assert not app.dashboard.stale
        # The restarted hub cannot replay: its snapshot replaced our state, loudly.
        assert app.state.status.counters.reconnects >= 1
        assert app.state.status.counters.resyncs >= 1
        assert app.state.snapshots >= 2


async def test_a_refused_token_says_so(hub: RunningHub, tmp_path: Path) -> None:
    settings = ConsoleSettings(hub_url=hub.url, token="not-a-token", data_dir=tmp_path)
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(ConnectionBar)
        await wait(pilot, lambda: bar.label == "UNAUTHORIZED", "UNAUTHORIZED")
        assert "unauthenticated" in (app.state.status.last_error or "")
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_an_alert_storm_does_not_freeze_the_keyboard(
    hub: RunningHub, driver: HubDriver, tmp_path: Path
) -> None:
    app = console(hub, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(ConnectionBar)
        await wait(pilot, lambda: bar.label == "LIVE", "LIVE")
        feed = app.query_one(AlertFeed)
        # 400 distinct alerts in 20 webhooks, then every one of them again.
        batches = [
            [am_alert(f"storm-{b:02d}-{i:02d}", agent=f"a{i}") for i in range(20)]
            for b in range(20)
        ]

        async def storm() -> None:
            for _ in range(2):
                await asyncio.gather(*(driver.ingest(am_payload(batch)) for batch in batches))

        draws = 0
        show_state = app.dashboard.show_state

        def counted(*args: Any) -> None:
            nonlocal draws
            draws += 1
            show_state(*args)

        app.dashboard.show_state = counted  # type: ignore[method-assign]
        first = app.state.last_seq or 0
        storming = asyncio.create_task(storm())
        await wait(pilot, lambda: len(app.state.alerts) >= 20, "the storm to begin")
        # A key press is handled while the storm arrives.
        await pilot.press("p")
        assert app.focused is app.query_one(AgentTable)
        await storming
        latest = await driver.latest_seq()
        await wait(pilot, lambda: app.state.last_seq == latest, "the storm applied", within=20.0)
        # Coalesced: a few redraws a second, not one per event.
        assert draws < (latest - first) / 10
        storm_alerts = [a for fp, a in app.state.alerts.items() if fp.startswith("storm-")]
        assert len(storm_alerts) == 400
        assert all(alert.repeat_count == 2 for alert in storm_alerts)
        # Deduplicated by fingerprint, bounded, one row per key.
        await wait(pilot, lambda: feed.row_count == 200, "the feed filled")
        assert len(set(feed.keys)) == 200
        assert all(cell(feed, key, 3) == f"{TIMES}2" for key in feed.keys)
        await pilot.press("f")
        assert app.focused is feed
