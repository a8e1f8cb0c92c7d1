"""``warroom wall``: the read-only war-room display (a viewer token is enough).

Textual loads inside :func:`run` only, like the console.
"""

from __future__ import annotations

import argparse

from services.console.settings import load_settings
from services.ops.outcome import ExitCode
from tui.cli.console import add_hub_flags


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``wall`` on ``warroom``'s subparsers."""
    parser = sub.add_parser("wall", help="the read-only war-room wall display")
    add_hub_flags(parser)
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=None,
        metavar="N",
        help="turn the pages every N seconds when the incidents do not fit (default 10)",
    )
    parser.add_argument(
        "--bell",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="ring the terminal bell once per new SEV1 (the default)",
    )


def run(args: argparse.Namespace) -> int:
    """``warroom wall [--hub URL[,URL…]] [--token T] [--page-seconds N] [--[no-]bell]``."""
    if args.page_seconds is not None and args.page_seconds < 1:
        print("warroom wall: --page-seconds must be at least 1")
        return ExitCode.REFUSED
    settings = load_settings(
        args.config,
        hub_url=args.hub,
        token=args.token,
        wall=True,
        wall_page_seconds=args.page_seconds,
        wall_bell=args.bell,
    )
    from tui.collector import tune_collector
    from tui.terminal_input import tolerate_invalid_utf8
    from tui.wall.app import WallApp  # Textual loads only for the wall

    tolerate_invalid_utf8()
    app = WallApp(settings, end_on_hangup=True)
    tune_collector()
    app.run()
    return app.return_code or ExitCode.OK


RUNNERS = {"wall": run}
