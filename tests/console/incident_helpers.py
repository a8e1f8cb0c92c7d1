"""Shared steps for the incident screen's Pilot tests against a real hub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from services.console.settings import ConsoleSettings
from tests.console.live import until
from tests.fixtures import ALERTMANAGER
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from tui.screens.incident import IncidentScreen
from widgets.incident_list import IncidentList

FIXTURES = ALERTMANAGER


def open_incident_on_hub(hub: RunningHub) -> str:
    """A SEV1 PII incident opened by a real Alertmanager payload; its id."""
    body = json.loads((FIXTURES / "webhook-firing-support.json").read_text())
    hub.client("ingest").post("/api/ingest/alertmanager", json=body)
    return str(hub.client("viewer").get("/api/incidents").json()["incidents"][0]["id"])


def hub_incident(hub: RunningHub, iid: str) -> dict[str, Any]:
    """``GET /api/incidents/{iid}``: the incident and its timeline."""
    data: dict[str, Any] = hub.client("viewer").get(f"/api/incidents/{iid}").json()
    return data


def hub_notes(hub: RunningHub, iid: str) -> list[str]:
    """The texts of the incident's note entries on the hub."""
    return [e["text"] for e in hub_incident(hub, iid)["timeline"] if e["kind"] == "note"]


def make_app(hub: RunningHub, data_dir: Path, role: str = "incident-commander") -> WarroomApp:
    """A console on ``hub`` with ``role``'s token and its own data folder."""
    settings = ConsoleSettings(hub_url=hub.url, token=hub.tokens[role], data_dir=data_dir)
    return WarroomApp(settings, backoff_cap=0.3)


async def open_screen(app: WarroomApp, pilot: Pilot[None], iid: str) -> IncidentScreen:
    """Wait for the incident and our identity, then Enter on it in the dashboard."""
    incidents = app.query_one(IncidentList)
    # The row drawn on screen, not only known to the state: Enter acts on the drawn row.
    await until(
        lambda: incidents.cells(iid) is not None and app.identity is not None,
        what="the incident's row and identity",
        step=pilot.pause,
    )
    await pilot.press("i", "enter")
    await until(lambda: isinstance(app.screen, IncidentScreen), what="screen", step=pilot.pause)
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


def shown_rows(screen: IncidentScreen) -> list[tuple[str, str, str]]:
    """The timeline as (kind, state, text), newest first."""
    rows = screen.query_one("#inc-timeline").rows_shown  # type: ignore[attr-defined]
    return [(row.kind, row.state, row.text) for row in rows]
