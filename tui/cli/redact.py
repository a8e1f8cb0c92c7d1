"""``warroom redact``: standard input to standard output with PII redacted.

The same rules as every screen, export and log (``services.domain.redaction``):
categories A and B, and C with ``--category-c``. For cleaning a log before it is
pasted into a ticket or a chat. Needs no hub and no config, and never imports
Textual.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from services.domain.redaction import Redactor
from services.ops.outcome import ExitCode

# Lines are redacted in blocks: a private key or a labelled value may span lines,
# and a whole log need not fit in memory. A block ends at a blank line, or at
# this many characters (then on the next line break).
BLOCK_CHARS = 1 << 20


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``redact`` on ``warroom``'s subparsers."""
    parser = sub.add_parser("redact", help="standard input to standard output, PII redacted")
    parser.add_argument(
        "--category-c",
        action="store_true",
        help="also redact category C (IP addresses, user ids, locations)",
    )


def redact_stream(source: TextIO, sink: TextIO, redactor: Redactor) -> int:
    """Copy ``source`` to ``sink`` redacted, block by block; the number of blocks."""
    blocks = 0
    block: list[str] = []
    size = 0
    for line in source:
        block.append(line)
        size += len(line)
        if not line.strip() or size >= BLOCK_CHARS:
            sink.write(redactor.redact("".join(block)))
            blocks += 1
            block, size = [], 0
    if block:
        sink.write(redactor.redact("".join(block)))
        blocks += 1
    sink.flush()
    return blocks


def run(args: argparse.Namespace) -> int:
    """``warroom redact [--category-c]``."""
    categories = frozenset({"A", "B", "C"} if args.category_c else {"A", "B"})
    # Undecodable bytes pass through as escapes rather than stopping the filter midway.
    stdin = sys.stdin.fileno()
    with open(stdin, encoding="utf-8", errors="backslashreplace", closefd=False) as source:
        try:
            redact_stream(source, sys.stdout, Redactor(categories))
        except BrokenPipeError:
            return ExitCode.OK  # `warroom redact < log | head` is fine
    return ExitCode.OK


RUNNERS = {"redact": run}
