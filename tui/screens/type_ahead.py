"""Keys typed in one burst with the key that opened a dialog land in its field.

The app sends a key to the focused widget, or to the screen while nothing is
focused: keys that arrive with ``k s`` or ``b`` (a paste, a slow SSH link)
reach the dialog before its input has focus. Dropping them would lose what a
person typed; letting them fall on another field (the prefilled reason) would
replace it. :func:`type_into` gives them to the field they were meant for, as
:class:`tui.screens.note_editor.NoteEditor` does for notes.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

__all__ = ["type_into"]


async def type_into(field: Input, event: events.Key) -> None:
    """A key that reached the screen, typed into ``field`` (Enter submits it)."""
    if event.character is not None and event.is_printable:
        # Focus arrives after this key: selecting all on focus would make the next key
        # replace what was typed ahead ("I" then "NC" gave "NC").
        field.select_on_focus = False
        field.focus()
        field.insert_text_at_cursor(event.character)
        event.stop()
    elif event.key == "enter":
        field.focus()
        event.stop()
        await field.action_submit()
