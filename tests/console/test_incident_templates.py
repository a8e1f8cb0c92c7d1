"""Templates (clipboard and the hub's status_update entry) and the export key."""

from __future__ import annotations

from pathlib import Path

from tests.console.incident_helpers import (
    hub_incident,
    make_app,
    open_incident_on_hub,
    open_screen,
)
from tests.console.live import until
from tests.hubtools import RunningHub
from widgets.escalation_countdown import EscalationCountdown


async def test_initial_notification_is_copied_and_recorded(hub: RunningHub, tmp_path: Path) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(app, pilot, iid)
        await pilot.press("c")
        await until(
            lambda: type(app.screen).__name__ == "TemplatesScreen",
            what="templates",
            step=pilot.pause,
        )
        await pilot.press("y")
        await until(lambda: app.clipboard.startswith("INCIDENT: "), what="copied", step=pilot.pause)
        assert "SEVERITY: SEV1" in app.clipboard
        assert "LEAD: incident-commander-user" in app.clipboard

        def sent() -> list[dict[str, str]]:
            timeline = hub_incident(hub, iid)["timeline"]
            return [e for e in timeline if e["kind"] == "status_update"]

        await until(lambda: len(sent()) == 1, what="recorded", step=pilot.pause)
        entry = sent()[0]
        assert entry["text"] == "initial notification sent"
        assert entry["detail"] == app.clipboard
        # The next update is counted from the hub's last_status_update_at (30 min for SEV1).
        await until(
            lambda: app.state.incidents[iid].last_status_update_at == entry["at"],
            what="restart",
            step=pilot.pause,
        )
        # The countdown is computed from the state at once: nothing to wait for.
        shown = (
            screen.query_one(EscalationCountdown)
            .describe(
                app.state.incidents[iid],
                app.state.policy,
                app.state.hub_now(app.clock()),
            )
            .plain
        )
        assert "status update in 29:" in shown or "status update in 30:00" in shown

        # An edited status update: what was edited is what is copied and recorded.
        await pilot.press("c")
        await until(
            lambda: type(app.screen).__name__ == "TemplatesScreen", what="again", step=pilot.pause
        )
        await pilot.press("tab", "ctrl+home", *"EDITED ", "ctrl+s")
        await until(
            lambda: app.clipboard.startswith("EDITED UPDATE"), what="edited", step=pilot.pause
        )
        await until(lambda: len(sent()) == 2, what="second recorded", step=pilot.pause)
        assert sent()[1]["detail"].startswith("EDITED UPDATE")


async def test_export_key_writes_the_document(hub: RunningHub, tmp_path: Path) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path / "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, iid)
        await pilot.press("e")
        # Named with the hub (INC-3 of one hub is not INC-3 of another), and said where.
        host_port = hub.url.split("//", 1)[1].replace(":", "_")
        path = tmp_path / "console" / "exports" / f"{host_port}-{iid}.md"
        await until(path.exists, what="the file", step=pilot.pause)
        said = [n.message for n in app._notifications]
        assert f"Written to {path}" in said
    text = path.read_text()
    assert iid in text and "Timeline" in text
