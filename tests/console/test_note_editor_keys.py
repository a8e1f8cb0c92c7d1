"""Keys typed in a burst with `n` land in the note, not on the floor."""

from __future__ import annotations

from textual import events
from textual.app import App

from tui.screens.note_editor import NoteEditor


class Host(App[None]):
    """Just enough app to push the editor."""


async def test_keys_delivered_to_the_screen_before_focus_are_typed() -> None:
    app = Host()
    async with app.run_test() as pilot:
        saved: list[str | None] = []
        editor = NoteEditor("INC-1")
        app.push_screen(editor, saved.append)
        # While nothing is focused the app hands keys to the screen itself: these
        # arrive there, whether or not the input has focus when they are handled.
        for char in "pack stopped":
            key = "space" if char == " " else char
            editor.post_message(events.Key(key, char))
        editor.post_message(events.Key("enter", "\r"))
        await pilot.pause()
        await pilot.pause()
        assert saved == ["pack stopped"]


async def test_keys_typed_into_the_focused_editor_are_not_doubled() -> None:
    app = Host()
    async with app.run_test() as pilot:
        saved: list[str | None] = []
        await app.push_screen(editor := NoteEditor("INC-1"), saved.append)
        await pilot.pause()
        await pilot.press(*"once", "enter")
        assert saved == ["once"]
        assert editor is not app.screen
