"""``S``: pick an incident's status from the runbook's steps (not ``resolved``: ``r`` does that)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from services.domain.models import INCIDENT_STATUSES

__all__ = ["SETTABLE_STATUSES", "StatusPicker"]

SETTABLE_STATUSES = tuple(s for s in INCIDENT_STATUSES if s != "resolved")


class StatusPicker(ModalScreen[str | None]):
    """Dismisses with the chosen status, or ``None``."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="status.cancel"),
    ]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="status-body", classes="dialog"):
            yield OptionList(
                *(
                    Option(f"{s}  (current)" if s == self.current else s, id=s)
                    for s in SETTABLE_STATUSES
                ),
                id="status-options",
            )

    def on_mount(self) -> None:
        self.query_one("#status-body").border_title = "Set status"
        options = self.query_one(OptionList)
        if self.current in SETTABLE_STATUSES:
            options.highlighted = SETTABLE_STATUSES.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected, "#status-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Escape: unchanged."""
        self.dismiss(None)
