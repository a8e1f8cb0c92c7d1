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


HUB_HELP = (
    "the hub's URL, or its replicas' URLs separated by commas, tried in turn when one "
    "does not answer (env WARROOM_HUB)"
)


def add_hub_flags(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``--hub``, ``--token`` and ``--config``: how a command finds and signs in to the hub.

    On ``warroom`` itself (``top``) they default to None; on a subcommand they default to
    nothing at all, so ``warroom --hub URL wall`` keeps the URL given before the command
    (argparse lets a subcommand's defaults overwrite what the parent parsed)."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--hub", metavar="URL[,URL…]", default=default, help=HUB_HELP)
    parser.add_argument(
        "--token", metavar="TOKEN", default=default, help="bearer token (env WARROOM_TOKEN)"
    )
    parser.add_argument(
        "--config", metavar="FILE", type=existing_file, default=default, help="console config file"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The console's own flags, on the top-level ``warroom`` parser."""
    add_hub_flags(parser, top=True)
    parser.add_argument(
        "--redact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="category B PII (e-mail, phone, …) redacted on screen (the default); "
        "--no-redact shows it if your role holds pii.view, and the hub logs that you did",
    )
    parser.add_argument(
        "--ascii",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw ASCII stand-ins for glyphs like ● and ✓ (the default when LANG=C or "
        "TERM=linux; config key ascii)",
    )


def run(args: argparse.Namespace) -> int:
    """``warroom [--hub URL[,URL…]] [--token T] [--config FILE] [--[no-]redact] [--[no-]ascii]``."""
    settings = load_settings(
        args.config,
        hub_url=args.hub,
        token=args.token,
        redact=args.redact,
        ascii=getattr(args, "ascii", None),
    )
    return run_console(settings)


def run_console(settings: ConsoleSettings) -> int:
    """Draw the console until it quits; its exit code."""
    from tui.app import WarroomApp  # Textual loads only for the console
    from tui.collector import tune_collector
    from tui.terminal_input import tolerate_invalid_utf8

    tolerate_invalid_utf8()
    app = WarroomApp(settings, handle_signals=True)
    tune_collector()
    app.run()
    if app.exit_message:
        print(app.exit_message, file=sys.stderr)
    return exit_code(app.return_code, crashed=app.crashed, signal=app.ended_by)


def exit_code(return_code: int | None, *, crashed: bool, signal: int | None = None) -> int:
    """The console's exit code from how its app ended.

    The console never exits with a code of its own: anything but 0 (or a panic,
    which Textual ends with 0) is a crash, and a script must see it as one. Ended
    by SIGTERM or SIGHUP (terminal restored first), it is 128 + the signal's
    number, as a shell reports a process a signal ended: 143 and 129.
    """
    if crashed:
        return ExitCode.CRASHED
    if signal is not None:
        return 128 + signal
    if return_code:
        return ExitCode.CRASHED
    return ExitCode.OK
