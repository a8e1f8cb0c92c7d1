"""The runbook's text in the console (``R``): with no hub at all, and a hub's own text
shown as inert Markdown (no link acts, no markup, no terminal escape)."""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

from textual.pilot import Pilot

from services.console.settings import ConsoleSettings
from services.console.state import ConsoleState
from services.domain.runbook import load_runbook
from tests.console.live import until
from tests.console.sample import FROZEN_NOW, snapshot
from tui.app import WarroomApp
from tui.screens.runbook_view import RunbookView
from widgets.safe_markdown import SafeMarkdownViewer, inert_parser


def _screen_text(app: WarroomApp) -> str:
    """What the terminal shows, as plain text (from the SVG screenshot)."""
    svg = app.export_screenshot()
    parts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    return html.unescape("".join(parts)).replace("\xa0", " ")


async def _open_runbook(app: WarroomApp, pilot: Pilot[None]) -> SafeMarkdownViewer:
    await pilot.press("R")
    await until(lambda: isinstance(app.screen, RunbookView), what="the view", step=pilot.pause)
    viewer = app.screen.query_one(SafeMarkdownViewer)
    await until(lambda: bool(viewer.document.table_of_contents), what="laid out", step=pilot.pause)
    await pilot.pause()
    return viewer


async def test_the_runbook_opens_with_no_hub_at_all(tmp_path: Path) -> None:
    # Nothing listens on port 9 of the loopback: the console never reaches a hub.
    settings = ConsoleSettings(hub_url="http://127.0.0.1:9", token="t", data_dir=tmp_path)
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = await _open_runbook(app, pilot)
        assert app.state.status.state != "live"
        assert "Incident Response Runbook" in _screen_text(app)
        await pilot.press("pagedown", "pagedown")
        await until(lambda: viewer.scroll_y > 0, what="scrolled", step=pilot.pause)
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, RunbookView), what="back", step=pilot.pause)


# One paragraph each, so none wraps across lines of the screen.
HOSTILE = (
    "[open me](../../etc/passwd)\n\n"
    "[web](https://evil.example/x) <a href='x'>html</a> https://evil.example\n\n"
    "[bold red]markup[/]\n\n"
    "\x1b]52;c;ZXZpbA==\x07 done\n\n"
)


async def test_a_hubs_runbook_text_is_shown_inert(tmp_path: Path) -> None:
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), clock=lambda: FROZEN_NOW, connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        data = snapshot()
        own = load_runbook().to_dict()
        title = "# Incident Response Runbook\n"
        own["markdown"] = own["markdown"].replace(title, "# ACME runbook\n\n" + HOSTILE, 1)
        data["data"]["runbook"] = own
        app.apply_envelope(data)
        assert app.state.runbook.markdown.startswith("# ACME runbook")
        viewer = await _open_runbook(app, pilot)
        shown = _screen_text(app)
        assert "ACME runbook" in shown
        assert "[open me](../../etc/passwd)" in shown  # a link shown as the text it is
        assert "[web](https://evil.example/x)" in shown
        assert "[bold red]markup[/]" in shown
        assert "\x1b" not in shown and "␛]52;c;ZXZpbA==" in shown
        # Nothing in the document is a link, so nothing can be followed.
        assert "link_open" not in {t.type for t in inert_parser().parse(HOSTILE)}
        for token in inert_parser().parse(HOSTILE):
            assert all(child.type != "link_open" for child in token.children or [])
        assert viewer.document.source.startswith("# ACME runbook")


def test_the_shipped_runbook_until_a_snapshot_brings_the_hubs() -> None:
    state = ConsoleState()
    assert state.runbook == load_runbook()
    data = snapshot()
    own = load_runbook().to_dict()
    own["causes"][0]["text"] = "A bug in the agent's code"
    data["data"]["runbook"] = own
    assert state.apply_dict(data, FROZEN_NOW)
    assert state.runbook.cause("code-bug").text == "A bug in the agent's code"
    # A bad one is refused loudly; the one the console had is kept.
    bad = copy.deepcopy(data)
    bad["data"]["runbook"]["steps"][0]["items"][0]["id"] = "Not An Id"
    state.apply_dict(bad, FROZEN_NOW)
    assert state.runbook.cause("code-bug").text == "A bug in the agent's code"
    assert "snapshot.runbook: steps[0].items[0].id" in (state.runbook_refused or "")
    assert state.bad_events == 1
