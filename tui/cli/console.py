"""``warroom`` with no command: the console, and the flags that say which hub it uses.

Textual is imported inside :func:`run_console` only, so that the commands that
share these flags (``stop``, ``export``) work where the console cannot start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.console.settings import ConsoleSettings, load_settings
from services.ops.outcome import ExitCode


def existing_file(value: str) -> Path:
    """``--config FILE``: a file named on the command line must be there (a typo is not
    "no config": it would silently run with the defaults)."""
    path = Path(value).expanduser()
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{path}: no such config file")
    return path


def add_hub_flags(parser: argparse.ArgumentParser) -> None:
    """``--hub``, ``--token`` and ``--config``: how a command finds and signs in to the hub."""
    parser.add_argument("--hub", metavar="URL", help="the hub's URL (env WARROOM_HUB)")
    parser.add_argument("--token", metavar="TOKEN", help="bearer token (env WARROOM_TOKEN)")
    parser.add_argument("--config", metavar="FILE", type=existing_file, help="console config file")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The console's own flags, on the top-level ``warroom`` parser."""
    add_hub_flags(parser)
    parser.add_argument(
        "--redact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="category B PII (e-mail, phone, …) redacted on screen (the default); "
        "--no-redact shows it if your role holds pii.view, and the hub logs that you did",
    )


def run(args: argparse.Namespace) -> int:
    """``warroom [--hub URL] [--token T] [--config FILE] [--[no-]redact]``."""
    settings = load_settings(args.config, hub_url=args.hub, token=args.token, redact=args.redact)
    return run_console(settings)


def run_console(settings: ConsoleSettings) -> int:
    """Draw the console until it quits; its exit code."""
    from tui.app import WarroomApp  # Textual loads only for the console
    from tui.terminal_input import tolerate_invalid_utf8

    tolerate_invalid_utf8()
    app = WarroomApp(settings)
    app.run()
    if app.exit_message:
        print(app.exit_message, file=sys.stderr)
    return exit_code(app.return_code, crashed=app.crashed)


def exit_code(return_code: int | None, *, crashed: bool) -> ExitCode:
    """The console's exit code from how its app ended.

    The console never exits with a code of its own: anything but 0 (or a panic,
    which Textual ends with 0) is a crash, and a script must see it as one.
    """
    if return_code or crashed:
        return ExitCode.CRASHED
    return ExitCode.OK
