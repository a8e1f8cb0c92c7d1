"""The footer fits at 80, 120 and 200 columns: most important keys first, `?` always,
short labels when narrow, and never a key cut in half."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.console.incident_helpers import make_app, open_incident_on_hub, open_screen
from tests.console.live import until
from tests.hubtools import RunningHub
from tui.app import WarroomApp
from tui.screens.killswitch import KillswitchScreen
from widgets.fit_footer import FitFooter, Hint, fit_hints

SIZES = [(80, 24), (120, 40), (200, 60)]


def footer_line(app: WarroomApp) -> str:
    return str(app.screen.query_one(FitFooter).render())


def assert_fits(app: WarroomApp, width: int, first_key: str) -> str:
    footer = app.screen.query_one(FitFooter)
    line = footer_line(app)
    assert len(line) < width, line
    assert line.endswith("? Help"), line  # help is never pushed off
    assert line.startswith(f"{first_key} "), line  # the most important key first
    # Every entry shown is whole: its keys and its label (long or short).
    shown = {f"{h.keys} {h.label}" for h in footer.hints()} | {
        f"{h.keys} {h.short}" for h in footer.hints()
    }
    for entry in line.split("  "):
        assert entry in shown, (entry, line)
    return line


async def _dashboard(app: WarroomApp, pilot: Pilot[None]) -> None:
    await until(lambda: app.identity is not None, what="identity", step=pilot.pause)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_dashboard_incident_and_killswitch_footers_fit(
    hub: RunningHub, tmp_path: Path, size: tuple[int, int]
) -> None:
    iid = open_incident_on_hub(hub)
    app = make_app(hub, tmp_path / "console")
    async with app.run_test(size=size) as pilot:
        await _dashboard(app, pilot)
        await pilot.pause()
        assert_fits(app, size[0], "k")
        await open_screen(app, pilot, iid)
        line = assert_fits(app, size[0], "a")
        assert "k Kill" in line  # the kill switch is second only to ack
        if size[0] >= 120:
            assert "k Kill switch" in line and "n Note" in line
        await pilot.press("k")
        await until(lambda: isinstance(app.screen, KillswitchScreen), what="kill switches")
        await pilot.pause()
        assert_fits(app, size[0], "s")


def test_short_labels_then_whole_entries_dropped_least_important_first() -> None:
    hints = [
        Hint("?", "Help", "Help", 0, is_help=True),
        Hint("k", "Kill switch", "Kill", 1),
        Hint("n", "Note", "Note", 2),
        Hint("e", "Export document", "Exp", 3),
    ]

    def line(width: int) -> str:
        return "  ".join(f"{h.keys} {label}" for h, label in fit_hints(hints, width))

    assert line(80) == "k Kill switch  n Note  e Export document  ? Help"
    assert line(40) == "k Kill switch  n Note  e Exp  ? Help"  # the first keep their words
    assert line(30) == "k Kill  n Note  e Exp  ? Help"
    assert line(17) == "k Kill  ? Help"  # whole entries go, least important first
