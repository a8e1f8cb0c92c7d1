"""Console memory over a million events: does the console's RSS stay flat?

Drives events through what the console keeps: each frame is decoded as the
stream client does (``decode_frame``), applied to ``ConsoleState`` in batches
as the app does (``apply_batch`` where the checkout has it), and recorded in the
explorer's ``EventHistory``. The mix is a long storm with churn: alerts over an
ever-growing set of fingerprints (a new one in four events, the rest repeats of
recent ones), agents reporting (about a thousand ids), incidents opening, updating and resolving,
timeline entries; every timestamp distinct (a clock advancing a millisecond an
event). RSS (``VmRSS``, after a ``gc.collect()``) is printed every 100,000 events.

``--src LABEL=DIR`` (repeatable) runs other checkouts in the same run.

    .venv/bin/python benchmarks/console_soak.py
    .venv/bin/python benchmarks/console_soak.py --events 200000 --every 50000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKS = ["marketing", "finance", "engineering", "devops", "legal", "research", "support"]
AGENTS = 5000
BATCH = 200
START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _ts(n: int) -> str:
    moment = START + timedelta(milliseconds=n)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _alert(n: int, ts: str) -> dict[str, Any]:
    key = n // 4 if n % 4 == 0 else max(0, n // 4 - (n * 7919) % 3000)
    return {
        "fingerprint": f"fp-{key:09d}",
        "status": "resolved" if n % 97 == 0 else "firing",
        "severity": ("SEV1", "SEV2", "SEV3", "SEV4")[key % 4],
        "category": "runaway_agent",
        "title": f"Tool-call rate above threshold for user{key}@example.com #{key}",
        "started_at": ts,
        "pack": PACKS[key % len(PACKS)],
        "agent": f"agent-{key % AGENTS}",
        "description": f"agent-{key % AGENTS} made {n % 500} calls a minute",
        "ended_at": None,
        "last_seen_at": ts,
        "repeat_count": n // 4000 + 1,
        "incident_id": None,
        "source": "alertmanager",
        "labels": {"alertname": f"Rate{key % 50}", "run_id": f"run-{key}"},
        "annotations": {},
        "generator_url": "",
        "external_url": "",
        "group_key": "",
        "group_labels": {},
        "label_severity": "",
        "opens_incident": False,
        "silenced_by": [],
        "inhibited_by": [],
        "stale": False,
        "repeat_interval_s": None,
    }


def _agent(n: int, ts: str) -> dict[str, Any]:
    key = (n * 31) % AGENTS
    return {
        "id": f"agent-{key}",
        "pack": PACKS[key % len(PACKS)],
        "state": ("running", "idle", "degraded", "stuck")[n % 4],
        "last_heartbeat": ts,
        "run_id": f"run-{n}",
        "tool_calls_per_min": float(n % 97),
        "tokens_per_min": 1000.0,
    }


def _incident(n: int, ts: str) -> dict[str, Any]:
    number = n // 1000  # a new incident every 1,000 events, resolved 50 later
    resolved = n % 1000 == 500 and number > 0
    ident = f"INC-{(number - 1 if resolved else number):06d}"
    return {
        "id": ident,
        "title": f"Runaway agents in {PACKS[number % len(PACKS)]} ({ident})",
        "severity": "SEV2",
        "category": "runaway_agent",
        "status": "resolved" if resolved else "triage",
        "opened_at": ts,
        "last_progress_at": ts,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": ts if resolved else None,
        "resolution": None,
        "packs": [PACKS[number % len(PACKS)]],
        "alert_fingerprints": [],
        "escalations": [],
        "breach_confirmed": False,
        "runbook_step": "triage",
        "contained_at": None,
    }


def _frame(n: int) -> str:
    ts = _ts(n)
    if n % 500 == 0:
        kind, data = "incident.updated", {"incident": _incident(n, ts)}
    elif n % 250 == 0:
        number = n // 1000
        entry = {
            "id": f"TL-{n}",
            "incident_id": f"INC-{number:06d}",
            "at": ts,
            "kind": "note",
            "author": "alice",
            "text": f"note {n}: called jane.doe@example.com at +1 555 0100",
        }
        kind, data = "timeline.entry", {"entry": entry}
    elif n % 5 == 0:
        kind, data = "agent.status", {"agent": _agent(n, ts)}
    else:
        kind, data = "alert.fired", {"alert": _alert(n, ts)}
    return json.dumps({"v": 1, "seq": n, "ts": ts, "type": kind, "data": data})


def _snapshot() -> str:
    from services.domain.policy import load_policy
    from services.domain.runbook import load_runbook

    switch = {"changed_by": None, "changed_at": None, "reason": None, "incident_id": None}
    data = {
        "reason": "initial",
        "hub_time": _ts(0),
        "epoch": "soak",
        "recovery": None,
        "packs": PACKS,
        "switches": [{"scope": "global", "pack": None, "enabled": True, **switch}],
        "agents": [],
        "alerts": [],
        "incidents": [],
        "timeline": [],
        "pending_global": None,
        "policy": load_policy().raw,
        "runbook": load_runbook().to_dict(),
        "stops": [],
    }
    return json.dumps({"v": 1, "seq": 0, "ts": _ts(0), "type": "snapshot", "data": data})


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one(events: int, every: int) -> dict[str, Any]:
    """Soak this checkout's console state; RSS (MiB) at every ``every`` events."""
    from services.console.events import EventHistory
    from services.console.state import ConsoleState
    from services.domain.protocol import decode_frame

    state = ConsoleState()
    history = EventHistory()
    state.apply(decode_frame(_snapshot()), START)
    gc.collect()
    points = [(0, _rss_mib())]
    batched = hasattr(state, "apply_batch")
    began = time.process_time()
    n = 1
    while n <= events:
        batch = []
        for seq in range(n, min(n + BATCH, events + 1)):
            envelope = decode_frame(_frame(seq))
            batch.append((envelope, START + timedelta(milliseconds=seq)))
        if batched:
            results = state.apply_batch(batch)
        else:
            results = [state.apply(envelope, at) for envelope, at in batch]
        for (envelope, _), applied in zip(batch, results, strict=True):
            if applied is not False:
                history.add_envelope(envelope)
        n += len(batch)
        if (n - 1) % every == 0:
            gc.collect()
            points.append((n - 1, _rss_mib()))
    cpu = time.process_time() - began
    return {
        "points": points,
        "us_per_event": 1e6 * cpu / events,
        "alerts": len(state.alerts),
        "agents": len(state.agents),
        "incidents": len(state.incidents),
        "records": len(history),
        "bad": state.bad_events,
    }


