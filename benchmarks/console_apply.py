"""CPU per event of what the console does with a storm's events after decoding them.

The storm's mix (``benchmarks/storm.py``: four alert events over 2,000
fingerprints for each agent event over 200 agents), decoded as the stream
client does, then, stage by stage, in batches of 250 as the app applies them:
``apply`` (``ConsoleState.apply_batch``: coalescing, parsing, the state, the
agents' history) and ``record`` (the explorer's ``EventHistory.add_envelope``);
``decode`` (the reader's) for scale, and ``read`` the first read of the
history's 100,000 records (what the explorer pays when it opens). No screen,
no loop: process CPU time, so a shared machine disturbs it less than the storm.

    .venv/bin/python benchmarks/console_apply.py --src before=/tmp/old --src after=.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BATCH = 250


def one(events: int) -> dict[str, Any]:
    """Measure this checkout's stages over ``events`` storm events."""
    from benchmarks.storm import _agent, _alert, _envelope, _now, _snapshot
    from services.console.events import EventHistory
    from services.console.state import ConsoleState
    from services.domain.protocol import decode_frame

    ts = _now()
    frames = [
        _envelope(seq, "agent.status", {"agent": _agent(seq)}, ts)
        if seq % 5 == 0
        else _envelope(seq, "alert.fired", {"alert": _alert(seq)}, ts)
        for seq in range(1, events + 1)
    ]
    now = datetime.now(UTC)
    gc.collect()
    began = time.process_time()
    envelopes = [decode_frame(frame) for frame in frames]
    decode = time.process_time() - began
    batches = [[(e, now) for e in envelopes[i : i + BATCH]] for i in range(0, events, BATCH)]
    state = ConsoleState()
    state.apply(decode_frame(_snapshot(0)), now)
    gc.collect()
    began = time.process_time()
    for batch in batches:
        state.apply_batch(batch)
    apply = time.process_time() - began
    history = EventHistory()
    gc.collect()
    began = time.process_time()
    for envelope in envelopes:
        history.add_envelope(envelope)
    record = time.process_time() - began
    began = time.process_time()
    held = len(history.records)
    read = time.process_time() - began
    return {
        "decode": 1e6 * decode / events,
        "apply": 1e6 * apply / events,
        "record": 1e6 * record / events,
        "read_ms": 1e3 * read,
        "held": held,
    }


def main(argv: list[str] | None = None) -> int:
    """Run each checkout in a process of its own (interleaved rounds); print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--src", action="append", default=[], metavar="LABEL=DIR")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.events)))
        return 0
    from benchmarks.common.checkouts import run_in, sources

    rows = []
    for _ in range(args.rounds):
        for label, src in sources(args.src, ROOT):
            result = run_in(src, [sys.executable, __file__, "--one", "--events", str(args.events)])
            if result is None:
                return 1
            rows.append((label, result))
    print(f"load average: {os.getloadavg()[0]:.2f} (nproc {os.cpu_count()})")
    print("| source | decode µs/event | apply µs/event | record µs/event | read 100,000 ms |")
    print("|---|---:|---:|---:|---:|")
    for label, r in rows:
        print(
            f"| {label} | {r['decode']:.1f} | {r['apply']:.1f} | {r['record']:.1f} "
            f"| {r['read_ms']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    # A checkout named by PYTHONPATH (--src) must not be shadowed by this one.
    if not os.environ.get("PYTHONPATH"):
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
