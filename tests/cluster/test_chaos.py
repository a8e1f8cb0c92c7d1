"""Chaos, bounded in count and time: hub replicas and NATS nodes SIGKILLed at random
moments while people write and consoles follow.

Three ``nats-server`` nodes and three hub replicas run as processes. Meanwhile two
people add notes and stop and re-enable their packs (each action under its own
Idempotency-Key, retried on another replica until answered, as a console's outbox
does); agents heartbeat to any replica and stop when told; two consoles' stream
clients follow over all three URLs. Every couple of seconds one replica or one NATS
node is killed, and started again a moment later. At the end:

- every acknowledged note, stop, enable and ack is present exactly once;
- every replica holds the same state;
- every console's events have no silent gap (a re-sync is loud: a snapshot);
- each escalation fired once; each stop was applied once, and the last ones CONFIRMED.

The figures (kills, acknowledged writes, lost, duplicated, failover times) are what
docs/reliability.md records; ``WARROOM_CHAOS_ROUNDS`` runs longer.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.console.state import StreamStatus
from services.console.stream_client import StreamClient
from tests.console.test_stream_resume import Seen, assert_nothing_silently_lost
from tests.natscluster import NatsCluster, have_nats_server
from tests.ports import free_ports
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("WARROOM_CHAOS_ROUNDS", "8"))
TOKENS = {"incident-commander": "chaos-ic", "agent": "chaos-agent", "viewer": "chaos-viewer"}
PACKS = ["marketing", "finance", "engineering", "devops", "legal", "research", "support"]
WRITER_PACKS = ["marketing", "finance"]
AGENTS = [(f"{pack[:3]}-{n}", pack) for pack in WRITER_PACKS for n in range(3)]


def _config(folder: Path) -> Path:
    tokens = "\n".join(
        f'[[tokens]]\ntoken = "{token}"\nuser = "{role}-user"\nrole = "{role}"\n'
        for role, token in TOKENS.items()
    )
    path = folder / "hub.toml"
    path.write_text(
        f"[hub]\npacks = {PACKS!r}\n".replace("'", '"')
        + "heartbeat_interval_s = 0.5\nagent_timeout_s = 30.0\n"
        + "[killswitch]\nstop_deadline_s = 60.0\n\n"
        + tokens,
        encoding="utf-8",
    )
    return path


@dataclass
class Replica:
    name: str
    port: int
    folder: Path
    command: list[str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.folder / f"{self.name}.log", "ab")  # noqa: SIM115 - the process keeps it
        self.process = subprocess.Popen(
            self.command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def ready(self) -> bool:
        try:
            health = httpx.get(f"{self.url}/health", timeout=1).json()
        except (httpx.HTTPError, ValueError):
            return False
        return bool(health.get("cluster", {}).get("ready"))


@dataclass
class Ledger:
    """What the hub acknowledged, by Idempotency-Key."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    notes: dict[str, str] = field(default_factory=dict)  # key -> text
    switches: dict[str, tuple[str, bool, str]] = field(
        default_factory=dict
    )  # key -> (pack, on, why)
    acks: list[str] = field(default_factory=list)
    retries: int = 0


def _send(
    replicas: list[Replica], path: str, body: dict[str, Any], key: str, ledger: Ledger
) -> dict[str, Any] | None:
    """As a console's outbox: the same key to one replica after another until answered."""
    deadline = time.monotonic() + 60
    order = random.sample(replicas, len(replicas))
    attempt = 0
    while time.monotonic() < deadline:
        replica = order[attempt % len(order)]
        attempt += 1
        try:
            answer = httpx.post(
                replica.url + path,
                json=body,
                headers={
                    "Authorization": f"Bearer {TOKENS['incident-commander']}",
                    "Idempotency-Key": key,
                },
                timeout=20,
            )
        except httpx.HTTPError:
            answer = None
        if answer is not None and answer.status_code < 300:
            return dict(answer.json())
        if answer is not None and answer.status_code < 500:
            raise AssertionError(f"{path}: {answer.status_code} {answer.text}")
        with ledger.lock:
            ledger.retries += 1
        time.sleep(0.2)
    return None


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[NatsCluster, list[Replica]]]:
    assert have_nats_server(), "nats-server is missing: `make system-deps` installs it"
    nats = NatsCluster(tmp_path / "nats")
    nats.start()
    config = _config(tmp_path)
    replicas = []
    for index, port in enumerate(free_ports(3)):
        name = f"r{index}"
        folder = tmp_path / name
        folder.mkdir()
        command = [
            sys.executable,
            "-c",
            "import sys; from tui.cli import main; sys.exit(main())",
            "hub",
            "--config",
            str(config),
            "--port",
            str(port),
            "--data",
            str(folder),
            "--store",
            nats.url,
            "--name",
            name,
        ]
        replicas.append(Replica(name, port, folder, command))
    try:
        for replica in replicas:
            replica.start()
        for replica in replicas:
            wait_until(replica.ready, 90, interval=0.2)
        yield nats, replicas
    finally:
        for replica in replicas:
            replica.kill()
        nats.stop()


