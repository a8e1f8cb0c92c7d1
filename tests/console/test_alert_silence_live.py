"""A real Alertmanager reaching a console (issue 10): an alert posted to Alertmanager's
API arrives by webhook in the feed; Enter shows all it holds; ``x`` silences it through
the console's outbox (pending while the hub is down, then silenced, in Alertmanager with
its comment and creator, on the timeline); ``x`` again expires it; then it resolves."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from services.console.settings import ConsoleSettings
from services.domain.timeutil import to_rfc3339
from tests.alertmanager import (
    RunningAlertmanager,
    needs_alertmanager,
    prometheus_alert,
    start_alertmanager,
)
from tests.console.live import HubDriver, am_alert, am_payload, until
from tests.hub.helpers import timeline_of
from tests.hubtools import HubFactory, RunningHub, user_for
from tests.ports import free_port
from tui.app import WarroomApp
from tui.screens.alert_detail import AlertDetail
from tui.screens.incident import IncidentScreen
from tui.screens.silence import ExpireDialog, SilenceDialog
from widgets.alert_feed import AlertFeed

pytestmark = needs_alertmanager

RUNAWAY = {
    "alertname": "RunawayAgent",
    "pack": "finance",
    "agent": "ledger",
    "severity": "critical",
}
LINKS = {"runbook_url": "https://rb.example/runaway", "dashboard": "https://grafana.example/d/1"}


@pytest.fixture
def manager_folder(tmp_path: Path) -> Iterator[list[RunningAlertmanager]]:
    started: list[RunningAlertmanager] = []
    yield started
    for manager in started:
        manager.stop()


def console(hub: RunningHub, tmp_path: Path, role: str = "incident-commander") -> WarroomApp:
    settings = ConsoleSettings(hub_url=hub.url, token=hub.tokens[role], data_dir=tmp_path / role)
    return WarroomApp(settings, backoff_cap=0.3)


def am_silence(manager: RunningAlertmanager, comment: str) -> dict[str, Any] | None:
    return next((s for s in manager.silences() if comment in s["comment"]), None)


async def test_alertmanager_to_console_silence_expire_resolve(
    hub_factory: HubFactory, manager_folder: list[RunningAlertmanager], tmp_path: Path
) -> None:
    port = free_port()
    hub = hub_factory(alertmanagers=[f"http://127.0.0.1:{port}"], alertmanager_pull_interval_s=30)
    manager = start_alertmanager(
        tmp_path / "am", hub.url + "/api/ingest/alertmanager", hub.tokens["ingest"], port=port
    )
    manager_folder.append(manager)
    app = console(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.to_thread(
            manager.post_alerts, [prometheus_alert(RUNAWAY, "ledger is [b]looping[/b]", **LINKS)]
        )
        # Posted to Alertmanager's API, delivered by its webhook, shown in the feed.
        feed = app.query_one(AlertFeed)
        await until(lambda: feed.row_count == 1, what="the alert in the feed", step=pilot.pause)
        fingerprint = next(iter(app.state.alerts))
        await until(lambda: app.identity is not None, what="whoami", step=pilot.pause)

        await pilot.press("f", "enter")
        assert isinstance(app.screen, AlertDetail)
        body = str(app.screen.query_one("#ad-body", Static).render())
        assert "ledger is [b]looping[/b]" in body  # literally: data is never markup
        assert "agent=ledger" in body and "severity=critical" in body
        assert "runbook_url: https://rb.example/runaway" in body
        links = app.screen.query_one("#ad-links", DataTable)
        assert [str(key.value) for key in links.rows] == [
            "runbook_url",
            "dashboard",
            "generator_url",
            "external_url",
        ]
        await pilot.press("y")
        assert app.clipboard == "https://rb.example/runaway"

        # Silenced from the console while the hub is down: journalled, shown pending.
        await asyncio.to_thread(hub.stop)
        await until(lambda: app.state.status.state != "live", what="offline", step=pilot.pause)
        await pilot.press("x")
        assert isinstance(app.screen, SilenceDialog)
        assert app.screen.query_one("#silence-duration", Input).value == "2h"
        await pilot.press(*"ledger fix deploying", "enter")
        assert isinstance(app.screen, AlertDetail)
        await until(
            lambda: "silencing" in str(app.screen.query_one("#ad-body", Static).render()),
            what="pending shown",
            step=pilot.pause,
        )
        await pilot.press("escape")
        await until(
            lambda: (feed.cells(fingerprint) or ["", "", "", "", ""])[4].plain == "silencing",
            what="pending in the feed",
            step=pilot.pause,
        )
        await asyncio.to_thread(hub.restart)
        await until(
            lambda: app.state.alerts[fingerprint].state == "silenced",
            what="silenced",
            within=20,
            step=pilot.pause,
        )
        await until(
            lambda: (feed.cells(fingerprint) or ["", "", "", "", ""])[4].plain == "silenced",
            what="silenced in the feed",
            step=pilot.pause,
        )
        silence = await asyncio.to_thread(am_silence, manager, "ledger fix deploying")
        assert silence is not None and silence["status"]["state"] == "active"
        assert silence["createdBy"] == user_for("incident-commander")
        assert len(manager.silences()) == 1  # delivered once
        incident_id = app.state.alerts[fingerprint].incident_id
        assert incident_id is not None
        kinds = [e["kind"] for e in await asyncio.to_thread(timeline_of, hub, incident_id)]
        assert "silence" in kinds

        # x again on the silenced alert: expire it.
        await pilot.press("enter")
        assert isinstance(app.screen, AlertDetail)
        await pilot.press("x")
        assert isinstance(app.screen, ExpireDialog)
        await pilot.press("y")
        await until(
            lambda: app.state.alerts[fingerprint].state == "firing",
            what="unsilenced",
            step=pilot.pause,
        )
        silence = await asyncio.to_thread(am_silence, manager, "ledger fix deploying")
        assert silence is not None and silence["status"]["state"] == "expired"

        # Resolved in Alertmanager: resolved on the console, the detail following live.
        ended = to_rfc3339(datetime.now(UTC) - timedelta(seconds=1))
        resolved = {**prometheus_alert(RUNAWAY, "ledger is [b]looping[/b]"), "endsAt": ended}
        await asyncio.to_thread(manager.post_alerts, [resolved])
        await until(
            lambda: "resolved" in str(app.screen.query_one("#ad-body", Static).render()),
            what="the resolution",
            within=20,
            step=pilot.pause,
        )


async def test_no_silence_key_without_the_right(hub: RunningHub, tmp_path: Path) -> None:
    app = console(hub, tmp_path, role="viewer")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.identity is not None, what="whoami", step=pilot.pause)
        for screen in (
            app.screen,
            AlertDetail(app.session, "nope"),
            IncidentScreen(app.session, "INC-1"),
        ):
            if screen is not app.screen:
                await app.push_screen(screen)
                await pilot.pause()
            actions = {a.binding.action for a in screen.active_bindings.values() if a.enabled}
            assert "silence" not in actions
            await pilot.press("x", "X")
            assert app.screen is screen  # no dialog


async def test_silencing_an_incident_from_its_screen_and_the_dashboard(
    hub: RunningHub, tmp_path: Path
) -> None:
    # The hub has no Alertmanager: the request is journalled, sent, and refused (409),
    # which is all this test needs to see what the keys send.
    app = console(hub, tmp_path)
    driver = HubDriver(hub)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await driver.ingest(am_payload([am_alert("fp-inc")]))
            await until(lambda: app.state.incidents, what="incident", step=pilot.pause)
            await until(lambda: app.identity is not None, what="whoami", step=pilot.pause)
            incident_id = next(iter(app.state.incidents))
            await app.push_screen(IncidentScreen(app.session, incident_id))
            await pilot.pause()
            await pilot.press("X")
            assert isinstance(app.screen, SilenceDialog)
            await pilot.press("shift+tab", "ctrl+a", "ctrl+k", *"90m", "tab", *"known", "enter")
            await pilot.press("escape")  # back to the dashboard, the incident selected
            await pilot.press("i", "x")
            assert isinstance(app.screen, SilenceDialog)
            await pilot.press(*"again", "enter")
            outbox = app.session.outbox
            assert outbox is not None
            sent = [i for i in outbox.store.items() if i.kind == "silence"]
            assert [i.body for i in sent] == [
                {"minutes": 90, "comment": "known", "incident_id": incident_id},
                {"minutes": 120, "comment": "again", "incident_id": incident_id},
            ]
            await until(
                lambda: all(
                    i.state == "refused" for i in outbox.store.items() if i.kind == "silence"
                ),
                what="the hub's answer",
                step=pilot.pause,
            )
    finally:
        await driver.aclose()
