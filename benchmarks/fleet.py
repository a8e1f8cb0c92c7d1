"""A fleet heartbeating: N agents, each once a second, into one hub.

The hub runs in its own process (so its CPU is its own, read from /proc), once
with uvicorn's fast paths (httptools, uvloop: ``fast_io``) and once with the
pure-Python parser h11 and asyncio's loop, interleaved in the same run. The
agents are simulated by one client process over keep-alive HTTP/1.1
connections with hand-written requests (a full HTTP client would be the
bottleneck, not the hub). Latency counts from when a heartbeat was due, so a
hub that falls behind shows it.

    .venv/bin/python benchmarks/fleet.py
    .venv/bin/python benchmarks/fleet.py --agents 1000,5000 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "fleet-bench-agent"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Outcome:
    """What one (hub mode, fleet size) run measured."""

    mode: str
    agents: int
    seconds: float
    answered: int
    failed: int
    latencies: list[float]
    hub_cpu_s: float
    elapsed: float = 0.0  # wall time of the run, lead-in and tail included

    def row(self) -> str:
        """One Markdown table row."""
        lat = sorted(self.latencies) or [0.0]
        p50 = lat[len(lat) // 2] * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rate = self.answered / self.seconds
        cpu = 100 * self.hub_cpu_s / (self.elapsed or self.seconds)
        per = 1e6 * self.hub_cpu_s / self.answered if self.answered else 0.0
        return (
            f"| {self.mode} | {self.agents:,} | {self.agents:,} | {rate:,.0f} | {self.failed} "
            f"| {p50:.1f} | {p99:.1f} | {cpu:.0f} % | {per:.0f} |"
        )


HEADER = (
    "| hub I/O | agents | offered/s | answered/s | failed | p50 ms | p99 ms | hub CPU | µs/beat |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def _hub_code(folder: str, fast: bool) -> str:
    return (
        "import sys\n"
        "from pathlib import Path\n"
        "from services.hub.config import AGENTOS_PACKS, HubConfig, TokenEntry\n"
        "from services.hub.server import HubServer\n"
        f"config = HubConfig(host='127.0.0.1', port=0, data_dir=Path({folder!r}),\n"
        "    packs=list(AGENTOS_PACKS), agent_timeout_s=3600,\n"
        f"    tokens=[TokenEntry({TOKEN!r}, 'fleet', 'agent')], fast_io={fast!r})\n"
        "server = HubServer(config)\n"
        "print(server.start(), flush=True)\n"
        "sys.stdin.read()\n"
        "server.stop()\n"
    )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _request(host: str, agent: int) -> bytes:
    body = json.dumps(
        {
            "pack": "support",
            "state": "running",
            "run_id": f"run-{agent}",
            "tool_calls_per_min": 10,
            "tokens_per_min": 1000,
        }
    ).encode()
    head = (
        f"POST /api/agents/fleet-{agent}/heartbeat HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return int(status_line.split()[1]) if status_line else 0


async def _connection(
    url: str, agents: list[int], total: int, start: float, seconds: float, out: Outcome
) -> None:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    requests = {agent: _request(f"{host}:{port}", agent) for agent in agents}
    beat = 0
    try:
        while True:
            for agent in agents:
                due = start + beat + agent / total
                if due >= start + seconds:
                    return
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(requests[agent])
                status = await _read_response(reader)
                if status == 200:
                    out.answered += 1
                    out.latencies.append(time.monotonic() - due)
                else:
                    out.failed += 1
            beat += 1
    finally:
        writer.close()


async def _drive(url: str, total: int, seconds: float, connections: int, out: Outcome) -> None:
    start = time.monotonic() + 0.5
    groups = [list(range(i, total, connections)) for i in range(min(connections, total))]
    await asyncio.gather(*(_connection(url, g, total, start, seconds, out) for g in groups))


def run(mode: str, agents: int, seconds: float, connections: int) -> Outcome:
    """Start a hub (``mode``: fast or plain), heartbeat ``agents`` at 1 Hz, measure."""
    folder = tempfile.mkdtemp(prefix="warroom-fleet-")
    hub = subprocess.Popen(
        [sys.executable, "-c", _hub_code(folder, mode == "fast")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert hub.stdout is not None and hub.stdin is not None
    url = hub.stdout.readline().decode().strip()
    out = Outcome(mode, agents, seconds, 0, 0, [], 0.0)
    try:
        # One warm-up second: every agent's first heartbeat (new agent, an event each).
        asyncio.run(_drive(url, agents, 1.0, connections, Outcome(mode, agents, 1, 0, 0, [], 0)))
        cpu = _cpu_seconds(hub.pid)
        began = time.monotonic()
        asyncio.run(_drive(url, agents, seconds, connections, out))
        out.elapsed = time.monotonic() - began
        out.hub_cpu_s = _cpu_seconds(hub.pid) - cpu
    finally:
        hub.stdin.close()
        hub.wait(timeout=30)
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse the flags, run each fleet size with both hub modes, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="1000,5000", help="fleet sizes, e.g. 1000,5000")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds measured")
    parser.add_argument("--connections", type=int, default=100, help="keep-alive connections")
    parser.add_argument("--modes", default="plain,fast", help="plain (h11, asyncio), fast")
    args = parser.parse_args(argv)
    outcomes = [
        run(mode, int(n), args.seconds, args.connections)
        for n in args.agents.split(",")
        for mode in args.modes.split(",")
    ]
    print(f"load average: {os.getloadavg()[0]:.2f} (nproc {os.cpu_count()})")
    print(HEADER)
    for outcome in outcomes:
        print(outcome.row())
    if outcomes and not any(o.answered for o in outcomes):
        print("no heartbeat was answered", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
