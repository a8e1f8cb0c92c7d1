"""A fleet heartbeating: N agents, each once a second, into one hub.

The hub runs in its own process (so its CPU is its own, read from /proc), once
with uvicorn's fast paths (httptools, uvloop: ``fast_io``) and once with the
pure-Python parser h11 and asyncio's loop, interleaved in the same run. The
agents are simulated by ``--workers`` client processes (default 2, on uvloop)
over keep-alive HTTP/1.1 connections with hand-written requests, each
connection an asyncio protocol that parses answers with buffer searches (a
full HTTP client, or even asyncio's stream reader, would be the bottleneck,
not the hub); their CPU per heartbeat is printed beside the hub's. Latency
counts from when a heartbeat was due, so a hub that falls behind shows it.

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
    load_cpu_s: float = 0.0  # the load generator's processes

    def row(self) -> str:
        """One Markdown table row."""
        lat = sorted(self.latencies) or [0.0]
        p50 = lat[len(lat) // 2] * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rate = self.answered / self.seconds
        cpu = 100 * self.hub_cpu_s / (self.elapsed or self.seconds)
        per = 1e6 * self.hub_cpu_s / self.answered if self.answered else 0.0
        load = 1e6 * self.load_cpu_s / self.answered if self.answered else 0.0
        return (
            f"| {self.mode} | {self.agents:,} | {self.agents:,} | {rate:,.0f} | {self.failed} "
            f"| {p50:.1f} | {p99:.1f} | {cpu:.0f} % | {per:.0f} | {load:.0f} |"
        )


HEADER = (
    "| hub I/O | agents | offered/s | answered/s | failed | p50 ms | p99 ms | hub CPU | µs/beat "
    "| load µs/beat |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
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


class _Beater(asyncio.Protocol):
    """One keep-alive connection heartbeating its agents, each once a second.

    A protocol rather than a stream reader: parsing the answer with buffer
    searches keeps the generator's cost per heartbeat a fraction of the hub's.
    """

    def __init__(self, agents: list[int], total: int, start: float, end: float) -> None:
        self.agents = agents
        self.total = total
        self.start = start
        self.end = end
        self.requests: dict[int, bytes] = {}
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.index = 0
        self.beat = 0
        self.due = 0.0
        self.sent = 0.0  # time.monotonic() it was due, or sent if that was earlier
        # The loop's clock (uvloop's: whole milliseconds) schedules; latency is read
        # on time.monotonic(), from the due time, or from the send if the timer fired early.
        self.offset = time.monotonic() - asyncio.get_running_loop().time()
        self.answered = 0
        self.failed = 0
        self.latencies: list[float] = []
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not asyncio's class
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)

    def _next(self) -> None:
        if self.index == len(self.agents):
            self.index = 0
            self.beat += 1
        agent = self.agents[self.index]
        self.due = self.start + self.beat + agent / self.total
        if self.due >= self.end:
            assert self.transport is not None
            self.transport.close()
            return
        loop = asyncio.get_running_loop()
        loop.call_at(self.due, self._send, agent)

    def _send(self, agent: int) -> None:
        self.sent = min(time.monotonic(), self.due + self.offset)
        assert self.transport is not None
        self.transport.write(self.requests[agent])

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = self.buffer[:head_end].lower()
        at = head.find(b"content-length:")
        length = 0
        if at >= 0:
            line_end = head.find(b"\r\n", at)
            length = int(head[at + 15 : line_end if line_end >= 0 else len(head)])
        if len(self.buffer) < head_end + 4 + length:
            return
        status = int(self.buffer[9:12])
        self.buffer = self.buffer[head_end + 4 + length :]
        if status == 200:
            self.answered += 1
            self.latencies.append(time.monotonic() - self.sent)
        else:
            self.failed += 1
        self.index += 1
        self._next()


async def _drive_part(
    url: str, total: int, start_wall: float, seconds: float, groups: list[list[int]]
) -> tuple[int, int, list[float]]:
    host, port = url.removeprefix("http://").split(":")
    loop = asyncio.get_running_loop()
    start = loop.time() + (start_wall - time.time())
    beaters = []
    for agents in groups:
        beater = _Beater(agents, total, start, start + seconds)
        beater.requests = {agent: _request(f"{host}:{port}", agent) for agent in agents}
        await loop.create_connection(lambda b=beater: b, host, int(port))
        beaters.append(beater)
    await asyncio.gather(*(b.done for b in beaters))
    latencies = [lat for b in beaters for lat in b.latencies]
    return sum(b.answered for b in beaters), sum(b.failed for b in beaters), latencies


def _worker(
    url: str, total: int, start_wall: float, seconds: float, groups: list[list[int]], pipe: Any
) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # the project depends on uvloop; a bare checkout may not
        pass
    pipe.send(asyncio.run(_drive_part(url, total, start_wall, seconds, groups)))
    pipe.close()


async def _drive(url: str, total: int, seconds: float, connections: int, out: Outcome) -> None:
    """Heartbeat ``total`` agents for ``seconds`` from this process's loop."""
    groups = [list(range(i, total, connections)) for i in range(min(connections, total))]
    answered, failed, latencies = await _drive_part(url, total, time.time() + 0.5, seconds, groups)
    out.answered += answered
    out.failed += failed
    out.latencies.extend(latencies)


