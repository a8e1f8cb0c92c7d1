"""``c``: the runbook's communication templates, filled from the incident, editable, copied.

Pick initial notification, status update or resolution; the text is filled by
:func:`services.domain.templates.render_template` (PII redacted) into an editor. ``y``
(or ``ctrl+s`` from inside the editor) copies it with ``App.copy_to_clipboard``
(OSC 52, so it reaches the laptop over SSH) and dismisses with ``(kind, text)``
for the caller to record as sent (``status-update``), which restarts the hub's
"next status update due" countdown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option

from services.domain.templates import TemplateKind
from widgets.fit_footer import FitFooter
from widgets.safe_text import shown

__all__ = ["KINDS", "TemplatesScreen"]

KINDS: tuple[tuple[TemplateKind, str], ...] = (
    ("initial", "Initial notification"),
    ("status", "Status update"),
    ("resolution", "Resolution"),
)

Render = Callable[[TemplateKind], str]


class TemplatesScreen(ModalScreen[tuple[str, str] | None]):
    """Dismisses with ``(kind, text as copied)``, or ``None`` when nothing was copied."""

    BINDINGS = [
        Binding("y", "copy", "Copy & record", id="templates.copy"),
        Binding("ctrl+s", "copy", "Copy & record", id="templates.copy_anywhere", show=False),
        Binding("escape", "cancel", "Close", id="templates.close"),
    ]
    # The footer's order and its labels at narrow widths (widgets/fit_footer.py).
    KEY_HINTS: ClassVar[dict[str, tuple[int, str]]] = {
        "templates.copy": (1, "Copy"),
        "templates.close": (2, "Close"),
    }

    def __init__(self, incident_id: str, render: Render, first: TemplateKind = "initial") -> None:
        super().__init__()
        self.incident_id = incident_id
        self.render_kind = render
        self.kind: TemplateKind = first

    def compose(self) -> ComposeResult:
        with Vertical(id="templates-body", classes="dialog"):
            yield OptionList(
                *(Option(label, id=kind) for kind, label in KINDS), id="templates-kinds"
            )
            yield TextArea(id="templates-text", soft_wrap=True)
            yield Static(
                "enter fills · tab edits · y (ctrl+s in the text) copies and records it as sent",
                id="templates-hint",
            )
        yield FitFooter()

    def on_mount(self) -> None:
        self.query_one("#templates-body").border_title = f"Templates · {self.incident_id}"
        kinds = self.query_one(OptionList)
        kinds.highlighted = [k for k, _ in KINDS].index(self.kind)
        self._fill(self.kind)
        kinds.focus()

    def _fill(self, kind: TemplateKind) -> None:
        self.kind = kind
        # Filled from the incident (untrusted): redacted and escapes visible, whatever
        # the renderer did, before it can reach the terminal or the clipboard.
        self.query_one(TextArea).load_text(shown(self.render_kind(kind), keep_newlines=True))

    @on(OptionList.OptionHighlighted, "#templates-kinds")
    @on(OptionList.OptionSelected, "#templates-kinds")
    def _picked(self, event: OptionList.OptionHighlighted | OptionList.OptionSelected) -> None:
        for kind, _ in KINDS:
            if kind == event.option.id and kind != self.kind:
                self._fill(kind)
        if isinstance(event, OptionList.OptionSelected):
            self.query_one(TextArea).focus()

    @property
    def text(self) -> str:
        """The template's text as edited."""
        return self.query_one(TextArea).text

    def action_copy(self) -> None:
        """Copy over OSC 52 and hand the text back to be recorded as sent."""
        text = self.text.strip()
        if not text:
            self.notify("Nothing to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        self.dismiss((self.kind, text))

    def action_cancel(self) -> None:
        """Escape: nothing copied, nothing recorded."""
        self.dismiss(None)
