"""``warroom silence``: Alertmanager silences through the hub (services/ops/silence.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

from services.console.settings import load_settings
from services.ops import silence
from services.ops.outcome import ExitCode
from tui.cli.console import add_hub_flags


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``silence`` on ``warroom``'s subparsers."""
    command = sub.add_parser(
        "silence",
        help="silence an alert or an incident's alerts in Alertmanager (through the hub)",
    )
    add_hub_flags(command)
    what = command.add_mutually_exclusive_group()
    what.add_argument("--alert", metavar="FINGERPRINT", help="silence this alert")
    what.add_argument("--list", action="store_true", help="list Alertmanager's silences")
    what.add_argument("--expire", metavar="SILENCE_ID", help="expire this silence")
    command.add_argument("--incident", metavar="INC-N", help="the incident (alone: all its alerts)")
    command.add_argument("--minutes", type=int, default=60, help="how long (default 60)")
    command.add_argument("--comment", metavar="TEXT", default="", help="why (required to silence)")
    command.add_argument("--json", action="store_true", help="machine-readable output")


def run_silence(args: argparse.Namespace) -> int:
    """``warroom silence --alert FP | --incident INC | --list | --expire ID``."""
    settings = load_settings(args.config, hub_url=args.hub, token=args.token)
    hub, token = settings.hub_urls, settings.token
    if args.list:
        outcome = asyncio.run(silence.list_silences(hub, token))
    elif args.expire:
        outcome = asyncio.run(silence.expire(hub, token, args.expire, args.incident))
    else:
        outcome = asyncio.run(
            silence.create(
                hub,
                token,
                fingerprint=args.alert,
                incident_id=args.incident,
                minutes=args.minutes,
                comment=args.comment,
            )
        )
    if args.json:
        print(outcome.as_json())
    elif outcome.exit_code == ExitCode.OK:
        print(outcome.message)
    else:
        print("warroom silence: " + outcome.message, file=sys.stderr)
    return outcome.exit_code


RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {"silence": run_silence}