def _agents(replicas: list[Replica], stop: threading.Event) -> None:
    """Agents heartbeating to any replica, each stopping when told and running again when
    let (as AgentOS's agents do)."""
    allowed = dict.fromkeys((agent for agent, _ in AGENTS), True)
    headers = {"Authorization": f"Bearer {TOKENS['agent']}"}
    with httpx.Client(timeout=3, headers=headers) as client:
        while not stop.is_set():
            for agent, pack in AGENTS:
                replica = random.choice(replicas)
                body = {"pack": pack, "state": "running" if allowed[agent] else "stopped"}
                try:
                    answer = client.post(f"{replica.url}/api/agents/{agent}/heartbeat", json=body)
                    if answer.status_code == 200:
                        allowed[agent] = bool(answer.json()["allowed"])
                except httpx.HTTPError:
                    pass
            stop.wait(0.3)


def _writer(
    replicas: list[Replica], incident: str, pack: str, ledger: Ledger, stop: threading.Event
) -> None:
    on = True
    count = 0
    while not stop.is_set():
        count += 1
        key = f"{pack}-note-{count}"
        text = f"{pack} note {count}"
        if _send(replicas, f"/api/incidents/{incident}/notes", {"text": text}, key, ledger):
            with ledger.lock:
                ledger.notes[key] = text
        if count % 3 == 0:
            on = not on
            key = f"{pack}-switch-{count}"
            why = f"{'enable' if on else 'stop'} {pack} {count}"
            body = {"enabled": on, "reason": why, "incident_id": incident}
            if _send(replicas, f"/api/killswitch/pack/{pack}", body, key, ledger):
                with ledger.lock:
                    ledger.switches[key] = (pack, on, why)
        stop.wait(0.05)


def _follow(urls: list[str], seen: Seen, stop: threading.Event) -> StreamClient:
    client = StreamClient(
        [url.replace("http://", "ws://") + "/api/stream" for url in urls],
        TOKENS["viewer"],
        on_envelope=seen.envelopes.append,
        on_status=seen.statuses.append,
        rng=random.Random(3),
        max_delay=0.5,
        open_timeout=3,
    )

    def run() -> None:
        async def main() -> None:
            task = asyncio.create_task(client.run())
            await asyncio.to_thread(stop.wait)
            client.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        asyncio.run(main())

    threading.Thread(target=run, daemon=True).start()
    return client


def _state(replica: Replica) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {TOKENS['incident-commander']}"}
    return dict(httpx.get(f"{replica.url}/api/state", headers=headers, timeout=5).json())


