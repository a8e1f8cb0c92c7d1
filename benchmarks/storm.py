"""An event storm into one console: how many events it applies, and how its loop lags.

A stand-in for the hub's stream, in its own process (so its CPU is not the
console's), sends a snapshot and then alert and agent events at a fixed rate
(alerts over 2,000 fingerprints, one agent event in five, a heartbeat a
second). The console is the real one (``WarroomApp``: stream client, state,
redraw), headless at 120x40, with ``down`` pressed four times a second. Per
rate: events applied per second, event-loop lag p50/p99 (a 50 ms timer's
lateness), the most events it was ever behind, and console CPU per event.

When the console's hello asks for batches, the stand-in sends them as the hub
does, with the hub's own ``batched``: every event queued at once (those due since
it last sent) in one ``batch`` message, within the hub's bounds; a console that
does not ask gets single frames. The stand-in offers permessage-deflate; a console that
offers it too (``before``) gets compressed frames.

Full GCs: the console's collections of the oldest generation and the time they
took (each is a pause of the console's loop, over everything it holds).
``--gc-gen0 N`` adds a row for the last checkout with the collector tuned as a
console could tune it at start (``gc.freeze()`` after loading, gen0 threshold N).
Without it, each checkout's console is tuned as its ``warroom`` command tunes it
(``tui/collector.py``, where the checkout has it).

``--src LABEL=DIR`` (repeatable) measures other checkouts in the same run.

    .venv/bin/python benchmarks/storm.py
    .venv/bin/python benchmarks/storm.py --rates 1000,5000 --seconds 10 --src before=/tmp/old
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKS = ["marketing", "finance", "engineering", "devops", "legal", "research", "support"]
KEYS = 2000
HUB_TIME = "2026-11-30T12:00:00.000Z"


def _now() -> str:
    """The stand-in hub's clock, as the real hub stamps frames (a console measures lag by it)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _envelope(seq: int, kind: str, data: dict[str, Any], ts: str = HUB_TIME) -> str:
    return json.dumps({"v": 1, "seq": seq, "ts": ts, "type": kind, "data": data})