def _drive_fleet(
    url: str, total: int, seconds: float, connections: int, workers: int, out: Outcome
) -> None:
    """Heartbeat ``total`` agents for ``seconds`` from ``workers`` processes."""
    groups = [list(range(i, total, connections)) for i in range(min(connections, total))]
    start_wall = time.time() + 1.0
    context = multiprocessing.get_context("fork")
    procs = []
    for w in range(workers):
        mine = groups[w::workers]
        if not mine:
            continue
        ours, theirs = context.Pipe(duplex=False)
        proc = context.Process(target=_worker, args=(url, total, start_wall, seconds, mine, theirs))
        proc.start()
        procs.append((proc, ours))
    children = os.times()
    for proc, pipe in procs:
        answered, failed, latencies = pipe.recv()
        proc.join()
        out.answered += answered
        out.failed += failed
        out.latencies.extend(latencies)
    after = os.times()
    out.load_cpu_s += after.children_user + after.children_system
    out.load_cpu_s -= children.children_user + children.children_system


def run(mode: str, agents: int, seconds: float, connections: int, workers: int = 2) -> Outcome:
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
        _drive_fleet(url, agents, 1.0, connections, workers, Outcome(mode, agents, 1, 0, 0, [], 0))
        cpu = _cpu_seconds(hub.pid)
        began = time.monotonic()
        _drive_fleet(url, agents, seconds, connections, workers, out)
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
    from widgets.alert_feed import AlertFeed

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
                feed = app.dashboard.query_one(AlertFeed)
                # Drawn with the snapshot: its agents and its alerts on screen. (Not
                # "nothing dirty": a console paces the feed's later redraws.)
                while table.row_count == 0 or feed.row_count == 0:  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
                # Read before the pilot waits for the app to go idle: that wait runs on
                # through the chunked fill of the rest of the rows (timed next).
                result["live_s"] = time.monotonic() - began
                result["rows"] = table.row_count
                await pilot.pause()
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
    from benchmarks.common.checkouts import run_in, sources

    rows = []
    for size in sizes.split(","):
        for label, folder in sources(src, ROOT):
            command = [sys.executable, __file__, "--one-console", "--console", console]
            result = run_in(folder, [*command, "--sizes", size, "--keys", str(keys)])
            if result is None:
                return 1
            rows.append((label, size, result))
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
    parser.add_argument("--workers", type=int, default=2, help="load generator processes")
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
        run(mode, int(n), args.seconds, args.connections, args.workers)
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