def _audit(replica: Replica) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {TOKENS['incident-commander']}"}
    answer = httpx.get(f"{replica.url}/api/audit?limit=1000", headers=headers, timeout=5)
    return list(answer.json()["records"])


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_kills_of_replicas_and_nats_nodes_lose_and_duplicate_nothing(
    cluster: tuple[NatsCluster, list[Replica]],
) -> None:
    nats, replicas = cluster
    rng = random.Random(int(os.environ.get("WARROOM_CHAOS_SEED", "14")))
    ledger = Ledger()
    opened = _send(
        replicas,
        "/api/incidents",
        {"title": "chaos", "severity": "SEV1", "category": "runaway_agent"},
        "open",
        ledger,
    )
    assert opened is not None
    incident = opened["incident"]["id"]
    assert _send(replicas, f"/api/incidents/{incident}/ack", {}, "ack", ledger)
    ledger.acks.append("ack")

    # The consoles', the agents' and the writers' ends.
    stop, agents_stop, halt = threading.Event(), threading.Event(), threading.Event()
    followers = [Seen(), Seen()]
    clients = [_follow([r.url for r in replicas], seen, stop) for seen in followers]
    agents = threading.Thread(target=_agents, args=(replicas, agents_stop), daemon=True)
    agents.start()
    threads = [
        threading.Thread(target=_writer, args=(replicas, incident, pack, ledger, halt), daemon=True)
        for pack in WRITER_PACKS
    ]
    for thread in threads:
        thread.start()

    kills: Counter[str] = Counter()
    failovers: list[float] = []
    try:
        for _ in range(ROUNDS):
            time.sleep(rng.uniform(0.5, 2.0))
            if rng.random() < 0.5:
                victim = rng.choice(replicas)
                victim.kill()
                kills["replica"] += 1
                # How long until the other replicas answer a write: the failover.
                began = time.monotonic()
                others = [r for r in replicas if r is not victim]
                key = f"probe-{kills.total()}"
                probe = {"text": f"probe {kills.total()}"}
                if _send(others, f"/api/incidents/{incident}/notes", probe, key, ledger):
                    ledger.notes[key] = probe["text"]
                failovers.append(time.monotonic() - began)
                time.sleep(rng.uniform(0.2, 1.5))
                wait_until(lambda victim=victim: _port_free(victim.port), 10)
                victim.start()
                wait_until(victim.ready, 90, interval=0.2)
            else:
                node = rng.randrange(nats.size)
                nats.kill(node)
                kills["nats"] += 1
                time.sleep(rng.uniform(0.5, 2.0))
                nats.start(node)
    finally:
        halt.set()
        for thread in threads:
            thread.join(90)
    # The last stop of each pack, after the chaos: it must be CONFIRMED.
    for pack in WRITER_PACKS:
        for enabled in (True, False):
            key = f"{pack}-final-{enabled}"
            why = f"final {'enable' if enabled else 'stop'} {pack}"
            body = {"enabled": enabled, "reason": why, "incident_id": incident}
            assert _send(replicas, f"/api/killswitch/pack/{pack}", body, key, ledger)
            if not enabled:  # (the enable changed nothing if the pack was on: not audited)
                ledger.switches[key] = (pack, enabled, why)

    def confirmed() -> bool:
        timeline = _state(replicas[0])["timeline"]
        texts = [e["text"] for e in timeline if e["kind"] == "stop_confirmed"]
        return all(any(f"pack {pack}" in text for text in texts[-4:]) for pack in WRITER_PACKS)

    wait_until(confirmed, 30, interval=0.3)
    agents_stop.set()
    agents.join(30)

    # Every replica holds the same state.
    def converged() -> bool:
        states = [_state(r) for r in replicas]
        keys = ("seq", "epoch", "incidents", "timeline", "switches")
        return all(all(s[k] == states[0][k] for k in keys) for s in states[1:])

    wait_until(converged, 30, interval=0.3)
    final = _state(replicas[0])
    for client in clients:
        wait_until(lambda client=client: client.last_seq == final["seq"], 20, interval=0.1)
    stop.set()
    timeline = [e for e in final["timeline"] if e["incident_id"] == incident]

    # Every acknowledged note exactly once; nothing unacknowledged invented.
    notes = Counter(e["text"] for e in timeline if e["kind"] == "note")
    lost = [text for text in ledger.notes.values() if notes[text] == 0]
    duplicated = [text for text, count in notes.items() if count > 1]
    assert lost == [] and duplicated == []
    # Every acknowledged stop and enable audited exactly once.
    reasons = Counter(r["reason"] for r in _audit(replicas[0]))
    for _, _, why in ledger.switches.values():
        assert reasons[why] == 1, f"{why!r} audited {reasons[why]} times"
    # The ack once; each escalation once.
    assert sum(1 for e in timeline if e["kind"] == "ack") == 1
    escalations = Counter(e["text"] for e in timeline if e["kind"] == "escalation")
    assert escalations and max(escalations.values()) == 1, escalations
    # Each console: no silent gap, and all the way to the hub's last seq.
    for seen, client in zip(followers, clients, strict=True):
        assert client.last_seq == final["seq"], (client.last_seq, final["seq"])
        assert assert_nothing_silently_lost(seen.envelopes) > 0
        statuses: list[StreamStatus] = seen.statuses
        assert any(s.state == "live" for s in statuses)
    acknowledged = len(ledger.notes) + len(ledger.switches) + len(ledger.acks) + 1
    print(
        f"\nchaos: kills {dict(kills)}, acknowledged writes {acknowledged}"
        f" (notes {len(ledger.notes)}, switches {len(ledger.switches)}), lost 0, duplicated 0,"
        f" retries {ledger.retries}, failover s {sorted(round(f, 2) for f in failovers)},"
        f" console re-syncs {[len(s.snapshots) - 1 for s in followers]}"
    )
