"""A fleet heartbeating: N agents, each once a second, into one hub.

The hub runs in its own process (so its CPU is its own, read from /proc), once
with uvicorn's fast paths (httptools, uvloop: ``fast_io``) and once with the
pure-Python parser h11 and asyncio's loop, interleaved in the same run. The
agents are simulated by one client process over keep-alive HTTP/1.1
connections with hand-written requests (a full HTTP client would be the
bottleneck, not the hub). Latency counts from when a heartbeat was due, so a
hub that falls behind shows it.

With ``--console AGENTS:ALERTS`` (e.g. ``5000:1000``) it then measures the
console against such a hub: the hub is filled (every agent heartbeats, the
alerts arrive by the Alertmanager webhook), the console starts headless, and
it reports the time from start to the first live frame (the snapshot applied
and the dashboard drawn with it) and until the Packs table holds all its rows,
the longest the console's event loop was blocked until each, and key-to-screen
latency on the Packs table for ``down``, ``pagedown``, ``pageup``, ``up`` and
``tab`` (press to processed and refreshed) while the agents keep heartbeating,
with the longest full garbage collection meanwhile. A size ending in ``+A``
(``120x40+A``) presses ``A`` at start: the agents listed where the panel would
summarise the packs (from 160 columns they are listed anyway).

    .venv/bin/python benchmarks/fleet.py
    .venv/bin/python benchmarks/fleet.py --agents 1000,5000 --seconds 20
    .venv/bin/python benchmarks/fleet.py --console 5000:1000 --sizes 120x40,120x40+A,200x60 \
        --src before=/tmp/main-checkout --src after=.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# A checkout named by PYTHONPATH (--src, for the console) must not be shadowed by this one.
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT))

TOKEN = "fleet-bench-agent"
VIEWER = "fleet-bench-viewer"
INGEST = "fleet-bench-ingest"
MAX_FLEET = 20_000
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
        f"FLEET = tuple(f'fleet-{{n}}' for n in range({MAX_FLEET}))\n"
        f"config = HubConfig(host='127.0.0.1', port=0, data_dir=Path({folder!r}),\n"
        "    packs=list(AGENTOS_PACKS), agent_timeout_s=3600,\n"
        # Bound to its agents: an unbound agent token may report at most 500 of them.
        f"    tokens=[TokenEntry({TOKEN!r}, 'fleet', 'agent', agents=FLEET),\n"
        f"        TokenEntry({VIEWER!r}, 'bench', 'incident-commander'),\n"
        f"        TokenEntry({INGEST!r}, 'am', 'ingest')], fast_io={fast!r})\n"
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


def _fill_alerts(url: str, alerts: int) -> None:
    """``alerts`` firing alerts, by the Alertmanager webhook, 50 a payload."""
    import httpx

    from services.simulator.scenarios import SimAlert, alertmanager_payload
    from services.simulator.simulator import PACKS

    made = [
        SimAlert(
            alertname=f"Rate{n % 40}",
            pack=PACKS[n % len(PACKS)],
            agent=f"fleet-{n}",
            severity=("critical", "warning")[n % 2],
            summary=f"tool-call rate above threshold on fleet-{n}",
            description="fleet benchmark",
            starts_at="2026-11-30T12:00:00.000Z",
        )
        for n in range(alerts)
    ]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {INGEST}"}) as client:
        for start in range(0, len(made), 50):
            group = made[start : start + 50]
            by_pack: dict[str, list[SimAlert]] = {}
            for alert in group:
                by_pack.setdefault(alert.pack, []).append(alert)
            for items in by_pack.values():
                answer = client.post("/api/ingest/alertmanager", json=alertmanager_payload(items))
                answer.raise_for_status()


def _beat(url: str, agents: int) -> None:
    asyncio.run(_drive(url, agents, 3600, 100, Outcome("fast", agents, 1, 0, 0, [], 0)))


# Each moves the cursor of the Packs table (or, for tab, the focus) from where the last left
# it, whether the table holds 7 rows or 5,007.
KEYS = ("down", "down", "pagedown", "up", "pageup", "down", "tab")


async def _key_latency(app: Any, n: int) -> float:
    """Send one key as the terminal would; the time until the screen's state follows it
    (the cursor moved, or the focus did for ``tab``), polled every 2 ms."""
    from textual import events

    key = KEYS[n % len(KEYS)]
    focused = app.focused
    row = getattr(focused, "cursor_row", None)
    pressed = time.monotonic()
    event = events.Key(key, None)
    event.set_sender(app)
    app._driver.send_message(event)

    def moved() -> bool:
        if key == "tab":
            return app.focused is not focused
        return getattr(app.focused, "cursor_row", None) != row

    while not moved() and time.monotonic() - pressed < 5.0:  # noqa: ASYNC110
        await asyncio.sleep(0.002)
    took = time.monotonic() - pressed
    if took >= 5.0:
        print(f"key {key} #{n}: no effect seen (focus {app.focused!r})", file=sys.stderr)
    await asyncio.sleep(0.05)
    if key == "tab":
        app.set_focus(focused)  # back to the table for the next keys
        await asyncio.sleep(0.02)
    return took


def _full_collections(
    pauses: list[float], started: list[float], phase: str, info: dict[str, int]
) -> None:
    """A ``gc.callbacks`` hook: how long each full (generation 2) collection took."""
    if phase == "start":
        started[0] = time.perf_counter()
    elif info["generation"] == 2:
        pauses.append(time.perf_counter() - started[0])


def console_start(
    agents: int, alerts: int, size: tuple[int, int], keys: int, agents_view: bool = False
) -> dict[str, float]:
    """Start the console against a hub holding ``agents`` and ``alerts``; time it
    (``agents_view``: with ``A`` pressed at start, the agents listed)."""
    from services.console.settings import ConsoleSettings
    from tui.app import WarroomApp
    from widgets.agent_table import AgentTable

    folder = tempfile.mkdtemp(prefix="warroom-fleet-")
    hub = subprocess.Popen(
        [sys.executable, "-c", _hub_code(folder, True)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert hub.stdout is not None and hub.stdin is not None
    url = hub.stdout.readline().decode().strip()
    result: dict[str, float] = {}
    try:
        asyncio.run(_drive(url, agents, 1.0, 100, Outcome("fast", agents, 1, 0, 0, [], 0)))
        _fill_alerts(url, alerts)
        settings = ConsoleSettings(hub_url=url, token=VIEWER, data_dir=Path(folder) / "console")

        async def measure() -> None:
            began = time.monotonic()
            app = WarroomApp(settings)
            stalls: list[float] = []
            stop = False

            async def probe() -> None:
                while not stop:
                    tick = time.monotonic()
                    await asyncio.sleep(0.01)
                    stalls.append(time.monotonic() - tick - 0.01)

            async with app.run_test(size=size, headless=True) as pilot:
                probing = asyncio.create_task(probe())
                if agents_view:
                    await pilot.press("A")
                # Polled: the console's state offers no event to await.
                while len(app.state.agents) < agents:  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
                table = app.dashboard.query_one(AgentTable)
                while table.row_count == 0 or app.state.dirty:  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
                await pilot.pause()
                result["live_s"] = time.monotonic() - began
                result["rows"] = table.row_count
                result["stall_max_ms"] = 1000 * max(stalls, default=0.0)
                while not table.complete:  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
                await pilot.pause()
                result["all_rows_s"] = time.monotonic() - began
                result["fill_stall_max_ms"] = 1000 * max(stalls, default=0.0)
                # The fleet heartbeats from another process: the console's loop is its own.
                beating = multiprocessing.Process(target=_beat, args=(url, agents), daemon=True)
                beating.start()
                await asyncio.sleep(1.0)
                app.set_focus(table)
                collections: list[float] = []
                hook = partial(_full_collections, collections, [0.0])
                gc.callbacks.append(hook)
                latencies = [await _key_latency(app, n) for n in range(keys)]
                gc.callbacks.remove(hook)
                result["gc_max_ms"] = 1000 * max(collections, default=0.0)
                result["frozen"] = gc.get_freeze_count()
                beating.kill()
                latencies.sort()
                result["key_p50_ms"] = 1000 * latencies[len(latencies) // 2]
                at99 = min(len(latencies) - 1, int(len(latencies) * 0.99))
                result["key_p99_ms"] = 1000 * latencies[at99]
                result["final_rows"] = table.row_count
                stop = True
                await probing

        asyncio.run(measure())
    finally:
        hub.stdin.close()
        hub.wait(timeout=30)
    return result


def _console_table(console: str, sizes: str, keys: int, src: list[str]) -> int:
    """Each size for each checkout's console (a process each), against this hub."""
    agents, alerts = (int(n) for n in console.split(":"))
    sources = [tuple(s.split("=", 1)) for s in src] or [("this", str(ROOT))]
    rows = []
    for size in sizes.split(","):
        for label, folder in sources:
            command = [sys.executable, __file__, "--one-console", "--console", console]
            done = subprocess.run(
                [*command, "--sizes", size, "--keys", str(keys)],
                env={**os.environ, "PYTHONPATH": str(Path(folder).resolve())},
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode:
                print(done.stderr[-3000:], file=sys.stderr)
                return 1
            rows.append((label, size, json.loads(done.stdout.strip().splitlines()[-1])))
    print(f"load average: {os.getloadavg()[0]:.2f} (nproc {os.cpu_count()})")
    print(
        "| source | agents | alerts | size | start → live frame s | longest stall ms "
        "| rows at live | → all rows s | longest stall ms | rows after "
        "| key p50 ms | key p99 ms | longest full GC ms |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, size, r in rows:
        print(
            f"| {label} | {agents:,} | {alerts:,} | {size} | {r['live_s']:.2f} "
            f"| {r['stall_max_ms']:.0f} | {r['rows']:,.0f} | {r['all_rows_s']:.2f} "
            f"| {r['fill_stall_max_ms']:.0f} | {r['final_rows']:,.0f} "
            f"| {r['key_p50_ms']:.0f} | {r['key_p99_ms']:.0f} | {r['gc_max_ms']:.0f} |"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the flags, run each fleet size with both hub modes, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="1000,5000", help="fleet sizes, e.g. 1000,5000")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds measured")
    parser.add_argument("--connections", type=int, default=100, help="keep-alive connections")
    parser.add_argument("--modes", default="plain,fast", help="plain (h11, asyncio), fast")
    parser.add_argument("--console", default="", help="AGENTS:ALERTS, e.g. 5000:1000")
    parser.add_argument(
        "--sizes", default="120x40,120x40+A,200x60", help="console sizes (+A: agents listed)"
    )
    parser.add_argument("--keys", type=int, default=60, help="key presses measured")
    parser.add_argument("--src", action="append", default=[], metavar="LABEL=DIR")
    parser.add_argument("--one-console", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_console:
        agents, alerts = (int(n) for n in args.console.split(":"))
        size, _, view = args.sizes.partition("+")
        width, height = (int(n) for n in size.split("x"))
        started = console_start(agents, alerts, (width, height), args.keys, view == "A")
        print(json.dumps(started))
        return 0
    if args.console:
        return _console_table(args.console, args.sizes, args.keys, args.src)
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
