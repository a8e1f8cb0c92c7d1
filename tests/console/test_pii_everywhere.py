"""The PII corpus through every render path: screens, toasts, templates, the export, the
hub's log, ``warroom redact``; must-redact values never appear, near-misses always do.

Screens are read as the text Textual composes for the terminal, at 250 columns so
nothing is cut short by the width.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from services.console.settings import ConsoleSettings
from tests.console.live import am_alert, am_payload, until
from tests.fixtures.corpus import NEAR_MISSES, PII_MUST_GO, PII_SECRET
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from tui.cli.hub import SafeFormatter
from tui.screens.audit import AuditScreen
from tui.screens.incident import IncidentScreen
from tui.screens.killswitch import KillswitchScreen
from tui.screens.templates import TemplatesScreen
from widgets.incident_list import IncidentList

ROOT = Path(__file__).resolve().parents[2]
PII = " ".join(PII_MUST_GO.values())
NEAR = " ".join(NEAR_MISSES.values())
TEXT = f"ok {NEAR} leak {PII}"


KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\nxyz\n-----END RSA PRIVATE KEY-----\n"


def _kinds(app: WarroomApp, incident_id: str) -> set[str]:
    return {entry.kind for entry in app.state.timeline.get(incident_id, ())}


def _screen_text(app: WarroomApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _check(where: str, shown: str, near: tuple[str, ...] = tuple(NEAR_MISSES)) -> None:
    for kind, secret in PII_SECRET.items():
        assert secret not in shown, f"{kind} ({secret}) shown on {where}"
    for kind in near:
        value = NEAR_MISSES[kind]
        assert value in shown, f"near-miss {kind} ({value}) lost on {where}"


def _seed(hub: RunningHub) -> str:
    commander = hub.client("incident-commander")
    body = {"title": TEXT[:180], "severity": "SEV1", "category": "pii_exposure"}
    incident_id = str(commander.post("/api/incidents", json=body).json()["incident"]["id"])
    alert = am_alert("0123456789abcdef", pack="support", summary=TEXT)
    hub.client("ingest").post("/api/ingest/alertmanager", json=am_payload([alert]))
    commander.post(f"/api/incidents/{incident_id}/notes", json={"text": TEXT})
    stop = {"enabled": False, "reason": TEXT, "incident_id": incident_id}
    commander.post("/api/killswitch/pack/legal", json=stop).raise_for_status()
    return incident_id


async def test_no_screen_shows_pii(hub: RunningHub, tmp_path: Path) -> None:
    """A viewer's console, the default settings: dashboard, incident (alerts, timeline),
    templates, kill switches ("Last action · why"), audit, a toast."""
    incident_id = _seed(hub)
    settings = ConsoleSettings(hub_url=hub.url, token=hub.tokens["viewer"], data_dir=tmp_path)
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(250, 70)) as pilot:
        rows = app.query_one(IncidentList)
        await until(lambda: rows.cells(incident_id) is not None, what="row", step=pilot.pause)
        await until(
            lambda: "0123456789abcdef" in str(app.state.alerts), what="alert", step=pilot.pause
        )
        # In the state is not yet on screen: the redraw paces what only moves on.
        near = NEAR_MISSES["luhn-invalid"]
        await until(lambda: near in _screen_text(app), what="the dashboard", step=pilot.pause)
        _check("the dashboard", _screen_text(app))
        app.notify(TEXT, title="toast")
        await pilot.pause()
        _check("a toast", _screen_text(app))
        await _visit(app, pilot, IncidentScreen(app.session, incident_id), "Timeline")
        await until(
            lambda: "Note" in _screen_text(app) or "note" in _screen_text(app),
            what="the note",
            step=pilot.pause,
        )
        _check("the incident screen", _screen_text(app))
        assert isinstance(app.screen, IncidentScreen)
        app.screen.action_templates()
        await until(lambda: "INCIDENT:" in _templates(app), what="templates", step=pilot.pause)
        _check("the templates", _templates(app))
        app.screen.dismiss(None)
        await _visit(app, pilot, KillswitchScreen(app.session, incident_id, "legal"), "legal")
        _check("the kill switches", _screen_text(app))
        await _visit(app, pilot, AuditScreen(app.session, "pack:legal"), "records")
        # The audit's reason column is 60 characters: the timestamp is cut off there.
        _check("the audit", _screen_text(app), ("luhn-invalid", "order", "version"))


def _templates(app: WarroomApp) -> str:
    screen = app.screen
    return screen.text if isinstance(screen, TemplatesScreen) and screen.query("TextArea") else ""


async def _visit(app: WarroomApp, pilot: Pilot[None], screen: Any, needle: str) -> None:
    await app.push_screen(screen)
    await until(lambda: needle in _screen_text(app), what=needle, step=pilot.pause)


def test_the_hubs_log_redacts() -> None:
    record = logging.LogRecord("warroom.hub", logging.INFO, __file__, 1, "%s", (TEXT,), None)
    _check("the hub's log", SafeFormatter("%(message)s").format(record))


def test_warroom_redact_filters_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "redact"],
        input=f"{TEXT}\n\n{KEY}",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    _check("warroom redact", result.stdout)
    assert "MIIEabc" not in result.stdout and "[REDACTED: API_KEY]" in result.stdout


def test_a_hub_without_config_never_prints_its_token(tmp_path: Path) -> None:
    from tui.cli.hub import generated_token

    token, path = generated_token(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "hub", "--port", "0", "--data", str(tmp_path)],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stderr is not None
        said = ""
        for line in process.stderr:
            said += line
            if "listening" in line:
                break
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert token not in said
    assert str(path) in said
