"""A console that crashes says so with its exit code (Textual's panic ends with 0)."""

from __future__ import annotations

from pathlib import Path

from services.console.settings import ConsoleSettings
from services.ops.outcome import ExitCode
from tui.app import WarroomApp
from tui.cli.console import exit_code


async def test_a_panic_is_a_crash_not_a_normal_quit(tmp_path: Path) -> None:
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), connect=False)
    async with app.run_test(size=(80, 24)):
        app.panic("the input thread failed")
    assert app.return_code in (None, 0)  # what Textual alone would report
    assert exit_code(app.return_code, crashed=app.crashed) == ExitCode.CRASHED


async def test_a_quit_is_zero(tmp_path: Path) -> None:
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), connect=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
    assert exit_code(app.return_code, crashed=app.crashed) == ExitCode.OK


def test_an_unhandled_exception_is_a_crash() -> None:
    # Textual sets 1 after an exception in a handler; the console has no code of its own.
    assert exit_code(1, crashed=False) == ExitCode.CRASHED
