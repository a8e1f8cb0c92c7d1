"""A short list to choose from (the retrospective's questions); Enter picks, escape cancels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from widgets.safe_text import safe_text

__all__ = ["ChoicePicker"]


class ChoicePicker(ModalScreen[str | None]):
    """Dismisses with the chosen option's text, or ``None``."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel"),
    ]

    def __init__(self, title: str, choices: tuple[str, ...]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-body", classes="dialog"):
            yield OptionList(
                *(Option(safe_text(choice, max_length=100)) for choice in self.choices),
                id="choice-options",
            )

    def on_mount(self) -> None:
        self.query_one("#choice-body").border_title = safe_text(self.title_text).plain
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#choice-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])

    def action_cancel(self) -> None:
        """Escape: nothing chosen."""
        self.dismiss(None)
