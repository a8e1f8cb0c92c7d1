"""The current runbook step's checklist, as a focusable list: up/down move, space or
``x`` checks, Enter does what warroom can do for the item.

The widget only shows lines and posts messages (``Toggled``, ``Act``); the screen
records checks through the app's journal and runs the actions. Item texts come from
the hub's runbook, so they are drawn as plain text, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from services.domain.checklist import ChecklistLine
from services.domain.timeutil import parse_optional
from widgets.safe_text import safe_text

__all__ = ["ACTION_LABELS", "Checklist"]

# What Enter does on an item, by its runbook ``action``, in a few words.
ACTION_LABELS: dict[str, str] = {
    "ack": "ack",
    "severity": "severity",
    "initial-notification": "initial notice",
    "killswitch": "kill switch",
    "killswitch-global": "kill switch",
    "breach": "confirm breach",
    "explorer": "event explorer",
    "timeline": "timeline",
    "root-cause": "choose cause",
    "remediation": "choose cause",
    "restore": "guided restore",
    "status-update": "status update",
    "export": "export",
    "retrospective": "answer",
}


def _when(at: str) -> str:
    try:
        moment = parse_optional(at)
    except ValueError:
        moment = None
    return moment.strftime("%H:%M") if moment is not None else "?"


def line_text(line: ChecklistLine, pending: bool) -> Text:
    """``[x] Kill the affected agent pack  ⏎ kill switch · alice 18:12``: one line, cut
    with an ellipsis when narrow (what to do first, then who did it); ``[~]`` while a
    check waits in the outbox."""
    mark = "[~]" if pending else "[x]" if line.done else "[ ]"
    text = Text(f"{mark} ", no_wrap=True, overflow="ellipsis", end="")
    text.append_text(safe_text(line.item.text, "dim" if line.done else "", max_length=120))
    if line.item.action is not None:
        text.append(f"  ⏎ {ACTION_LABELS.get(line.item.action, line.item.action)}", style="bold")
    if line.done and line.mark is not None:
        text.append(" · ", style="dim")
        text.append_text(safe_text(line.mark.by, "dim", max_length=30))
        text.append(f" {_when(line.mark.at)}", style="dim")
    return text


class Checklist(OptionList):
    """The step's items; ``show`` redraws only when what it says changed."""

    BINDINGS = [
        Binding("space,x", "check_item", "Check", id="checklist.check", show=False),
        Binding("enter", "do_item", "Do it", id="checklist.do", show=False),
    ]

    @dataclass
    class Toggled(Message):
        """Space or ``x`` on an item: it should become ``done`` (or not)."""

        item_id: str
        done: bool

    @dataclass
    class Act(Message):
        """Enter on an item that warroom can do something for."""

        item_id: str
        action: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[ChecklistLine] = []
        self._shown: tuple[tuple[str, str], ...] = ()

    def show(self, lines: list[ChecklistLine], pending: set[str], title: str) -> None:
        """The items of the step (``pending``: item ids whose check is not yet answered)."""
        self.lines = lines
        texts = [(line.item.id, line_text(line, line.item.id in pending)) for line in lines]
        shown = tuple((key, text.plain) for key, text in texts)
        if self.border_title != title:
            self.border_title = title
        if shown == self._shown:
            return
        keep = self.highlighted
        same_items = [key for key, _ in shown] == [key for key, _ in self._shown]
        self._shown = shown
        self.clear_options()
        self.add_options([Option(text, id=key) for key, text in texts])
        if texts:
            self.highlighted = keep if same_items and keep is not None else 0

    def current(self) -> ChecklistLine | None:
        """The line under the cursor."""
        index = self.highlighted
        if index is None or not 0 <= index < len(self.lines):
            return None
        return self.lines[index]

    def action_check_item(self) -> None:
        """Check the item under the cursor, or uncheck it."""
        line = self.current()
        if line is not None:
            self.post_message(self.Toggled(line.item.id, not line.done))

    def action_do_item(self) -> None:
        """Do what warroom can do for the item under the cursor."""
        line = self.current()
        if line is None:
            return
        if line.item.action is None:
            self.notify("Nothing warroom can do for this one: space checks it.", title="Checklist")
            return
        self.post_message(self.Act(line.item.id, line.item.action))
