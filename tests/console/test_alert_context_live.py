"""The console shows Alertmanager's context (issue 10): the labels that tell two
instances apart, silenced/inhibited/stale states, and a refused webhook."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import Static

from services.console.settings import ConsoleSettings
from services.domain.models import Alert
from tests.console.live import HubDriver, am_alert, am_payload, until
from tests.hub.helpers import hub_context
from tests.hubtools import HubFactory, RunningHub
from tui.app import WarroomApp
from widgets.alert_feed import AlertFeed
from widgets.connection_bar import ConnectionBar


def console(hub: RunningHub, tmp_path: Path) -> WarroomApp:
    settings = ConsoleSettings(
        hub_url=hub.url, token=hub.tokens["incident-commander"], data_dir=tmp_path
    )
    return WarroomApp(settings, backoff_cap=0.3)


@pytest.fixture
async def small_hub(hub_factory: HubFactory) -> AsyncIterator[RunningHub]:
    yield hub_factory(ingest_max_body=20_000)


async def test_labels_that_differ_and_muted_states(small_hub: RunningHub, tmp_path: Path) -> None:
    hub = small_hub
    driver = HubDriver(hub)
    app = console(hub, tmp_path)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            feed = app.query_one(AlertFeed)
            one = am_alert("i1", alertname="HighCPU", pack="devops", agent="")
            two = am_alert("i2", alertname="HighCPU", pack="devops", agent="")
            one["labels"]["instance"] = "db-1"
            two["labels"]["instance"] = "db-2"
            await driver.ingest(am_payload([one, two]))

            def text(key: str, column: int) -> str:
                cells = feed.cells(key)
                return cells[column].plain if cells else ""

            await until(lambda: "instance=db-2" in text("i2", 2), what="labels", step=pilot.pause)
            assert "instance=db-1" in text("i1", 2)
            # Muted in Alertmanager (pull mode learns it; tests/hub/test_real_alertmanager.py
            # proves that): the state column says so, not "firing".
            state = hub_context(hub).state
            alert = state.alerts.get("i1")
            assert isinstance(alert, Alert)
            alert.inhibited_by = ["i9"]
            state.events.append("alert.fired", {"alert": alert.to_dict()})
            await until(lambda: text("i1", 4) == "inhibited", what="inhibited", step=pilot.pause)

            # A webhook the hub refuses is counted on the console's connection bar.
            big = am_payload([am_alert(f"b{i}", summary="x" * 300) for i in range(100)])
            answer = await driver.http.post(
                "/api/ingest/alertmanager", json=big, headers=hub.headers("ingest")
            )
            assert answer.status_code == 413
            bar = app.query_one(ConnectionBar)

            def counters() -> str:
                return str(bar.query_one("#conn-counters", Static).render())

            await until(lambda: "alerts refused 1" in counters(), what="refusal", step=pilot.pause)
    finally:
        await driver.aclose()