def _alert(seq: int) -> dict[str, Any]:
    n = seq % KEYS
    return {
        "fingerprint": f"fp-{n}",
        "status": "firing",
        "severity": ("SEV1", "SEV2", "SEV3", "SEV4")[n % 4],
        "category": "runaway_agent",
        "title": f"Tool-call rate above threshold #{n}",
        "started_at": HUB_TIME,
        "pack": PACKS[n % len(PACKS)],
        "agent": f"agent-{n % 200}",
        "description": "",
        "ended_at": None,
        "last_seen_at": HUB_TIME,
        "repeat_count": seq // KEYS + 1,
        "incident_id": None,
        "source": "alertmanager",
        "labels": {"alertname": f"Rate{n}"},
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


def _agent(seq: int) -> dict[str, Any]:
    n = seq % 200
    return {
        "id": f"agent-{n}",
        "pack": PACKS[n % len(PACKS)],
        "state": "running",
        "last_heartbeat": HUB_TIME,
        "run_id": f"run-{n}",
        "tool_calls_per_min": float(seq % 97),
        "tokens_per_min": 1000.0,
    }


def _snapshot(seq: int = 0) -> str:
    from services.domain.policy import load_policy
    from services.domain.runbook import load_runbook

    switch = {"changed_by": None, "changed_at": None, "reason": None, "incident_id": None}
    switches = [{"scope": "global", "pack": None, "enabled": True, **switch}] + [
        {"scope": "pack", "pack": p, "enabled": True, **switch} for p in PACKS
    ]
    data = {
        "reason": "initial",  # as the hub answers a hello without resume_from
        "hub_time": _now(),
        "epoch": "storm-bench",
        "recovery": None,
        "packs": PACKS,
        "switches": switches,
        "agents": [_agent(n) for n in range(200)],
        "alerts": [],
        "incidents": [],
        "timeline": [],
        "pending_global": None,
        "policy": load_policy().raw,
        "runbook": load_runbook().to_dict(),
        "stops": [],
    }
    return _envelope(seq, "snapshot", data, _now())


def _source(rate: int, seconds: float, port: Any, sent: Any) -> None:
    """The stand-in stream: ``rate`` events/s for ``seconds`` to whoever connects.

    To a console whose hello asks for batches it sends, as the hub does, everything
    queued for it at once: the events due since its last send (the stand-in wakes
    every 10 ms, or when the console has read what it was sent) in one message."""
    from websockets.asyncio.server import ServerConnection, serve

    # One hub: a console that re-syncs gets a snapshot at the current seq, and the
    # events go on from there at the same rate (those it skipped are not resent).
    clock = {"start": 0.0, "seq": 0}

    async def handle(ws: ServerConnection) -> None:
        hello = json.loads(await ws.recv())
        batch = hello.get("batch") is True
        if batch:  # a console that asks runs on a checkout whose hub batches: as it does
            from services.hub.state.events import Frames, batched
        if not clock["start"]:
            clock["start"] = time.monotonic()
        start = clock["start"]
        await ws.send(_snapshot(int(clock["seq"])))
        beat = time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            target = int(rate * elapsed)
            ts = _now()
            frames = Frames() if batch else None
            while clock["seq"] < target:
                seq = clock["seq"] = int(clock["seq"]) + 1
                kind, data = (
                    ("agent.status", {"agent": _agent(seq)})
                    if seq % 5 == 0
                    else ("alert.fired", {"alert": _alert(seq)})
                )
                if frames is None:
                    await ws.send(_envelope(seq, kind, data, ts))
                else:
                    frames.add(_envelope(seq, kind, data, ts), seq)
            for message in batched(frames, ts) if frames else ():
                await ws.send(message)
            sent.value = int(clock["seq"])
            if time.monotonic() - beat >= 1.0:
                beat = time.monotonic()
                hb = {"hub_time": _now(), "interval_s": 1.0, "epoch": "storm-bench"}
                hb["recovery"] = None
                await ws.send(_envelope(int(clock["seq"]), "heartbeat", hb, ts))
            await asyncio.sleep(0.01)
        await asyncio.Future()  # stay connected: the console drains what it has

    async def main() -> None:
        async with serve(handle, "127.0.0.1", 0, max_size=None) as server:
            port.value = next(iter(server.sockets)).getsockname()[1]
            await asyncio.Future()

    asyncio.run(main())


def one(rate: int, seconds: float, gc_gen0: int = 0) -> dict[str, Any]:
    """Measure one rate in this process (the console) against a stand-in stream.

    With ``gc_gen0``, the collector is tuned first, as a console could be at start:
    what is loaded is frozen out of collections (``gc.freeze``) and a collection of the
    youngest generation waits for ``gc_gen0`` allocations (default 700)."""
    import gc

    from services.console.settings import load_settings
    from tui.app import WarroomApp

    if gc_gen0:
        gc.freeze()
        gc.set_threshold(gc_gen0, 20, 10)
    else:  # as the console's command does at start, where the checkout does
        try:
            from tui.collector import tune_collector
        except ImportError:
            pass
        else:
            tune_collector()
    collections = {"full": 0, "full_s": 0.0}
    started = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            collections["full"] += 1
            collections["full_s"] += time.perf_counter() - started[0]

    gc.callbacks.append(timed)

    port = multiprocessing.Value("i", 0)
    sent = multiprocessing.Value("q", 0)
    source = multiprocessing.Process(target=_source, args=(rate, seconds, port, sent), daemon=True)
    source.start()
    while not port.value:
        time.sleep(0.01)
    settings = load_settings(
        None,
        env={},
        hub_url=f"http://127.0.0.1:{port.value}",
        token="storm",
        data_dir=Path(tempfile.mkdtemp(prefix="warroom-storm-")),
    )
    app = WarroomApp(settings)
    lags: list[float] = []
    behind = 0

    async def run() -> tuple[int, float, float]:
        nonlocal behind
        async with app.run_test(size=(120, 40), headless=True) as pilot:
            stop = False

            async def lag() -> None:
                while not stop:
                    t = time.monotonic()
                    await asyncio.sleep(0.05)
                    lags.append(time.monotonic() - t - 0.05)

            probe = asyncio.create_task(lag())
            # Polled: the console's state offers no event to await.
            while app.state.last_seq is None:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            cpu0, t0 = time.process_time(), time.monotonic()
            applied0 = app.state.last_seq or 0
            while time.monotonic() - t0 < seconds:
                await pilot.press("down")
                await asyncio.sleep(0.25)
                behind = max(behind, sent.value - (app.state.last_seq or 0))
            took, cpu = time.monotonic() - t0, time.process_time() - cpu0
            applied = (app.state.last_seq or 0) - applied0
            stop = True
            await probe
            return applied, took, cpu

    applied, took, cpu = asyncio.run(run())
    resyncs = app.state.status.counters.resyncs
    coalesced = getattr(app.state, "coalesced", 0)
    source.kill()
    lags.sort()
    return {
        "rate": rate,
        "offered": sent.value / seconds,
        "applied": applied / took,
        "p50": 1000 * lags[len(lags) // 2] if lags else 0.0,
        "p99": 1000 * lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else 0.0,
        "behind": behind,
        "cpu_us": 1e6 * cpu / applied if applied else 0.0,
        "resyncs": resyncs,
        "coalesced": coalesced,
        "full_gc": collections["full"],
        "full_gc_ms": 1000 * collections["full_s"],
    }


def main(argv: list[str] | None = None) -> int:
    """Run each rate (for each checkout, in a subprocess of its own), print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1000,5000,10000", help="events per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per rate")
    parser.add_argument("--src", action="append", default=[], metavar="LABEL=DIR")
    parser.add_argument(
        "--gc-gen0",
        default="0",
        help="also measure the last checkout with the console's collector tuned "
        "(gc.freeze at start, gen0 threshold N; 0: only as shipped)",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.seconds, int(args.gc_gen0))))
        return 0
    from benchmarks.common.checkouts import run_in, sources

    checkouts = [(label, src, "0") for label, src in sources(args.src, ROOT)]
    if args.gc_gen0 != "0":
        label, src, _ = checkouts[-1]
        checkouts.append((f"{label} gc {args.gc_gen0}", src, args.gc_gen0))
    rows = []
    for rate in args.rates.split(","):
        for label, src, gen0 in checkouts:
            command = [sys.executable, __file__, "--one", rate, "--seconds", str(args.seconds)]
            result = run_in(src, [*command, "--gc-gen0", gen0])
            if result is None:
                return 1
            rows.append((label, result))
    print(f"load average: {os.getloadavg()[0]:.2f} (nproc {os.cpu_count()})")
    print(
        "| source | offered ev/s | applied ev/s | lag p50 ms | lag p99 ms | behind max "
        "| µs/event | coalesced | re-syncs | full GCs | full GC ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in rows:
        print(
            f"| {label} | {r['offered']:,.0f} | {r['applied']:,.0f} | {r['p50']:.0f} "
            f"| {r['p99']:.0f} | {r['behind']:,} | {r['cpu_us']:.0f} "
            f"| {r.get('coalesced', 0):,} | {r.get('resyncs', 0)} "
            f"| {r.get('full_gc', 0)} | {r.get('full_gc_ms', 0):,.0f} |"
        )
    return 0


if __name__ == "__main__":
    # A checkout named by PYTHONPATH (--src) must not be shadowed by this one.
    if not os.environ.get("PYTHONPATH"):
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
