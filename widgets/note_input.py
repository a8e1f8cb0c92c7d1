"""The one-line input notes are typed in: long enough for a sentence, never markup.

An ``Input`` shows its value literally; this one caps the length (a note is a
line on the timeline, not a document) and says what Enter does.
"""

from __future__ import annotations

from textual.widgets import Input

__all__ = ["NOTE_MAX_LENGTH", "NoteInput"]

NOTE_MAX_LENGTH = 1000


class NoteInput(Input):
    """A one-line note editor."""

    def __init__(self, value: str = "", *, id: str | None = None) -> None:
        super().__init__(
            value,
            placeholder="what happened, what you did, what you decided — Enter saves",
            max_length=NOTE_MAX_LENGTH,
            id=id,
        )
