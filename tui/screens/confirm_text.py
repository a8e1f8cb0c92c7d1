"""A typed confirmation: the person types the target's name before a destructive action.

``ConfirmText(title, prompt, expected)`` is a ``ModalScreen[bool]``: its confirm
button stays disabled until the input equals ``expected`` exactly (a near miss,
``INC-3 `` or ``inc-3``, keeps it disabled). Enter in the input confirms only
when it matches; Escape cancels (dismisses ``False``). Reusable by any screen
(breach confirmation, kill switches), as k9s's ``dialog/confirm.go``.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui.screens.type_ahead import type_into
from widgets.safe_text import safe_text

__all__ = ["ConfirmText"]


class ConfirmText(ModalScreen[bool]):
    """Asks for ``expected`` to be typed; dismisses ``True`` only when it was."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
    ]
    # Nothing is focused until mounted: keys that come sooner reach the screen, which
    # types them into the right field (type_ahead.py), never into a prefilled one.
    AUTO_FOCUS = ""
    # Keys of a burst that went to the screen below are handed here (WarroomApp.on_key).
    TAKES_TYPE_AHEAD = True

    def __init__(self, title: str, prompt: str, expected: str, *, action_label: str) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.expected = expected
        self.action_label = action_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-body", classes="dialog"):
            yield Static(safe_text(self.prompt, keep_newlines=True), id="confirm-prompt")
            hint = Text("Type ", end="")
            hint.append_text(safe_text(self.expected, "bold"))
            hint.append(" to confirm; escape cancels.")
            yield Static(hint, id="confirm-hint")
            yield Input(placeholder=self.expected, id="confirm-input")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.action_label, id="confirm-ok", variant="error", disabled=True)
                yield Button("Cancel", id="confirm-cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm-body").border_title = self.title_text
        self.query_one(Input).focus()

    async def on_key(self, event: events.Key) -> None:
        """Keys that reach the screen (before the input has focus) are typed into it."""
        await type_into(self.query_one(Input), event)

    @property
    def matches(self) -> bool:
        """True when what was typed is exactly the expected text."""
        return self.query_one(Input).value == self.expected

    @on(Input.Changed, "#confirm-input")
    def _typed(self) -> None:
        self.query_one("#confirm-ok", Button).disabled = not self.matches

    @on(Input.Submitted, "#confirm-input")
    def _submitted(self) -> None:
        if self.matches:
            self.dismiss(True)
        else:
            typed = self.query_one(Input).value
            said = f"; typed {typed!r}" if typed else ""
            self.notify(
                f"Type {self.expected} exactly (case and spaces count) to confirm{said}.",
                title="Not confirmed",
                severity="warning",
                markup=False,
            )

    @on(Button.Pressed, "#confirm-ok")
    def _ok(self) -> None:
        if self.matches:
            self.dismiss(True)

    @on(Button.Pressed, "#confirm-cancel")
    def _cancel_button(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        """Escape: nothing happens."""
        self.dismiss(False)
