"""The PII corpus through the render paths ``test_pii_everywhere`` leaves out: the guided
restore's FLAGGED detail, a pending two-person global stop's reason, and the exports
(``warroom export`` as Markdown and JSON, the console's ``e``). Must-redact values never
appear; near-misses always do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.console.settings import ConsoleSettings
from tests.console.live import am_alert, am_payload, until
from tests.console.test_pii_everywhere import ROOT, TEXT, _check, _screen_text, _seed
from tests.hubtools import HubFactory, RunningHub
from tui.app import WarroomApp
from tui.screens.incident import IncidentScreen
from tui.screens.killswitch import KillswitchScreen
from tui.screens.restore import RestoreScreen
from widgets.incident_list import IncidentList

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def _app(hub: RunningHub, role: str, data_dir: Path) -> WarroomApp:
    settings = ConsoleSettings(hub_url=hub.url, token=hub.tokens[role], data_dir=data_dir)
    return WarroomApp(settings, backoff_cap=0.3)


async def test_the_restores_flagged_detail_is_redacted(hub: RunningHub, tmp_path: Path) -> None:
    """An alert in the watched pack flags it; its title is the FLAGGED detail."""
    app = _app(hub, "incident-commander", tmp_path)
    async with app.run_test(size=(250, 70)) as pilot:
        await until(lambda: bool(app.state.packs), what="the packs", step=pilot.pause)
        screen = RestoreScreen(app.session, None)
        await app.push_screen(screen)
        await until(lambda: screen.plan is not None, what="the plan", step=pilot.pause)
        assert screen.plan is not None
        # Watching ``support`` since long ago: any alert in it flags it.
        screen.plan.note_enabled("support", LONG_AGO)
        alert = am_alert("00112233aabbccdd", pack="support", summary=TEXT)
        hub.client("ingest").post("/api/ingest/alertmanager", json=am_payload([alert]))
        await until(lambda: "FLAGGED:" in _screen_text(app), what="FLAGGED", step=pilot.pause)
        _check("the restore's FLAGGED detail", _screen_text(app))


async def test_a_pending_global_stops_reason_is_redacted(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    """Requested by the incident commander; a second operator's console shows the reason."""
    hub = hub_factory(two_person_global=True)
    stop = {"enabled": False, "reason": TEXT}
    asked = hub.client("incident-commander").post("/api/killswitch/global", json=stop)
    assert asked.json().get("pending"), asked.text
    app = _app(hub, "cto", tmp_path)
    async with app.run_test(size=(250, 70)) as pilot:
        await until(lambda: bool(app.state.packs), what="the packs", step=pilot.pause)
        await app.push_screen(KillswitchScreen(app.session, None, None))
        await until(
            lambda: "PENDING global stop" in _screen_text(app),
            what="the pending stop",
            step=pilot.pause,
        )
        _check("the pending global stop", _screen_text(app))


def _export(hub: RunningHub, incident_id: str, fmt: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["--hub", hub.url, "--token", hub.tokens["viewer"], "--format", fmt]
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "export", incident_id, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )
    return result.stdout


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_warroom_export_redacts(hub: RunningHub, fmt: str) -> None:
    incident_id = _seed(hub)
    document = _export(hub, incident_id, fmt)
    if fmt == "json":
        json.loads(document)  # the corpus is plain ASCII: JSON text hides none of it
    assert "leak" in document
    _check(f"warroom export --format {fmt}", document)


async def test_the_consoles_export_redacts(hub: RunningHub, tmp_path: Path) -> None:
    incident_id = _seed(hub)
    app = _app(hub, "incident-commander", tmp_path)
    async with app.run_test(size=(250, 70)) as pilot:
        rows = app.query_one(IncidentList)
        await until(lambda: rows.cells(incident_id) is not None, what="row", step=pilot.pause)
        screen = IncidentScreen(app.session, incident_id)
        await app.push_screen(screen)
        await until(
            lambda: any(e.kind == "note" for e in app.state.timeline.get(incident_id, ())),
            what="the note",
            step=pilot.pause,
        )
        screen.action_export()
        exports = tmp_path / "exports"
        await until(lambda: any(exports.glob("*")), what="the export", step=pilot.pause)
    written = list(exports.glob("*"))
    assert len(written) == 1
    document = written[0].read_text()
    assert "leak" in document
    _check("the console's export (e)", document)
