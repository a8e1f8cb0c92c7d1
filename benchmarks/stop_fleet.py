"""A global stop of a big fleet: CPU per agent report, in the hub and in a console.

Every agent of a global stop reports ``stopped`` (and the hub tells every
console). The hub (``HubState``: the heartbeat recorded, the stop verified, the
change made atomic) and a console (``ConsoleState`` applying the event, the
kill-switch tracker following the stop) are each fed N agents' ``stopped``
reports after a global stop of N running agents, and their process CPU time per
report is printed. No network, no screen: CPU time, so a shared machine
disturbs it little. With ``--src LABEL=DIR`` each checkout runs in a process
of its own, interleaved.

    .venv/bin/python benchmarks/stop_fleet.py --agents 1000,5000 --src before=/tmp/old --src after=.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKS = ["marketing", "finance", "engineering", "devops", "legal", "research", "support"]
STOPPED_AT = "2026-11-30T12:00:00.000Z"


def _hub(agents: int) -> float:
    from services.domain.policy import load_policy
    from services.hub.state.common import Actor
    from services.hub.state.events import MemoryEventLog
    from services.hub.state.hub import HubState
    from storage.hub_store import TinyHubStore

    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    store = TinyHubStore(Path(tempfile.mkdtemp(prefix="warroom-stop-")), fsync=False)
    events = MemoryEventLog(store, lambda: now, ring_size=10_000)
    hub = HubState(
        packs=PACKS,
        store=store,
        events=events,
        clock=lambda: now,
        policy=load_policy(),
        agent_timeout_s=3600.0,
    )

    def report(n: int, state: str) -> None:
        hub.heartbeat(
            f"agent-{n}",
            pack=PACKS[n % len(PACKS)],
            state=state,  # type: ignore[arg-type]
            run_id=None if state == "stopped" else f"run-{n}",
            tool_calls_per_min=1.0,
            tokens_per_min=100.0,
        )

    for n in range(agents):
        report(n, "running")
    hub.set_switch(
        None, enabled=False, reason="bench", incident_id=None, actor=Actor("bench", "cto")
    )
    began = time.process_time()
    for n in range(agents):
        report(n, "stopped")
    return time.process_time() - began


def _console(agents: int) -> float:
    from benchmarks.storm import _snapshot
    from services.console.killswitches import Killswitches
    from services.console.state import ConsoleState
    from services.domain.models import Envelope

    now = datetime(2026, 11, 30, 12, 0, 1, tzinfo=UTC)
    snapshot = json.loads(_snapshot(0))
    snapshot["data"]["agents"] = [_agent(n, "running") for n in range(agents)]
    glob = snapshot["data"]["switches"][0]
    glob.update(enabled=False, changed_by="bench", changed_at=STOPPED_AT, reason="bench")
    state = ConsoleState()
    context = SimpleNamespace(state=state, identity=None, outbox=None, clock=lambda: now)
    killswitch = Killswitches(context, lambda *args, **kwargs: None)  # type: ignore[arg-type]
    first = Envelope.from_dict(snapshot)
    state.apply(first, now)
    killswitch.on_envelope(first, now)
    reports = [
        Envelope.from_dict(
            {"v": 1, "seq": n + 1, "ts": STOPPED_AT, "type": "agent.status",
             "data": {"agent": _agent(n, "stopped")}}
        )
        for n in range(agents)
    ]  # fmt: skip
    began = time.process_time()
    for envelope in reports:
        state.apply(envelope, now)
        killswitch.on_envelope(envelope, now)
    return time.process_time() - began


def _agent(n: int, state: str) -> dict[str, Any]:
    return {
        "id": f"agent-{n}",
        "pack": PACKS[n % len(PACKS)],
        "state": state,
        "last_heartbeat": STOPPED_AT,
        "run_id": None if state == "stopped" else f"run-{n}",
        "tool_calls_per_min": 1.0,
        "tokens_per_min": 100.0,
    }


def one(agents: int) -> dict[str, float]:
    """This checkout's CPU per report, hub and console, for ``agents`` agents."""
    return {"hub": 1e6 * _hub(agents) / agents, "console": 1e6 * _console(agents) / agents}


def main(argv: list[str] | None = None) -> int:
    """Run each fleet size and checkout in a process of its own; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="1000,5000", help="fleet sizes, e.g. 1000,5000")
    parser.add_argument("--src", action="append", default=[], metavar="LABEL=DIR")
    parser.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one)))
        return 0
    from benchmarks.common.checkouts import run_in, sources

    rows = []
    for size in (int(n) for n in args.agents.split(",")):
        for label, src in sources(args.src, ROOT):
            result = run_in(src, [sys.executable, __file__, "--one", str(size)])
            if result is None:
                return 1
            rows.append((label, size, result))
    print(f"load average: {os.getloadavg()[0]:.2f} (nproc {os.cpu_count()})")
    print(
        "| source | agents | hub µs/report | hub s for the stop | console µs/report | console s |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for label, size, r in rows:
        print(
            f"| {label} | {size:,} | {r['hub']:,.0f} | {r['hub'] * size / 1e6:.2f} "
            f"| {r['console']:,.0f} | {r['console'] * size / 1e6:.2f} |"
        )
    return 0


if __name__ == "__main__":
    # A checkout named by PYTHONPATH (--src) must not be shadowed by this one.
    if not os.environ.get("PYTHONPATH"):
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
