"""``r``: resolve an incident; the root cause, one line, is required.

Dismisses with the root cause (stripped, non-empty) or ``None``. The hub
refuses an empty one too (422); asking here saves the round trip.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui.screens.type_ahead import type_into
from widgets.safe_text import safe_text

__all__ = ["ResolveScreen"]


class ResolveScreen(ModalScreen[str | None]):
    """Asks for the root cause; the resolve button stays disabled while it is empty."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="resolve.cancel"),
    ]
    # Nothing is focused until mounted: keys that come sooner reach the screen, which
    # types them into the right field (type_ahead.py), never into a prefilled one.
    AUTO_FOCUS = ""
    # Keys of a burst that went to the screen below are handed here (WarroomApp.on_key).
    TAKES_TYPE_AHEAD = True

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        with Vertical(id="resolve-body", classes="dialog"):
            yield Static("Root cause, in one line (it goes into the resolution notice):")
            yield Input(placeholder="e.g. prompt change let ticket text through", id="root-cause")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Resolve", id="resolve-ok", variant="success", disabled=True)
                yield Button("Cancel", id="resolve-cancel")

    def on_mount(self) -> None:
        title = safe_text(f"Resolve {self.incident_id}", max_length=60).plain
        self.query_one("#resolve-body").border_title = title
        self.query_one(Input).focus()

    async def on_key(self, event: events.Key) -> None:
        """Keys that reach the screen (before the input has focus) are typed into it."""
        await type_into(self.query_one(Input), event)

    @property
    def root_cause(self) -> str:
        """What was typed, stripped."""
        return self.query_one(Input).value.strip()

    @on(Input.Changed, "#root-cause")
    def _typed(self) -> None:
        self.query_one("#resolve-ok", Button).disabled = not self.root_cause

    @on(Input.Submitted, "#root-cause")
    @on(Button.Pressed, "#resolve-ok")
    def _resolve(self) -> None:
        if self.root_cause:
            self.dismiss(self.root_cause)
        else:
            self.notify("A root cause is required to resolve.", severity="warning")

    @on(Button.Pressed, "#resolve-cancel")
    def action_cancel(self) -> None:
        """Escape: not resolved."""
        self.dismiss(None)
