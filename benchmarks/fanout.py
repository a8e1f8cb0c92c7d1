"""Fan-out: one hub, many stream clients, 1,000 events a second, one client stalled.

The hub runs in its own process (its CPU read from /proc); inside it a task
appends ``alert.fired`` events to the hub's event log at the offered rate, as
the Alertmanager ingest would, each stamped with the wall clock it was made at.
The clients connect to ``/api/stream`` as consoles do:

* a few *probes* (``websockets``, as the console: permessage-deflate offered)
  decode every frame and measure delivery (receipt minus the event's stamp);
* the rest are *drainers*: they offer permessage-deflate too, so the hub
  compresses for each of them as for a console, and read every byte without
  decoding (200 decoding clients would measure the load generator, not the hub);
* with ``--stalled``, one client says hello and then never reads: the hub must
  close it (1013, its queue is bounded in bytes) without slowing the others.

Per row: events accepted per second (appended by the hub's own loop, which a
saturated hub cannot keep to the rate), delivery p50/p99 over the probes' frames,
the frames the probes missed, drainers the hub dropped, clients closed as too
slow (1013, from the hub's ``/health`` counters), hub CPU and CPU per event.

Every client asks for batch messages in its hello (``--batch no``: single frames),
as the console does; a hub that does not batch sends single frames anyway, and the
probes time each event of a batch at the batch's receipt. ``probe messages`` counts
the websocket messages the probes received. ``--compression yes,no`` runs the hub
with ``stream_compression`` on and off (the clients offer permessage-deflate either
way: on means it is negotiated, as for a console far from the hub; off, as for a
console beside it, which does not offer it). ``--profile DIR`` writes a cProfile of
the hub's event loop while events are appended, one file per row.

``--src LABEL=DIR`` (repeatable) runs other checkouts' hubs in the same run,
interleaved: each row's hub imports its checkout (its process starts outside
this one, so ``-c`` does not put this checkout first on its path).

    .venv/bin/python benchmarks/fanout.py
    .venv/bin/python benchmarks/fanout.py --clients 50,200 --rate 1000 --seconds 15
    .venv/bin/python benchmarks/fanout.py --compression yes,no --src before=/tmp/main \
        --src after=.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "fanout-bench"
TICKS = os.sysconf("SC_CLK_TCK")
PROBES = 4
DRAINER_PROCESSES = 2


def _hub_code(folder: str, rate: int, compression: bool = True, profile: str = "") -> str:
    """The hub process: serve, and on ``go SECONDS`` append ``rate`` events/s, print the count.

    With ``profile``, the hub's event loop runs under cProfile while events are appended
    (its stats written to that file)."""
    return f"""
import asyncio, cProfile, json, sys, threading, time
from pathlib import Path
from services.hub.config import AGENTOS_PACKS, HubConfig, TokenEntry
from services.hub.server import HubServer

go = threading.Event()
plan = {{}}

async def inject(url):
    ctx = server.app.state.ctx
    while not go.is_set():
        await asyncio.sleep(0.01)
    seconds = plan["seconds"]
    profiler = cProfile.Profile() if {profile!r} else None
    if profiler is not None:
        profiler.enable()  # the loop's thread: every task and callback of the hub
    start = time.monotonic()
    n = 0
    while (elapsed := time.monotonic() - start) < seconds:
        while n < int({rate} * elapsed):
            n += 1
            key = n % 2000
            alert = {{"fingerprint": f"fp-{{key}}", "status": "firing", "severity": "SEV2",
                "category": "runaway_agent", "title": f"Tool-call rate above threshold #{{key}}",
                "started_at": "2026-11-30T12:00:00.000Z", "pack": "support",
                "agent": f"agent-{{n % 200}}", "repeat_count": n, "labels": {{"alertname": "Rate"}},
                "annotations": {{}}, "source": "alertmanager", "t": time.time()}}
            ctx.events.append("alert.fired", {{"alert": alert}})
        await asyncio.sleep(0.005)
    plan["accepted"] = n
    plan["took"] = time.monotonic() - start
    if profiler is not None:
        await asyncio.sleep(0.5)  # the last frames in flight
        profiler.disable()
        profiler.dump_stats({profile!r})
    plan["done"] = True

config = HubConfig(host="127.0.0.1", port=0, data_dir=Path({folder!r}),
    packs=list(AGENTOS_PACKS), tokens=[TokenEntry({TOKEN!r}, "fanout", "viewer")],
    heartbeat_interval_s=1.0, stream_compression={compression!r})
server = HubServer(config, background=inject)
print(server.start(), flush=True)
for line in sys.stdin:
    if line.startswith("go "):
        plan["seconds"] = float(line.split()[1])
        go.set()
        while not plan.get("done"):
            time.sleep(0.05)
        print(json.dumps({{"accepted": plan["accepted"], "took": plan["took"]}}), flush=True)
        break
