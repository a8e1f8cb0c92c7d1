"""The dashboard offline (``connect=False``): keys, help, palette, layout, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandList, CommandPalette

from services.console.settings import ConsoleSettings
from services.console.state import StreamStatus
from tests.console.live import until
from tests.console.sample import FROZEN_NOW, alert, envelope, snapshot
from tui.app import WarroomApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HELP_ONLY, HelpScreen
from widgets.agent_table import AgentTable
from widgets.alert_feed import AlertFeed
from widgets.connection_bar import ConnectionBar
from widgets.incident_list import IncidentList


def make_app(**settings: Any) -> WarroomApp:
    config = ConsoleSettings(hub_url="http://hub.example:8080", token="t", **settings)
    return WarroomApp(config, clock=lambda: FROZEN_NOW, connect=False)


async def test_every_dashboard_binding_is_in_the_footer_and_has_an_id() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for binding in DashboardScreen.BINDINGS:
            assert not isinstance(binding, tuple | str)
            # Or, when the footer has no room at 80 columns, in help (and the palette).
            assert (binding.show or binding.id in HELP_ONLY) and binding.description
            assert binding.id and binding.id.startswith("dashboard.")
        shown = {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}
        assert {"app.quit", "app.help", "app.focus_next", "focus_panel('packs')"} <= shown


async def test_tab_and_letters_move_between_the_three_tables() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, IncidentList)
        await pilot.press("tab")
        assert isinstance(app.focused, AlertFeed)
        await pilot.press("tab")
        assert isinstance(app.focused, AgentTable)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, AlertFeed)
        await pilot.press("i")
        assert isinstance(app.focused, IncidentList)
        await pilot.press("p")
        assert isinstance(app.focused, AgentTable)


async def test_question_mark_opens_help_and_escape_closes_it() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert ("q", "Quit") in app.screen.keys
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_the_command_palette_opens_and_offers_the_dashboard_commands() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"focus packs")
        results = app.screen.query_one(CommandList)

        def found() -> bool:
            first = results.get_option_at_index(0) if results.option_count else None
            return first is not None and "Focus packs" in str(first.prompt)

        # The palette searches in the background: wait for its answer, not a fixed time.
        await until(found, what="the palette's results", step=pilot.pause)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.focused, AgentTable)


async def test_q_quits_cleanly() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_the_keymap_from_settings_rebinds_keys() -> None:
    app = make_app(keymap={"dashboard.quit": "x", "dashboard.packs": "ctrl+k"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+k")
        assert isinstance(app.focused, AgentTable)
        await pilot.press("q")  # no longer bound
        assert app.is_running
        await pilot.press("x")
        await pilot.pause()
    assert app.return_code == 0


async def test_two_columns_from_120_columns() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.apply_envelope(snapshot())
        await pilot.pause()
        panels = app.dashboard.query_one("#panels")
        packs = app.query_one(AgentTable)
        assert not panels.has_class("-wide")
        assert all(key.startswith("pack:") for key in packs.keys)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        app.flush()
        await pilot.pause()
        assert panels.has_class("-wide")
        # One summary row per pack beside the feed: the titles get the room.
        assert all(key.startswith("pack:") for key in packs.keys) and packs.summary
        assert packs.region.x > 0 and packs.region.y == app.query_one(AlertFeed).region.y
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        app.flush()
        await pilot.pause()
        assert "agent:campaign-writer" in packs.keys  # room for the agents
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        app.flush()
        await pilot.pause()
        assert not panels.has_class("-wide")
        assert all(key.startswith("pack:") for key in packs.keys)


async def test_agents_beside_the_feed_show_their_whole_names() -> None:
    """At 120 columns the packs panel is 50 wide: an agent's name runs on over its
    pack's blank Switch and Run columns, its state under Trouble."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.apply_envelope(snapshot())
        await pilot.pause()
        packs = app.query_one(AgentTable)
        packs.focus()
        await pilot.press("A")
        app.flush()
        await pilot.pause()
        assert packs.summary and "agent:expense-classifier" in packs.keys
        lines = [strip.text for strip in packs.render_lines(packs.region.reset_offset)]
        header = next(line for line in lines if "Trouble" in line)
        for name, state in (("expense-classifier", "degraded"), ("social-scheduler", "stuck")):
            line = next(line for line in lines if f"  {name} " in line)
            assert line.find(state) == header.find("Trouble"), (line, header)


async def test_bad_envelopes_are_counted_and_shown_not_fatal() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.set_connection(StreamStatus(state="live"))
        assert app.apply_envelope(snapshot())
        assert not app.apply_envelope({"v": 1, "seq": "no"})
        assert not app.apply_envelope(envelope(41, "alert.fired", {"alert": {"x": 1}}))
        assert not app.apply_envelope(envelope(42, "brand.new", {}))
        await pilot.pause()
        assert app.state.anomalies() == {"bad data": 2, "unknown": 1}
        counters = app.query_one("#conn-counters")
        assert "bad data 2" in str(counters.content)  # type: ignore[attr-defined]
        assert app.query_one(ConnectionBar).label == "LIVE"
        assert app.apply_envelope(envelope(43, "alert.fired", {"alert": alert("later")}))


async def test_untrusted_text_reaches_the_tables_literally() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.apply_envelope(snapshot())
        hostile = alert(
            "evil",
            title="[@click=app.quit]click me[/] \x1b]52;c;cm0gLXJmIH4=\x07",
            pack="[red]pack[/]",
            agent="agent\u202eevil",
            last_seen_at="2026-11-25T18:19:59.000Z",
        )
        app.apply_envelope(envelope(41, "alert.fired", {"alert": hostile}))
        await pilot.pause()
        cells = app.query_one(AlertFeed).cells("evil")
        assert cells is not None
        shown = cells[2].plain
        assert "[@click=app.quit]click me[/]" in shown and "␛]52;c;" in shown
        assert "[red]pack[/]/agent\\u202eevil" in shown
        assert "\x1b" not in shown and "\u202e" not in shown
        assert app.is_running


async def test_redact_mode_hides_pii_in_titles_and_reasons() -> None:
    app = make_app(redact=True)
    async with app.run_test(size=(80, 24)) as pilot:
        leaky = snapshot(global_enabled=False)
        leaky["data"]["alerts"][0]["title"] = "Reply to jane.doe@example.com leaked"
        leaky["data"]["switches"][0]["reason"] = "card 4111 1111 1111 1111 in output"
        app.apply_envelope(leaky)
        await pilot.pause()
        feed = app.query_one(AlertFeed)
        shown = " ".join(cells[2].plain for key in feed.keys if (cells := feed.cells(key)))
        assert "[REDACTED: EMAIL]" in shown and "jane.doe" not in shown
        banner = str(app.dashboard.query_one("#banner").content)  # type: ignore[attr-defined]
        assert "[REDACTED: CARD]" in banner and "4111" not in banner


async def test_without_colour_the_words_still_tell_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        app.set_connection(StreamStatus(state="live"))
        app.apply_envelope(snapshot(global_enabled=False))
        await pilot.pause()
        screen = app.export_screenshot()
        for word in ("LIVE", "SEV1", "SEV2", "GLOBAL KILL SWITCH ENGAGED", "STOPPED", "held"):
            assert word in screen.replace("&#160;", " "), word
