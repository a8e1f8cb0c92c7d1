"""The ``warroom`` command: the parser and one module per subcommand group."""

# ``warroom`` runs the console (console.py); ``warroom hub`` and ``warroom demo``
# a hub (hub.py); ``warroom stop|enable|health|export`` are the fallbacks for
# when the console cannot start (ops.py, over services/ops), with ``warroom
# runbook`` (runbook.py, the offline runbook) and ``warroom doctor`` (doctor.py,
# access checked before an incident), ``warroom redact``
# (redact.py, a PII filter for logs) and ``warroom wall`` (wall.py, the read-only
# wall display). Textual is imported
# only by the commands that draw a screen, so the others keep working on a box
# where the console cannot start.

from __future__ import annotations

import argparse
import os
import sys

from services.console.settings import SettingsError
from services.ops.outcome import ExitCode
from tui.cli import console, doctor, hub, ops, redact, runbook, silence, wall


def build_parser() -> argparse.ArgumentParser:
    """``warroom``'s parser: the console's flags, then a subparser per command."""
    parser = argparse.ArgumentParser(
        prog="warroom",
        description="Incident-response console for AgentOS, and its ops hub.",
    )
    console.add_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    hub.add_parsers(sub)
    ops.add_parsers(sub)
    runbook.add_parsers(sub)
    doctor.add_parsers(sub)
    silence.add_parsers(sub)
    redact.add_parsers(sub)
    wall.add_parsers(sub)
    return parser


def join_token_values(argv: list[str]) -> list[str]:
    """``--token -x`` as ``--token=-x``: argparse takes a value that starts with ``-``
    for an option, and a random token does about one time in 32."""
    joined: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--token":
            value = next(args, None)
            joined.append(arg if value is None else f"--token={value}")
        else:
            joined.append(arg)
    return joined


def main(argv: list[str] | None = None) -> int:
    """Run ``warroom`` with ``argv`` (the process's arguments when None); the exit code."""
    args = build_parser().parse_args(join_token_values(sys.argv[1:] if argv is None else argv))
    try:
        runners = {
            **hub.RUNNERS,
            **ops.RUNNERS,
            **runbook.RUNNERS,
            **doctor.RUNNERS,
            **silence.RUNNERS,
            **redact.RUNNERS,
            **wall.RUNNERS,
        }
        run = runners.get(args.command) or console.run
        return run(args)
    except SettingsError as error:
        print(f"warroom: {error}", file=sys.stderr)
        return ExitCode.REFUSED
    except BrokenPipeError:
        # `warroom stop --status --json | head`: the reader has what it wanted. Point
        # stdout at /dev/null so the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
