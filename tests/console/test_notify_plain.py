"""Toasts quote the hub and people: never markup, never terminal escapes."""

from __future__ import annotations

from services.console.settings import ConsoleSettings
from tui.app import WarroomApp


async def test_notifications_are_plain_text(tmp_path) -> None:
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), connect=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify("refused: [bold red]x[/] \x1b]52;c;aGk=\x07", title="Hub \x1b[2J")
        app.dashboard.notify("[link=http://evil]click[/link]")
        await pilot.pause()
        shown = list(app._notifications)
        assert [n.markup for n in shown] == [False, False]
        assert shown[0].message == "refused: [bold red]x[/] ␛]52;c;aGk=␇"
        assert shown[0].title == "Hub ␛[2J"
        assert shown[1].message == "[link=http://evil]click[/link]"
