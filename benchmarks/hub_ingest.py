"""The hub under an Alertmanager storm: throughput, latency, memory and disk writes.

Starts a real hub (uvicorn on an ephemeral loopback port, in this process) on a
temporary data dir with fsync on, then POSTs ``--payloads`` webhook bodies of
``--alerts`` alerts each, spread over the 7 AgentOS packs, from ``--concurrency``
senders, and prints one table row per scenario:

* ``repeat`` — Alertmanager re-sending a steady set of firing alerts (350
  distinct, so after the first payloads nearly every alert is a repeat of a
  linked alert: the common storm);
* ``new`` — every alert in every payload is new (the worst case: every payload
  attaches alerts to incidents and writes the timeline).

``writes`` counts whole-file rewrites of the hub's TinyDB file (``TinyHubStore.
writes``); RSS is this process's (hub and senders together), from
``/proc/self/status``. Bounded: it sends exactly what it is told, then stops.

    .venv/bin/python benchmarks/hub_ingest.py            # both scenarios, N=2000
    .venv/bin/python benchmarks/hub_ingest.py --payloads 200 --scenario new
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.hub.config import AGENTOS_PACKS, HubConfig, TokenEntry
from services.hub.server import HubServer
from storage.hub_store import TinyHubStore

TOKEN = "bench-ingest"
# The hub logs each escalation at WARNING; a storm of them is not what is measured.
logging.getLogger("warroom.hub").setLevel(logging.ERROR)
ALERTNAMES = ("RunawayAgent", "RateLimitBreach", "ToolErrorRateHigh", "IncorrectOutput")
REPEAT_POOL = 350


def rss_mib() -> float:
    """This process's resident set size, in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _alert(index: int) -> dict[str, Any]:
    pack = AGENTOS_PACKS[index % len(AGENTOS_PACKS)]
    name = ALERTNAMES[(index // len(AGENTOS_PACKS)) % len(ALERTNAMES)]
    return {
        "status": "firing",
        "labels": {"alertname": name, "pack": pack, "agent": f"{pack}-agent-{index % 13}"},
        "annotations": {"summary": f"{name} on {pack} #{index}"},
        "startsAt": "2026-11-25T17:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": f"{index:016x}",
    }


def payloads(scenario: str, count: int, per: int) -> Iterator[dict[str, Any]]:
    """Webhook bodies (version 4) for the scenario."""
    for number in range(count):
        if scenario == "new":
            indexes = range(number * per, (number + 1) * per)
        else:
            indexes = range(number * per % REPEAT_POOL, number * per % REPEAT_POOL + per)
        yield {
            "version": "4",
            "groupKey": f"bench-{number % 7}",
            "status": "firing",
            "receiver": "warroom",
            "alerts": [_alert(i % REPEAT_POOL if scenario == "repeat" else i) for i in indexes],
        }


async def _send(url: str, bodies: list[dict[str, Any]], concurrency: int) -> list[float]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {TOKEN}"}

    async def sender(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            answer = await client.post("/api/ingest/alertmanager", json=body)
            latencies.append(time.perf_counter() - started)
            answer.raise_for_status()

    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        await asyncio.gather(*(sender(client) for _ in range(concurrency)))
    return latencies


def run(scenario: str, count: int, per: int, concurrency: int) -> dict[str, Any]:
    """One scenario on a fresh hub; the row of the table."""
    bodies = list(payloads(scenario, count, per))
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as folder:
        store = TinyHubStore(folder, fsync=True)
        config = HubConfig(
            host="127.0.0.1",
            port=0,
            data_dir=Path(folder),
            tokens=[TokenEntry(TOKEN, "alertmanager", "ingest")],
        )
        server = HubServer(config, store=store)
        url = server.start()
        try:
            rss_before, writes_before = rss_mib(), store.writes
            started = time.perf_counter()
            latencies = asyncio.run(_send(url, bodies, concurrency))
            elapsed = time.perf_counter() - started
            rss_after, writes = rss_mib(), store.writes - writes_before
            state = server.app.state.ctx.state
            incidents = len(state.incidents.all())
            entries = sum(len(state.incidents.timeline(i.id)) for i in state.incidents.all())
        finally:
            server.stop()
            store.close()
        size_kib = (Path(folder) / "hub.json").stat().st_size / 1024
    ordered = sorted(latencies)
    return {
        "scenario": scenario,
        "payloads/s": count / elapsed,
        "alerts/s": count * per / elapsed,
        "p50 ms": statistics.median(ordered) * 1000,
        "p99 ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "RSS MiB": f"{rss_before:.0f} → {rss_after:.0f}",
        "writes": writes,
        "incidents": incidents,
        "entries": entries,
        "file KiB": size_kib,
    }


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of the rows."""
    columns = list(rows[0])

    def cell(value: Any) -> str:
        return f"{value:,.1f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payloads", type=int, default=2000, help="webhook bodies per scenario")
    parser.add_argument("--alerts", type=int, default=50, help="alerts per body")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent senders")
    parser.add_argument("--scenario", choices=("repeat", "new", "both"), default="both")
    args = parser.parse_args(argv)
    scenarios = ("repeat", "new") if args.scenario == "both" else (args.scenario,)
    rows = [run(s, args.payloads, args.alerts, args.concurrency) for s in scenarios]
    print(
        f"hub ingest: {args.payloads} payloads x {args.alerts} alerts, "
        f"{len(AGENTOS_PACKS)} packs, {args.concurrency} senders, loopback, fsync on\n"
    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
