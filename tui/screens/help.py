"""``?``: the keys of the screen below, and what the dashboard's words mean."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

__all__ = ["HelpScreen", "screen_keys"]

LEGEND = (
    ("LIVE", "events are flowing from the hub"),
    ("RECONNECTING (n)", "the stream dropped; attempt n, with backoff"),
    ("STALE 48 s", "no frame for 3 heartbeats: the numbers are frozen"),
    ("RESYNCED", "a gap was repaired from the hub (replay or snapshot)"),
    ("UNAUTHORIZED", "the hub refused the token; check WARROOM_TOKEN"),
    ("SEV1…SEV4", "severity, told apart by its text, not only colour"),
    ("triage !", "an incident not yet acknowledged"),
    ("\u00d73", "the alert fired three times (one row per fingerprint)"),
    ("STOPPED / held", "pack switch off / pack on but held by the global stop"),
)


# Bindings kept out of the footer (it has no room for them at 80 columns) but listed
# here: the runbook, the retrospective note, the checklist's keys, Escape clearing a
# table's `/` filter, `/` on the incident's timeline.
HELP_ONLY = frozenset(
    {
        "dashboard.runbook",
        "dashboard.unfilter",
        "incident.filter",
        "incident.retrospective",
        "checklist.check",
        "checklist.do",
    }
)


def screen_keys(app: App[Any], screen: Screen[Any]) -> list[tuple[str, str]]:
    """The keys ``screen`` offers now, as the app displays them, with their descriptions."""
    keys: list[tuple[str, str]] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        # Shown bindings are the screen's actions; the tables' own
        # navigation keys are summed up in one line below.
        if (binding.show or binding.id in HELP_ONLY) and binding.description:
            entry = (app.get_key_display(binding), binding.description)
            if entry not in keys:
                keys.append(entry)
    keys.append(("↑ ↓ pgup pgdn", "Move in the focused table"))
    keys.append((app.get_key_display(Binding("ctrl+p", "", "")), "Command palette"))
    return keys


class HelpScreen(ModalScreen[None]):
    """Lists key bindings and the legend; escape or ? closes it, q quits as everywhere."""

    BINDINGS = [
        Binding("escape,question_mark", "dismiss", "Close", id="help.close"),
        Binding("q", "app.quit", "Quit", id="help.quit"),
    ]

    def __init__(self, keys: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = list(keys)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._keys_text(), id="help-keys")
            yield Static(self._legend_text(), id="help-legend")

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "Help · escape closes"

    def _keys_text(self) -> Text:
        text = Text(end="")
        text.append("Keys", style="bold underline")
        width = max((len(key) for key, _ in self.keys), default=4)
        for key, description in self.keys:
            text.append(f"\n{key:>{width}}", style="bold")
            text.append(f"  {description}")
        return text

    def _legend_text(self) -> Text:
        text = Text(end="")
        text.append("What the dashboard says", style="bold underline")
        width = max(len(word) for word, _ in LEGEND)
        for word, meaning in LEGEND:
            text.append(f"\n{word:>{width}}", style="bold")
            text.append(f"  {meaning}")
        return text
