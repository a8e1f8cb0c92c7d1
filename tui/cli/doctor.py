"""``warroom doctor``: argparse glue over :mod:`services.ops.doctor`.

It resolves the hub and token as ``warroom stop`` does (flags, then
``WARROOM_HUB`` / ``WARROOM_TOKEN``, then the config file) and never imports
Textual, so it runs where the console cannot start.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable

from services.console.settings import load_settings
from services.ops.doctor import doctor
from services.ops.doctor_terminal import terminal_size
from services.ops.outcome import ExitCode
from tui.cli.console import add_hub_flags


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``doctor`` on ``warroom``'s subparsers."""
    parser = sub.add_parser(
        "doctor",
        help="check, before an incident, the hub, the token's role, the journal folder, "
        f"the clock and the terminal (exit {ExitCode.OK:d} ready, {ExitCode.ERROR:d} "
        f"something to fix, {ExitCode.UNREACHABLE:d} no hub)",
    )
    add_hub_flags(parser)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="for a wall display or an observer: a token that can read is enough "
        "(otherwise it must stop packs and change incidents)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run_doctor(args: argparse.Namespace) -> int:
    """``warroom doctor``: one line per check, a summary, and the exit code."""
    settings = load_settings(args.config, hub_url=args.hub, token=args.token)
    outcome = asyncio.run(
        doctor(settings, os.environ, read_only=args.read_only, size=terminal_size())
    )
    print(outcome.as_json() if args.json else outcome.message)
    return outcome.exit_code


RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {"doctor": run_doctor}
