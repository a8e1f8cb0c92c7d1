"""Investigate's "identify root cause": one of the runbook's causes, words, or both.

Up/down choose a cause (or "something else": words only); tab goes to the words;
Enter on either saves. The screen only returns the choice: the incident screen
posts it to the app, which journals it before it is sent.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from services.domain.runbook import Cause
from widgets.safe_text import safe_text

__all__ = ["OTHER", "CauseChoice", "CausePicker"]

OTHER = "other"
CauseChoice = tuple[str | None, str | None]
"""The runbook cause's id (``None``: something else) and the words (``None``: none)."""


class CausePicker(ModalScreen[CauseChoice | None]):
    """Dismisses with ``(cause, words)``, or ``None`` when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cause.cancel"),
    ]

    def __init__(self, causes: tuple[Cause, ...], current: str | None, words: str = "") -> None:
        super().__init__()
        self.causes = causes
        self.current = current
        self.words = words

    def compose(self) -> ComposeResult:
        options = [
            Option(safe_text(f"{c.text} — then: {c.remediation.text}", max_length=100), id=c.id)
            for c in self.causes
        ]
        options.append(Option("Something else (say it in words below)", id=OTHER))
        with Vertical(id="cause-body", classes="dialog"):
            yield OptionList(*options, id="cause-options")
            yield Input(self.words, placeholder="in a few words (optional)", id="cause-words")
            yield Static("Enter saves · tab moves between the causes and the words")

    def on_mount(self) -> None:
        self.query_one("#cause-body").border_title = "Identify root cause"
        options = self.query_one(OptionList)
        ids = [c.id for c in self.causes]
        options.highlighted = ids.index(self.current) if self.current in ids else 0
        options.focus()

    @on(OptionList.OptionSelected, "#cause-options")
    @on(Input.Submitted, "#cause-words")
    def _save(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted
        chosen = options.get_option_at_index(index).id if index is not None else OTHER
        words = self.query_one(Input).value.strip() or None
        if chosen == OTHER and words is None:
            self.query_one(Input).focus()
            self.notify("Say the cause in a few words, then Enter.", title="Root cause")
            return
        self.dismiss((None if chosen == OTHER else chosen, words))

    def action_cancel(self) -> None:
        """Escape: nothing is recorded."""
        self.dismiss(None)
