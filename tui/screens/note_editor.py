"""``n``: a one-line note for an incident. Enter saves; nothing typed is ever lost.

The editor only returns the text; the caller posts it to the app
(``SubmitAction``), which journals it (fsync'd) before it is sent. Escape with
text in the editor asks whether to discard it or keep it as a draft, which the next
``n`` on the same incident brings back.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from widgets.note_input import NoteInput
from widgets.safe_text import safe_text

__all__ = ["DraftChoice", "NoteEditor"]


class DraftChoice(ModalScreen[str]):
    """Escape with text typed: ``keep`` (as a draft), ``discard``, or ``edit`` (go back)."""

    BINDINGS = [
        Binding("k", "choose('keep')", "Keep as draft", id="draft.keep"),
        Binding("d", "choose('discard')", "Discard", id="draft.discard"),
        Binding("escape", "choose('edit')", "Back to the note", id="draft.edit"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="draft-body", classes="dialog"):
            yield Static("This note has not been saved.")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Keep as draft (k)", id="keep", variant="primary")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Back (escape)", id="edit")

    def on_mount(self) -> None:
        self.query_one("#draft-body").border_title = "Unsaved note"

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "edit")

    def action_choose(self, choice: str) -> None:
        """Close with ``choice``."""
        self.dismiss(choice)


class NoteEditor(ModalScreen[str | None]):
    """Dismisses with the note's text (stripped, non-empty), or ``None``."""

    BINDINGS = [
        Binding("escape", "leave", "Cancel", id="note.cancel"),
    ]
    # Keys of a burst that went to the screen below are handed here (WarroomApp.on_key).
    TAKES_TYPE_AHEAD = True

    def __init__(self, incident_id: str, draft: str = "", title: str | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.draft = draft
        self.title_text = title or f"Note on {incident_id}"
        self.kept_draft: str | None = None
        """After ``keep``: the text to offer next time (the caller stores it)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="note-body", classes="dialog"):
            yield NoteInput(self.draft, id="note-input")
            yield Static("Enter saves (journalled first, sent when the hub answers).")

    def on_mount(self) -> None:
        title = safe_text(self.title_text, max_length=70).plain
        self.query_one("#note-body").border_title = title
        editor = self.query_one(NoteInput)
        editor.focus()
        editor.cursor_position = len(editor.value)  # a draft is continued, not prefixed

    async def on_key(self, event: events.Key) -> None:
        """Keys that reach the screen instead of the editor are typed into it.

        The app sends a key to the focused widget, or to the screen while nothing
        is focused: keys that arrive in one burst with ``n`` (a paste, a slow SSH
        link) land here before ``on_mount`` has focused the editor. Dropping them
        would lose what a person typed.
        """
        # A key that reaches the screen was not taken by the editor (it stops what it
        # types), even if the editor has focus by the time this one is handled.
        editor = self.query_one(NoteInput)
        if event.character is not None and event.is_printable:
            editor.focus()
            editor.insert_text_at_cursor(event.character)
            event.stop()
        elif event.key == "enter":
            editor.focus()
            event.stop()
            await editor.action_submit()

    @on(NoteInput.Submitted, "#note-input")
    def _save(self) -> None:
        text = self.query_one(NoteInput).value.strip()
        if text:
            self.dismiss(text)
        else:
            self.notify("An empty note is not saved.", severity="warning")

    def action_leave(self) -> None:
        """Escape: close at once when empty, else ask what to do with the text."""
        text = self.query_one(NoteInput).value
        if not text.strip():
            self.dismiss(None)
            return

        def chosen(choice: str | None) -> None:
            if choice == "keep":
                self.kept_draft = text
                self.dismiss(None)
            elif choice == "discard":
                self.kept_draft = ""
                self.dismiss(None)
            else:
                self.query_one(NoteInput).focus()

        self.app.push_screen(DraftChoice(), chosen)
