"""The typed confirmation every kill-switch change goes through.

A ``ModalScreen[bool]``: a reason (prefilled, editable, required) and the
target typed out exactly — the pack's name, or ``STOP ALL``. The confirm
button stays disabled until the typed text equals the phrase, character for
character (case, spaces: no trimming), as in k9s's confirm dialog; a line under
the fields says what is still missing, and Enter before then says it again.

The action itself runs *inside* the confirm (``on_confirm(reason)``), before
the screen closes: that is the one place a kill-switch request is made.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.screens.type_ahead import type_into
from widgets.safe_text import safe_text

__all__ = ["ConfirmStop"]


class ConfirmStop(ModalScreen[bool]):
    """Type ``phrase`` and give a reason; dismissed True only after ``on_confirm`` ran."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm_stop.cancel"),
    ]
    # Nothing is focused until mounted: keys that come sooner reach the screen, which
    # types them into the right field (type_ahead.py), never into a prefilled one.
    AUTO_FOCUS = ""
    # Keys of a burst that went to the screen below are handed here (WarroomApp.on_key).
    TAKES_TYPE_AHEAD = True

    def __init__(
        self,
        title: str,
        phrase: str,
        reason: str,
        on_confirm: Callable[[str], object],
        *,
        warning: str = "",
        require_reason_prefix: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.phrase = phrase
        self.reason = reason
        self.on_confirm = on_confirm
        self.warning = warning
        self.require_reason_prefix = require_reason_prefix

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-stop"):
            yield Static(safe_text(self.title_text), id="confirm-title")
            if self.warning:
                yield Static(safe_text(self.warning, keep_newlines=True), id="confirm-warning")
            yield Label("Reason (goes in the audit and on the incident's timeline)")
            yield Input(self.reason, id="confirm-reason")
            prompt = Text("Type ")
            prompt.append_text(safe_text(self.phrase, "bold"))
            prompt.append(" to confirm")
            yield Label(prompt, id="confirm-prompt")
            yield Input("", id="confirm-phrase", placeholder=self.phrase)
            yield Static("", id="confirm-why")
            with Horizontal(id="confirm-buttons"):
                yield Button("Confirm", id="confirm-ok", variant="error", disabled=True)
                yield Button("Cancel", id="confirm-cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm-phrase", Input).focus()
        self._changed()

    async def on_key(self, event: events.Key) -> None:
        """Keys that reach the screen (before the phrase has focus) are typed into it."""
        await type_into(self.query_one("#confirm-phrase", Input), event)

    def missing(self) -> str | None:
        """What stands between the person and Confirm, in words; ``None`` when ready."""
        typed = self.query_one("#confirm-phrase", Input).value
        reason = self.query_one("#confirm-reason", Input).value
        prefix = self.require_reason_prefix
        if prefix and (not reason.startswith(prefix) or not reason[len(prefix) :].strip()):
            return f"The reason must start with {prefix!r} and say why."
        if not reason.strip():
            return "A reason is needed: it goes in the audit and on the timeline."
        if typed != self.phrase:
            if not typed:
                return f"Type {self.phrase} to enable Confirm."
            return f"Type {self.phrase} exactly (case and spaces count); typed {typed!r}."
        return None

    @property
    def ready(self) -> bool:
        """True when the phrase matches exactly and the reason says something."""
        return self.missing() is None

    @on(Input.Changed)
    def _changed(self) -> None:
        missing = self.missing()
        self.query_one("#confirm-ok", Button).disabled = missing is not None
        self.query_one("#confirm-why", Static).update(safe_text(missing or "Enter confirms."))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        # Enter confirms only when the button would; otherwise it does nothing.
        self._confirm()

    @on(Button.Pressed, "#confirm-ok")
    def _ok(self) -> None:
        self._confirm()

    @on(Button.Pressed, "#confirm-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        """Close without doing anything."""
        self.dismiss(False)

    def _confirm(self) -> None:
        missing = self.missing()
        if missing is not None:
            self.notify(missing, title="Not confirmed", severity="warning", markup=False)
            return
        self.reason = self.query_one("#confirm-reason", Input).value.strip()
        self.on_confirm(self.reason)
        self.dismiss(True)
