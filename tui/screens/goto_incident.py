"""Jump to an incident by id: a small dialog that asks for ``INC-n``.

What is typed is read as the hub spells it (``inc-7``, ``inc7`` and ``7`` are
``INC-7``, :func:`services.domain.models.normalise_incident_id`). Anything else
is refused in words inside the dialog, counted, and left in the field to fix.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from services.domain.models import normalise_incident_id
from tui.screens.type_ahead import type_into
from widgets.safe_text import safe_text

__all__ = ["GotoIncident"]


class GotoIncident(ModalScreen[str | None]):
    """Dismisses with the incident id (``INC-n``) typed, or ``None`` on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="goto.cancel")]
    AUTO_FOCUS = ""
    TAKES_TYPE_AHEAD = True

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0
        """How many times what was typed was not an incident id."""

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-body", classes="dialog"):
            yield Static("Incident id (INC-7, inc-7 or 7); escape cancels.", id="goto-hint")
            yield Input(placeholder="INC-", id="goto-input")
            yield Static("", id="goto-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#goto-body").border_title = "Go to incident"
        self.query_one(Input).focus()

    async def on_key(self, event: events.Key) -> None:
        """Keys that reach the screen before the input has focus are typed into it."""
        await type_into(self.query_one(Input), event)

    @on(Input.Submitted, "#goto-input")
    def _submitted(self, event: Input.Submitted) -> None:
        incident_id = normalise_incident_id(event.value)
        if incident_id is not None:
            self.dismiss(incident_id)
            return
        self.refused += 1
        message = Text("Not an incident id: ", end="")
        message.append_text(safe_text(event.value or "nothing", max_length=40))
        message.append(" (expected INC-n, e.g. INC-7)")
        self.query_one("#goto-error", Static).update(message)

    def action_cancel(self) -> None:
        """Escape: go nowhere."""
        self.dismiss(None)
