"""``warroom runbook``: the incident response runbook, offline, as plain text.

``warroom runbook`` prints the whole runbook; ``--step contain`` one step's
section and its checklist (``--category`` picks the incident's variant,
``--cause`` Remediate's remediation). It needs no hub, no config and no
Textual: it reads the copy that ships with warroom.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from services.domain.models import ALL_CATEGORIES, CATEGORIES
from services.domain.policy import REQUIRED_STEPS
from services.domain.runbook import Item, Runbook, group_of, load_runbook
from services.domain.textsafe import make_visible
from services.ops.outcome import ExitCode


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``runbook`` on ``warroom``'s subparsers."""
    parser = sub.add_parser("runbook", help="print the incident response runbook (no hub needed)")
    parser.add_argument("--step", choices=REQUIRED_STEPS, help="one step and its checklist")
    parser.add_argument(
        "--category",
        choices=(*CATEGORIES, *ALL_CATEGORIES),
        help="the checklists for this incident group or category",
    )
    parser.add_argument("--cause", metavar="CAUSE", help="Remediate's remediation for a cause")


def format_item(item: Item, runbook: Runbook) -> list[str]:
    """One checklist item as plain lines: the box, its text, id, action and sub-points."""
    lines = [f"  [ ] {item.text}"]
    tags = [item.id]
    if item.groups:
        tags.append("for " + "/".join(item.groups))
    if item.action:
        tags.append(f"warroom: {item.action}")
    if item.source:
        tags.append(f"from {item.source}")
    lines.append(f"      ({'; '.join(tags)})")
    lines += [f"      - {detail}" for detail in item.details]
    lines += [f"      $ {command}" for command in item.commands]
    if item.action == "root-cause":
        lines += [f"      - {cause.id}: {cause.text}?" for cause in runbook.causes]
    if item.action == "remediation":
        lines += [
            f"      - {cause.id}: {cause.remediation.issue}: {cause.remediation.text}"
            for cause in runbook.causes
        ]
    return lines


def format_step(
    runbook: Runbook, step: str, category: str | None = None, cause: str | None = None
) -> str:
    """A step's runbook section, then its checklist (for ``category``, ``cause``)."""
    items = runbook.checklist(step, category, cause)
    heading = "Checklist"
    if category is not None:
        group = group_of(category)
        heading += f", {group} incidents" + (f" ({category})" if category != group else "")
    lines = [runbook.step_text(step).rstrip(), ""]
    if step == "remediate" and cause is not None:
        fix = runbook.remediation(cause)
        lines += [f"Root cause {cause}: {fix.issue}: {fix.text}", ""]
    lines.append(heading + ":")
    for item in items:
        lines += format_item(item, runbook)
    return "\n".join(lines) + "\n"


def render(args: argparse.Namespace) -> str:
    """The text ``warroom runbook`` prints for ``args``; ``ValueError`` for a bad cause."""
    runbook = load_runbook()
    step = args.step
    if args.cause is not None:
        if step not in (None, "remediate"):
            raise ValueError("--cause goes with --step remediate")
        runbook.cause(args.cause)  # refuses an unknown cause, naming the known ones
        step = "remediate"
    if step is not None:
        return format_step(runbook, step, args.category, args.cause)
    if args.category is not None:
        return "\n".join(format_step(runbook, name, args.category) for name in REQUIRED_STEPS)
    return runbook.markdown


def run_runbook(args: argparse.Namespace) -> int:
    """``warroom runbook [--step STEP] [--category C] [--cause CAUSE]``."""
    try:
        text = render(args)
    except ValueError as error:
        print(f"warroom runbook: {error}", file=sys.stderr)
        return ExitCode.REFUSED
    try:
        sys.stdout.write(make_visible(text, keep_newlines=True))
        sys.stdout.flush()
    except BrokenPipeError:
        # `warroom runbook | head`: the reader has what it wanted.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return ExitCode.OK


RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {"runbook": run_runbook}
