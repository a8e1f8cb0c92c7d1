"""ASCII mode (``--ascii``, ``ascii = true``, LANG=C, TERM=linux): the console's
screens, with live data from a real hub, hold no character outside ASCII."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.console.settings import ConsoleSettings, load_settings, terminal_wants_ascii
from tests.console.live import HubDriver, am_alert, am_payload, until
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from widgets.agent_table import AgentTable
from widgets.glyphs import to_ascii
from widgets.incident_list import IncidentList


@pytest.fixture
async def driver(hub: RunningHub) -> AsyncIterator[HubDriver]:
    hub_driver = HubDriver(hub)
    yield hub_driver
    await hub_driver.aclose()


def _non_ascii(text: str) -> set[str]:
    return {char for char in text if not char.isascii()}


@pytest.mark.parametrize("ascii_mode", [True, False])
async def test_ascii_mode_draws_no_character_outside_ascii(
    hub: RunningHub, driver: HubDriver, tmp_path: Path, ascii_mode: bool
) -> None:
    token = hub.tokens["incident-commander"]
    settings = ConsoleSettings(hub_url=hub.url, token=token, data_dir=tmp_path, ascii=ascii_mode)
    app = WarroomApp(settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await driver.heartbeat("kb-writer", "support", "running")
        await driver.ingest(am_payload([am_alert("cccc000000000001")]))
        incidents = app.query_one(IncidentList)
        packs = app.query_one(AgentTable)
        await until(lambda: incidents.row_count == 1, what="an incident", step=pilot.pause)
        await until(lambda: "agent:kb-writer" in packs.keys, what="an agent", step=pilot.pause)
        await pilot.pause()
        screen = app.export_screenshot()
    # The SVG's own markup is ASCII; what it draws is escaped as &#NNN; or raw.
    drawn = _non_ascii(screen)
    if ascii_mode:
        assert not drawn, drawn
    else:
        assert drawn  # the same screen in Unicode does draw glyphs


def test_stand_ins_keep_every_column() -> None:
    text = "● INC-1 · since 12:48 → ✓ … ╭─╮ é ⏱ ✉ ▏"
    shown = to_ascii(text)
    assert shown.isascii() and len(shown) == len(text)
    assert shown.startswith("* INC-1 . since 12:48 > v .")


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({"LANG": "C"}, True),
        ({"LANG": "POSIX"}, True),
        ({"LANG": "en_US.UTF-8", "TERM": "linux"}, True),
        ({"LANG": "en_US.UTF-8", "TERM": "xterm-256color"}, False),
        ({"LC_ALL": "C.UTF-8", "LANG": "C"}, False),
        ({}, False),
    ],
)
def test_the_terminal_decides_unless_told(env: dict[str, str], wanted: bool) -> None:
    assert terminal_wants_ascii(env) is wanted


def test_flag_and_config_key_override_the_terminal(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("ascii = true\n")
    assert load_settings(config, env={"LANG": "en_US.UTF-8"}).ascii is True
    assert load_settings(config, env={"LANG": "C"}, ascii=False).ascii is False
    assert load_settings(tmp_path / "none.toml", env={"LANG": "C"}).ascii is True
