"""``warroom stop|enable|health|export``: argparse glue over :mod:`services.ops`.

These are the fallbacks for when the console cannot start, so nothing here
imports Textual. Each command's work, and its exit code, is in services/ops;
this module reads flags and settings and prints the outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from services.console.settings import ConsoleSettings, load_settings
from services.domain.models import normalise_incident_id
from services.ops import stop as emergency_stop
from services.ops.export import export_with_policy
from services.ops.health import check_health
from services.ops.outcome import ExitCode, Outcome
from tui.cli.console import HUB_HELP, add_hub_flags


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``health``, ``stop``, ``enable`` and ``export`` on ``warroom``'s subparsers."""
    health = sub.add_parser("health", help=f"check a hub: exit {ExitCode.OK:d} when healthy")
    health.add_argument("--hub", metavar="URL[,URL…]", default=argparse.SUPPRESS, help=HUB_HELP)

    stop = sub.add_parser(
        "stop",
        help="kill switch from the command line (exit "
        f"{ExitCode.OK:d} applied, {ExitCode.REFUSED:d} refused, "
        f"{ExitCode.UNREACHABLE:d} unreachable)",
    )
    enable = sub.add_parser("enable", help="re-enable a pack or the global switch")
    for command, verb in ((stop, "stop"), (enable, "re-enable")):
        add_hub_flags(command)
        target = command.add_mutually_exclusive_group(required=True)
        target.add_argument("--pack", metavar="NAME", help=f"{verb} one pack")
        target.add_argument("--global", dest="global_", action="store_true", help=f"{verb} all")
        if command is stop:
            target.add_argument("--status", action="store_true", help="show every switch")
        command.add_argument("--reason", metavar="TEXT", help="why (required to stop)")
        command.add_argument("--incident", metavar="INC-N", help="the incident this is for")
        command.add_argument("--json", action="store_true", help="machine-readable output")

    export = sub.add_parser("export", help="the post-incident document of an incident")
    add_hub_flags(export)
    export.add_argument("incident", metavar="INC-ID", help="e.g. INC-7")
    export.add_argument("--format", choices=("md", "json"), default="md")
    export.add_argument("--output", "-o", type=Path, help="write to FILE instead of stdout")
    export.add_argument("--no-redact", action="store_true", help="keep PII (the document says so)")
    export.add_argument(
        "--policy", type=Path, help="policy file (retrospective rules; default: the hub's own)"
    )


def _report(outcome: Outcome, *, as_json: bool = False, prefix: str = "") -> int:
    """Print ``outcome``: JSON, or its message on stdout when it worked, else on stderr."""
    if as_json:
        print(outcome.as_json())
    elif outcome.exit_code == ExitCode.OK:
        print(outcome.message)
    else:
        print(prefix + outcome.message, file=sys.stderr)
    return outcome.exit_code


MISSING_TOKEN = (
    'no token: pass --token TOKEN, set WARROOM_TOKEN, or put token = "…" in the config file'
)

GLOBAL_ENABLE_WARNING = (
    "warning: re-enabling the global switch brings every pack that is not stopped on its own "
    "back at once, with nobody watching.\n"
    "The guided path brings them back one at a time, each watched before the next: in the "
    "console, `k` then `r` (guided restore). Without the console: `warroom stop --pack NAME` "
    "each pack first, then `warroom enable --global`, then `warroom enable --pack NAME` one "
    "at a time, checking `warroom stop --status` in between."
)


def _missing_token(settings: ConsoleSettings, args: argparse.Namespace) -> int | None:
    """The refused exit code, said plainly, when there is no token to send."""
    if settings.token:
        return None
    return _report(
        Outcome(ExitCode.REFUSED, MISSING_TOKEN),
        as_json=getattr(args, "json", False),
        prefix=f"warroom {args.command}: ",
    )


def _confirm_global_enable() -> bool:
    """Warn about ``enable --global``; on a terminal, ask before going on."""
    print(GLOBAL_ENABLE_WARNING, file=sys.stderr)
    if not sys.stdin.isatty():
        return True  # a script asked for it explicitly; the warning is in its log
    answer = input("Re-enable everything at once? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def run_switch(args: argparse.Namespace) -> int:
    """``warroom stop|enable``: the kill switch when the console cannot start."""
    settings = load_settings(args.config, hub_url=args.hub, token=args.token)
    refused = _missing_token(settings, args)
    if refused is not None:
        return refused
    if args.command == "enable" and args.global_ and not _confirm_global_enable():
        print("warroom enable: nothing changed", file=sys.stderr)
        return ExitCode.REFUSED
    if args.command == "stop" and args.status:
        outcome = asyncio.run(emergency_stop.status(settings.hub_urls, settings.token))
    else:
        outcome = asyncio.run(
            emergency_stop.set_switch(
                settings.hub_urls,
                settings.token,
                pack=args.pack,
                enabled=args.command == "enable",
                reason=args.reason or "",
                incident_id=args.incident,
            )
        )
    return _report(outcome, as_json=args.json)


def run_export(args: argparse.Namespace) -> int:
    """``warroom export INC-ID``: Markdown (or JSON) to stdout or ``--output``."""
    from services.domain.timeutil import utcnow

    settings = load_settings(args.config, hub_url=args.hub, token=args.token)
    refused = _missing_token(settings, args)
    if refused is not None:
        return refused
    incident_id = normalise_incident_id(args.incident)
    if incident_id is None:
        message = f"{args.incident!r} is not an incident id (INC-7, inc-7 or 7)"
        return _report(Outcome(ExitCode.REFUSED, message), prefix="warroom export: ")
    outcome = asyncio.run(
        export_with_policy(
            settings.hub_urls,
            settings.token,
            incident_id,
            fmt=args.format,
            redact=not args.no_redact,
            policy_path=args.policy,
            now=utcnow(),
        )
    )
    if outcome.exit_code != ExitCode.OK or not args.output:
        return _report(outcome, prefix="warroom export: ")
    from storage.files import write_text_atomic

    write_text_atomic(args.output, outcome.message + "\n")
    print(f"wrote {args.output}", file=sys.stderr)
    return ExitCode.OK


def run_health(args: argparse.Namespace) -> int:
    """``warroom health [--hub URL]``: exit 0 when the hub is healthy."""
    settings = load_settings(None, hub_url=args.hub)
    return _report(asyncio.run(check_health(settings.hub_urls)), prefix="warroom health: ")


RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "stop": run_switch,
    "enable": run_switch,
    "export": run_export,
    "health": run_health,
}