sys.stdin.read()
server.stop()
"""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def _raw_connect(
    host: str, port: int, deflate: bool, batch: bool, rcvbuf: int | None = None
) -> tuple[Any, Any]:
    """A websocket handshake by hand, and the hello: a client that costs nothing per frame."""
    sock = socket.socket()
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    extension = (
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        if deflate
        else ""
    )
    writer.write(
        (
            f"GET /api/stream HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"{extension}Authorization: Bearer {TOKEN}\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"handshake refused: {head[:80]!r}")
    payload = json.dumps({"type": "hello", "resume_from": None, "batch": batch}).encode()
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    writer.write(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    await writer.drain()
    return reader, writer


def _drainers(
    url: str, count: int, deflate: bool, batch: bool, ready: Any, stop: Any, out: Any
) -> None:
    """``count`` clients that read every byte and decode nothing; report bytes and closes."""
    host, port = url.removeprefix("http://").split(":")

    async def one(totals: dict[str, int]) -> None:
        reader, writer = await _raw_connect(host, int(port), deflate, batch)
        with ready.get_lock():
            ready.value += 1
        while not stop.is_set():
            chunk = await reader.read(1 << 16)
            if not chunk:
                totals["closed"] += 1
                return
            totals["bytes"] += len(chunk)
        writer.close()

    async def main() -> None:
        totals = {"bytes": 0, "closed": 0}
        tasks = [asyncio.create_task(one(totals)) for _ in range(count)]
        while not stop.is_set():  # noqa: ASYNC110 (another process's event)
            await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        out.put(totals)

    asyncio.run(main())


def _stalled(url: str, batch: bool, ready: Any, stop: Any, out: Any) -> None:
    """One client that says hello and never reads again (the hub counts closing it)."""
    host, port = url.removeprefix("http://").split(":")

    async def main() -> None:
        _, writer = await _raw_connect(host, int(port), True, batch, rcvbuf=4096)
        writer.transport.pause_reading()  # stalled: the kernel's buffers fill, then the hub's queue
        with ready.get_lock():
            ready.value += 1
        while not stop.is_set():  # noqa: ASYNC110 (another process's event)
            await asyncio.sleep(0.05)
        writer.transport.abort()
        out.put({})

    asyncio.run(main())


def _probes(url: str, count: int, batch: bool, ready: Any, stop: Any, out: Any) -> None:
    """``count`` console-like clients (websockets, deflate) timing every alert frame (each
    event of a batch message, when they asked for batches and the hub sends them)."""
    from websockets.asyncio.client import connect

    ws_url = url.replace("http://", "ws://") + "/api/stream"

    async def one(delays: list[float], counts: dict[str, int]) -> None:
        async with connect(
            ws_url, additional_headers={"Authorization": f"Bearer {TOKEN}"}, max_size=None
        ) as ws:
            await ws.send(json.dumps({"type": "hello", "resume_from": None, "batch": batch}))
            await ws.recv()  # the snapshot
            with ready.get_lock():
                ready.value += 1
            last = None
            while not stop.is_set():
                try:
                    async with asyncio.timeout(0.2):
                        raw = await ws.recv()
                except TimeoutError:
                    continue
                message = json.loads(raw)
                now = time.time()
                counts["messages"] += 1
                frames = message["data"]["events"] if message["type"] == "batch" else [message]
                for frame in frames:
                    if frame["type"] != "alert.fired":
                        continue
                    delays.append(now - frame["data"]["alert"]["t"])
                    if last is not None and frame["seq"] != last + 1:
                        counts["missed"] += frame["seq"] - last - 1
                    last = frame["seq"]
                    counts["frames"] += 1

    async def main() -> None:
        delays: list[float] = []
        counts = {"frames": 0, "missed": 0, "messages": 0}
        await asyncio.gather(*(one(delays, counts) for _ in range(count)), return_exceptions=True)
        out.put({"delays": delays, **counts})

    asyncio.run(main())


def run(
    src: str,
    clients: int,
    stalled: bool,
    rate: int,
    seconds: float,
    deflate: bool = True,
    batch: bool = True,
    compression: bool = True,
    profile: str = "",
) -> dict[str, Any]:
    """One hub from checkout ``src``, ``clients`` stream clients (one stalled if asked)."""
    folder = tempfile.mkdtemp(prefix="warroom-fanout-")
    hub = subprocess.Popen(
        [sys.executable, "-c", _hub_code(folder, rate, compression, profile)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(src).resolve())},
        # Not this checkout's folder: ``-c`` puts the working directory first on the
        # path, ahead of PYTHONPATH, and ``before`` would run this checkout's hub.
        cwd=folder,
        text=True,
    )
    assert hub.stdout is not None and hub.stdin is not None
    url = hub.stdout.readline().strip()
    ready = multiprocessing.Value("i", 0)
    stop = multiprocessing.Event()
    out: Any = multiprocessing.Queue()
    probes = min(PROBES, clients - int(stalled))
    drainers = clients - probes - int(stalled)
    procs = [multiprocessing.Process(target=_probes, args=(url, probes, batch, ready, stop, out))]
    per = [drainers // DRAINER_PROCESSES + (i < drainers % DRAINER_PROCESSES) for i in range(2)]
    procs += [
        multiprocessing.Process(target=_drainers, args=(url, n, deflate, batch, ready, stop, out))
        for n in per
        if n
    ]
    if stalled:
        procs.append(multiprocessing.Process(target=_stalled, args=(url, batch, ready, stop, out)))
    for proc in procs:
        proc.start()
    try:
        deadline = time.monotonic() + 60
        while ready.value < clients and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        cpu0, t0 = _cpu_seconds(hub.pid), time.monotonic()
        hub.stdin.write(f"go {seconds}\n")
        hub.stdin.flush()
        result = json.loads(hub.stdout.readline())
        time.sleep(0.5)  # the last frames in flight
        cpu, took = _cpu_seconds(hub.pid) - cpu0, time.monotonic() - t0
        with urllib.request.urlopen(f"{url}/health", timeout=10) as answer:
            counters = json.loads(answer.read())["counters"]
        stop.set()
        reports = [out.get(timeout=30) for _ in procs]
    finally:
        stop.set()
        for proc in procs:
            proc.join(timeout=15)
            if proc.is_alive():
                proc.kill()
        hub.stdin.close()
        hub.wait(timeout=30)
    delays = sorted(d for r in reports for d in r.get("delays", []))
    merged: dict[str, Any] = {}
    for report in reports:
        for key, value in report.items():
            if key != "delays":
                merged[key] = merged.get(key, 0) + value
    return {
        "clients": clients,
        "stalled": stalled,
        "accepted": result["accepted"] / result["took"],
        "p50": 1000 * delays[len(delays) // 2] if delays else 0.0,
        "p99": 1000 * delays[min(len(delays) - 1, int(len(delays) * 0.99))] if delays else 0.0,
        "frames": merged.get("frames", 0),
        "messages": merged.get("messages", 0),
        "missed": merged.get("missed", 0),
        "dropped": merged.get("closed", 0),
        "slow_closed": counters.get("stream_slow_consumer", 0),
        "cpu": 100 * cpu / took,
        "us_per_event": 1e6 * cpu / result["accepted"] if result["accepted"] else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    """Run every (clients, stalled) case for each checkout, interleaved; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="50,200", help="stream clients per run")
    parser.add_argument("--rate", type=int, default=1000, help="events offered per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds measured")
    parser.add_argument("--stalled", default="no,yes", help="runs without/with a stalled client")
    parser.add_argument(
        "--deflate", default="yes", help="drainers offer permessage-deflate (yes, as consoles do)"
    )
    parser.add_argument(
        "--batch",
        default="yes",
        help="clients ask for batch messages (yes, as consoles do; a hub that does not "
        "batch sends single frames anyway)",
    )
    parser.add_argument(
        "--compression",
        default="yes",
        help="the hub's stream_compression (yes,no: both in one run)",
    )
    parser.add_argument("--profile", default="", help="cProfile the hub's loop into DIR")
    parser.add_argument("--src", action="append", default=[], metavar="LABEL=DIR")
    args = parser.parse_args(argv)
    sources = [tuple(s.split("=", 1)) for s in args.src] or [("this", str(ROOT))]
    rows = []
    for clients in (int(n) for n in args.clients.split(",")):
        for stalled in (s == "yes" for s in args.stalled.split(",")):
            for compression in (c == "yes" for c in args.compression.split(",")):
                for label, src in sources:
                    profile = ""
                    if args.profile:
                        Path(args.profile).mkdir(parents=True, exist_ok=True)
                        name = f"{label}-{clients}-{int(stalled)}-{int(compression)}.prof"
                        profile = str(Path(args.profile).resolve() / name)
                    result = run(
                        src,
                        clients,
                        stalled,
                        args.rate,
                        args.seconds,
                        args.deflate == "yes",
                        args.batch == "yes",
                        compression,
                        profile,
                    )
                    rows.append((label, {**result, "compression": compression}))
    print(f"load average: {os.getloadavg()[0]:.2f} (nproc {os.cpu_count()})")
    print(
        "| source | clients | stalled | deflate | accepted ev/s | p50 ms | p99 ms | probe frames "
        "| probe messages | missed | drainers dropped | closed 1013 | hub CPU | hub µs/event |"
    )
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in rows:
        print(
            f"| {label} | {r['clients']} | {'1' if r['stalled'] else '0'} "
            f"| {'on' if r['compression'] else 'off'} | {r['accepted']:,.0f} "
            f"| {r['p50']:.1f} | {r['p99']:.1f} | {r['frames']:,} | {r['messages']:,} "
            f"| {r['missed']:,} | {r['dropped']} | {r['slow_closed']} | {r['cpu']:.0f} % "
            f"| {r['us_per_event']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    if not os.environ.get("PYTHONPATH"):
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