def main(argv: list[str] | None = None) -> int:
    """Run each checkout in a process of its own; print RSS per ``every`` events."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=100_000)
    parser.add_argument("--src", action="append", default=[], metavar="LABEL=DIR")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.events, args.every)))
        return 0
    from benchmarks.common.checkouts import run_in, sources

    results = []
    for label, src in sources(args.src, ROOT):
        command = [sys.executable, __file__, "--one", "--events", str(args.events)]
        result = run_in(src, [*command, "--every", str(args.every)])
        if result is None:
            return 1
        results.append((label, result))
    print(f"load average: {os.getloadavg()[0]:.2f} (nproc {os.cpu_count()})")
    marks = [count for count, _ in results[0][1]["points"]]
    print("| source | " + " | ".join(f"{m:,}" for m in marks) + " | µs/event | held |")
    print("|---|" + "---:|" * len(marks) + "---:|---|")
    for label, r in results:
        rss = " | ".join(f"{mib:.0f}" for _, mib in r["points"])
        held = (
            f"{r['alerts']:,} alerts, {r['agents']:,} agents, {r['incidents']} incidents, "
            f"{r['records']:,} records, {r['bad']} bad"
        )
        print(f"| {label} | {rss} | {r['us_per_event']:.0f} | {held} |")
    print("(RSS in MiB after gc.collect(), at each count of events applied)")
    return 0


if __name__ == "__main__":
    if not os.environ.get("PYTHONPATH"):
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
