"""Hub replicas on NATS JetStream: what a change costs, and what the cluster carries.

Three ``nats-server`` nodes (loopback, fresh folders) and three hub replicas (each a
``warroom hub --store`` process) against one embedded hub (TinyDB, fsync on), in the
same run:

1. Mutation latency: ``--notes`` notes posted one after another (each with its
   Idempotency-Key) to the embedded hub and to a replica: p50/p99 of the answer.
2. What the log carries: bytes and commands published per kind of request, and how
   many heartbeats a replica answered without writing to the log.
3. Fan-out: ``--clients`` stream clients spread over the three replicas while alerts
   are ingested at ``--rate`` events/s for ``--seconds``: events delivered, the rate,
   delivery latency p50/p99 (the event's hub timestamp to its arrival).

    .venv/bin/python benchmarks/cluster.py [--notes 200] [--clients 300] [--rate 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.natscluster import NatsCluster, free_ports  # noqa: E402

decode = msgspec.json.Decoder().decode
TOKENS = {
    "incident-commander": "bench-ic",
    "agent": "bench-agent",
    "viewer": "bench-viewer",
    "ingest": "bench-ingest",
}


def config(folder: Path) -> Path:
    tokens = "".join(
        f'[[tokens]]\ntoken = "{token}"\nuser = "{role}-user"\nrole = "{role}"\n\n'
        for role, token in TOKENS.items()
    )
    path = folder / "hub.toml"
    path.write_text(
        "[hub]\nstream_queue_size = 100000\n\n[alertmanager]\nmax_body_mb = 64\n\n" + tokens
    )
    return path


def start_hub(folder: Path, cfg: Path, port: int, store: str | None, name: str) -> Any:
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-c", "import sys; from tui.cli import main; sys.exit(main())",
        "hub", "--config", str(cfg), "--port", str(port), "--data", str(folder),
    ]  # fmt: skip
    if store:
        command += ["--store", store, "--name", name]
    log = open(folder / "hub.log", "ab")  # noqa: SIM115 - the process keeps it
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            health = httpx.get(url + "/health", timeout=1).json()
            if not store or health.get("cluster", {}).get("ready"):
                return process, url
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not start; see {folder / 'hub.log'}")


def headers(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def latency(url: str, notes: int) -> tuple[float, float]:
    with httpx.Client(base_url=url, headers=headers("incident-commander"), timeout=30) as client:
        opened = client.post(
            "/api/incidents",
            json={"title": "bench", "severity": "SEV3", "category": "service_outage"},
        ).json()["incident"]["id"]
        times = []
        for index in range(notes):
            began = time.perf_counter()
            answer = client.post(
                f"/api/incidents/{opened}/notes",
                json={"text": f"note {index}"},
                headers={"Idempotency-Key": f"bench-{index}"},
            )
            times.append((time.perf_counter() - began) * 1000)
            assert answer.status_code < 300, answer.text
    return statistics.median(times), percentile(times, 0.99)


def cluster_figures(url: str) -> dict[str, Any]:
    return dict(httpx.get(url + "/health", timeout=5).json()["cluster"])


def carried(urls: list[str], notes: int) -> list[tuple[str, int, int]]:
    """(what, commands, bytes) the log carried for each kind of request."""
    rows = []

    def published() -> tuple[int, int]:
        figures = [cluster_figures(u) for u in urls]
        return sum(f["published"] for f in figures), sum(f["published_bytes"] for f in figures)

    with httpx.Client(base_url=urls[0], timeout=30) as client:
        before = published()
        for _ in range(notes):
            client.post(
                "/api/agents/bench-a/heartbeat",
                json={"pack": "support", "state": "running", "tool_calls_per_min": 5.0},
                headers=headers("agent"),
            )
        after = published()
        rows.append(
            (f"{notes} heartbeats, nothing changed", after[0] - before[0], after[1] - before[1])
        )
        before = after
        alerts = [alert(f"repeat-{n}") for n in range(100)]
        for _ in range(10):
            client.post("/api/ingest/alertmanager", json=webhook(alerts), headers=headers("ingest"))
        after = published()
        rows.append(
            ("10 webhooks of 100 alerts, the first new", after[0] - before[0], after[1] - before[1])
        )
    return rows


def alert(name: str) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": name, "pack": "support", "severity": "none"},
        "annotations": {"summary": f"{name} is noisy"},
        "startsAt": datetime.now(UTC).isoformat(),
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "",
        "fingerprint": name,
    }


def webhook(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="bench"}',
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"alertname": "bench"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": alerts,
    }


async def fan_out(urls: list[str], clients: int, rate: int, seconds: float) -> dict[str, Any]:
    delays: list[float] = []
    seen: list[set[str]] = [set() for _ in range(clients)]
    stop = asyncio.Event()

    async def follow(index: int) -> None:
        ws_url = urls[index % len(urls)].replace("http://", "ws://") + "/api/stream"
        async with websockets.connect(
            ws_url, additional_headers=headers("viewer"), max_size=None, open_timeout=30
        ) as ws:
            # As consoles do: many events per message (docs/protocol.md, batches).
            await ws.send(json.dumps({"type": "hello", "resume_from": None, "batch": True}))
            while not stop.is_set():
                try:
                    text = await asyncio.wait_for(ws.recv(), 1.0)
                except TimeoutError:
                    continue
                if '"alert.fired"' not in text or '"fan-' not in text:
                    continue
                message = decode(text)
                frames = message["data"]["events"] if message["type"] == "batch" else [message]
                for frame in frames:
                    if frame["type"] != "alert.fired":
                        continue
                    fingerprint = frame["data"]["alert"]["fingerprint"]
                    if fingerprint.startswith("fan-") and fingerprint not in seen[index]:
                        seen[index].add(fingerprint)
                        sent = datetime.fromisoformat(frame["ts"].replace("Z", "+00:00"))
                        delays.append((datetime.now(UTC) - sent).total_seconds() * 1000)

    followers = [asyncio.create_task(follow(i)) for i in range(clients)]
    await asyncio.sleep(3)
    per_hook = max(1, rate // 10)
    sent = 0
    began = time.monotonic()
    async with httpx.AsyncClient(timeout=60, headers=headers("ingest")) as client:
        tick = 0
        while time.monotonic() - began < seconds:
            alerts = [alert(f"fan-{tick}-{n}") for n in range(per_hook)]
            url = urls[tick % len(urls)] + "/api/ingest/alertmanager"
            await client.post(url, json=webhook(alerts))
            sent += per_hook
            tick += 1
            wait = began + tick / 10 - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
    elapsed = time.monotonic() - began
    await asyncio.sleep(5)
    stop.set()
    await asyncio.gather(*followers, return_exceptions=True)
    return {
        "offered": sent / elapsed,
        "delivered_per_client": statistics.mean(len(got) for got in seen) if seen else 0,
        "sent": sent,
        "p50": percentile(delays, 0.5),
        "p99": percentile(delays, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument(
        "--rates", default="100,1000", help="alert events per second, one fan-out run each"
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="warroom-cluster-bench-"))
    nats = NatsCluster(folder / "nats")
    nats.start()
    cfg = config(folder)
    processes = []
    try:
        ports = free_ports(4)
        embedded, embedded_url = start_hub(folder / "embedded", cfg, ports[0], None, "embedded")
        processes.append(embedded)
        urls = []
        for index in range(3):
            name = f"r{index}"
            process, url = start_hub(folder / name, cfg, ports[index + 1], nats.url, name)
            processes.append(process)
            urls.append(url)
        load = os.getloadavg()[0]
        print(f"# machine: {os.cpu_count()} cores, load {load:.1f}; {datetime.now(UTC):%Y-%m-%d}")
        print("\n| mutation (a note, Idempotency-Key) | p50 ms | p99 ms |\n|---|---|---|")
        for label, url in (
            ("embedded (TinyDB, fsync)", embedded_url),
            ("replica (JetStream R3)", urls[1]),
        ):
            p50, p99 = latency(url, args.notes)
            print(f"| {label} | {p50:.1f} | {p99:.1f} |")
        print("\n| what the log carried | commands | bytes |\n|---|---|---|")
        for what, commands, size in carried(urls, args.notes):
            print(f"| {what} | {commands} | {size:,} |")
        print(
            f"\n| fan-out: {args.clients} clients over 3 replicas | offered ev/s | accepted ev/s"
            " | delivered per client | of sent | delivery p50 ms | p99 ms |"
            "\n|---|---|---|---|---|---|---|"
        )
        for rate in (int(r) for r in args.rates.split(",")):
            figures = asyncio.run(fan_out(urls, args.clients, rate, args.seconds))
            share = figures["delivered_per_client"] / max(1, figures["sent"])
            print(
                f"| {rate} ev/s for {args.seconds:.0f} s | {rate} | {figures['offered']:.0f} |"
                f" {figures['delivered_per_client']:.0f} | {share:.0%} | {figures['p50']:.0f} |"
                f" {figures['p99']:.0f} |"
            )
        # A replica joining now replays the whole log before it listens.
        began = time.monotonic()
        late, late_url = start_hub(folder / "late", cfg, free_ports(1)[0], nats.url, "late")
        processes.append(late)
        joined = time.monotonic() - began
        applied = cluster_figures(late_url)["applied"]
        print(
            f"\n| a replica joining late | commands replayed | ready after |\n|---|---|---|\n"
            f"| the log above | {applied:,} | {joined:.1f} s |"
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        nats.stop()


if __name__ == "__main__":
    main()
