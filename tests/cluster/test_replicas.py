"""Hub replicas on a real three-node NATS JetStream cluster (services/hub/cluster).

One history, one seq: whatever replica a change is made on, every replica holds the
same state and numbers the same events alike, under one epoch; a retried request is
applied once whichever replica it reaches; agents learn a stop on any replica; a
replica that joins late catches up; escalations fire once; a console resumes on
another replica by seq.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import msgspec
import pytest

from services.domain.api import HealthAnswer
from services.simulator.simulator import Simulator
from tests.cluster.conftest import Replicas
from tests.hub.helpers import events_only, hello, recv, recv_until, stream
from tests.hubtools import RunningHub
from tests.natscluster import NatsCluster
from tests.waiting import wait_until

IC = "incident-commander"
OPEN = {"title": "checkout failing", "severity": "SEV2", "category": "service_outage"}


def post(hub: RunningHub, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    # A write that meets a NATS node's failure waits for the stream's new leader.
    answer = hub.client(IC).post(path, json=body, headers=headers, timeout=30)
    assert answer.status_code < 300, answer.text
    return answer


def state(hub: RunningHub) -> dict[str, Any]:
    return dict(hub.client(IC).get("/api/state").json())


def same_everywhere(hubs: list[RunningHub]) -> bool:
    states = [state(hub) for hub in hubs]
    first = states[0]
    return all(
        (s["seq"], s["epoch"], s["incidents"], s["timeline"], s["switches"])
        == (first["seq"], first["epoch"], first["incidents"], first["timeline"], first["switches"])
        for s in states[1:]
    )


def test_changes_made_on_any_replica_make_one_history(replicas: Replicas) -> None:
    hubs = replicas(3)
    incident = post(hubs[0], "/api/incidents", OPEN).json()["incident"]["id"]
    for index in range(9):
        hub = hubs[index % 3]
        post(hub, f"/api/incidents/{incident}/notes", {"text": f"note {index}"}, f"n{index}")
    post(hubs[1], "/api/killswitch/pack/support", {"enabled": False, "reason": "runaway"})
    post(hubs[2], f"/api/incidents/{incident}/ack", {})
    wait_until(lambda: same_everywhere(hubs), 10)
    first = state(hubs[0])
    notes = [e["text"] for e in first["timeline"] if e["kind"] == "note"]
    assert notes == [f"note {index}" for index in range(9)]
    assert len({state(hub)["epoch"] for hub in hubs}) == 1
    # Each /health says which replica and what it applied, in the documented shape.
    health = [msgspec.convert(h.client().get("/health").json(), HealthAnswer) for h in hubs]
    assert [h.cluster.replica for h in health if h.cluster] == ["r0", "r1", "r2"]
    assert len({h.cluster.applied for h in health if h.cluster}) == 1


def test_every_replica_numbers_the_same_events_alike(replicas: Replicas) -> None:
    hubs = replicas(2)
    incident = post(hubs[0], "/api/incidents", OPEN).json()["incident"]["id"]
    for index in range(4):
        post(hubs[index % 2], f"/api/incidents/{incident}/notes", {"text": f"n{index}"})
    wait_until(lambda: same_everywhere(hubs), 10)

    async def replay(hub: RunningHub) -> list[tuple[int, str, str]]:
        async with stream(hub) as ws:
            await hello(ws, 0)
            latest = state(hub)["seq"]
            frames = await recv_until(
                ws, lambda f: f.get("seq") == latest and f["type"] != "heartbeat"
            )
        return [
            (f["seq"], f["type"], json.dumps(f["data"], sort_keys=True))
            for f in events_only(frames)
        ]

    first, second = asyncio.run(replay(hubs[0])), asyncio.run(replay(hubs[1]))
    assert first == second
    assert [seq for seq, _, _ in first] == list(range(1, len(first) + 1))


def test_a_retry_on_another_replica_is_answered_the_same_and_applied_once(
    replicas: Replicas,
) -> None:
    hubs = replicas(3)
    incident = post(hubs[0], "/api/incidents", OPEN).json()["incident"]["id"]
    path = f"/api/incidents/{incident}/notes"
    first = post(hubs[0], path, {"text": "restarted the pool"}, "same-key")
    again = post(hubs[1], path, {"text": "restarted the pool"}, "same-key")
    assert again.json() == first.json()
    assert again.headers.get("Idempotency-Replayed") == "true"

    # The same key sent to all three replicas at once: one note.
    def send(hub: RunningHub) -> Any:
        return post(hub, path, {"text": "rolled back"}, "raced-key").json()

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(send, hubs))
    assert answers[0] == answers[1] == answers[2]
    wait_until(lambda: same_everywhere(hubs), 10)
    texts = [e["text"] for e in state(hubs[2])["timeline"] if e["kind"] == "note"]
    assert texts.count("restarted the pool") == 1
    assert texts.count("rolled back") == 1


def test_an_agent_learns_a_stop_on_any_replica_within_one_heartbeat(replicas: Replicas) -> None:
    a, b = replicas(2)
    beat = {"pack": "support", "state": "running"}
    agent = b.client("agent")
    assert agent.post("/api/agents/s-1/heartbeat", json=beat).json()["allowed"] is True
    post(a, "/api/killswitch/pack/support", {"enabled": False, "reason": "runaway agent"})
    answer = agent.post("/api/agents/s-1/heartbeat", json=beat).json()
    assert answer["allowed"] is False
    assert "runaway agent" in answer["reason"]


def test_a_stop_and_an_enable_at_once_on_two_replicas_end_in_one_order(
    replicas: Replicas,
) -> None:
    a, b = replicas(2)
    post(a, "/api/killswitch/pack/support", {"enabled": False, "reason": "first stop"})

    def flip(hub: RunningHub, enabled: bool, round_: int) -> None:
        reason = f"{'enable' if enabled else 'stop'} {round_} on {hub.config.replica_name}"
        post(hub, "/api/killswitch/pack/support", {"enabled": enabled, "reason": reason})

    with ThreadPoolExecutor(2) as pool:
        for round_ in range(5):
            list(pool.map(lambda args: flip(*args), [(a, True, round_), (b, False, round_)]))
    wait_until(lambda: same_everywhere([a, b]), 10)
    audit = a.client(IC).get("/api/audit").json()["records"]
    assert audit == b.client(IC).get("/api/audit").json()["records"]
    support = [r for r in audit if r["target"] == "pack:support"]  # newest first
    # Every change audited once, in one order: a stop never follows a stop (a request
    # that found the switch as it asked changed nothing and is not audited).
    assert 2 <= len(support) <= 11
    actions = [r["action"] for r in support]
    assert all(x != y for x, y in itertools.pairwise(actions))
    assert len({r["reason"] for r in support}) == len(support)
    switch = next(s for s in state(a)["switches"] if s.get("pack") == "support")
    assert switch["reason"] == support[0]["reason"]  # the last in the log's order won


def test_a_replica_that_joins_late_catches_up_from_the_log(replicas: Replicas) -> None:
    (a,) = replicas(1)
    incident = post(a, "/api/incidents", OPEN).json()["incident"]["id"]
    for index in range(20):
        post(a, f"/api/incidents/{incident}/notes", {"text": f"before {index}"})
    post(a, "/api/killswitch/pack/marketing", {"enabled": False, "reason": "cost spike"})
    (late,) = replicas(1)
    assert same_everywhere([a, late])
    after = post(late, f"/api/incidents/{incident}/notes", {"text": "after"}).json()
    assert after["entry"]["text"] == "after"
    wait_until(lambda: same_everywhere([a, late]), 10)


class _Receiver(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self.received.append(self.headers.get("Idempotency-Key", ""))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_an_escalation_fires_once_and_is_delivered_by_one_replica(replicas: Replicas) -> None:
    _Receiver.received = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/page"
    try:
        hubs = replicas(3, escalation_webhooks={"on-call": url})
        # The lease: one leader among the three.
        wait_until(
            lambda: sum(h.client().get("/health").json()["cluster"]["leader"] for h in hubs) == 1,
            15,
        )
        for index in range(3):
            post(hubs[index], "/api/incidents", {**OPEN, "title": f"outage {index}"})
        wait_until(lambda: len(_Receiver.received) >= 3, 15)
        # Nothing more arrives: each page was sent by one replica only.
        with pytest.raises(AssertionError):
            wait_until(lambda: len(_Receiver.received) > 3, 3)
        assert sorted(_Receiver.received) == [f"INC-{n}/on-call:opened" for n in (1, 2, 3)] or (
            len(set(_Receiver.received)) == 3
        )
        timeline = state(hubs[0])["timeline"]
        escalations = [e for e in timeline if e["kind"] == "escalation" and "on-call" in e["text"]]
        assert len(escalations) == 3
        wait_until(lambda: not hubs[0].server.app.state.ctx.store.load_deliveries(), 10)
    finally:
        receiver.shutdown()


def test_the_tick_moves_to_another_replica_when_the_leader_stops(replicas: Replicas) -> None:
    hubs = replicas(2, agent_timeout_s=2.0)

    def leader() -> RunningHub | None:
        for hub in hubs:
            try:
                if hub.client().get("/health").json()["cluster"]["leader"]:
                    return hub
            except httpx.HTTPError:
                continue
        return None

    wait_until(lambda: leader() is not None, 15)
    old = leader()
    assert old is not None
    other = hubs[1] if old is hubs[0] else hubs[0]
    other.client("agent").post(
        "/api/agents/q-1/heartbeat", json={"pack": "support", "state": "running"}
    )
    old.stop()
    # The lease expires; the other replica takes it and marks the silent agent.
    wait_until(lambda: other.client().get("/health").json()["cluster"]["leader"], 15)

    def silent() -> bool:
        agents = {a["id"]: a for a in state(other)["agents"]}
        return agents["q-1"]["state"] == "error"

    wait_until(silent, 15)


def test_a_console_resumes_on_another_replica_by_seq(replicas: Replicas) -> None:
    a, b = replicas(2)
    incident = post(a, "/api/incidents", OPEN).json()["incident"]["id"]

    async def follow() -> None:
        async with stream(a) as ws:
            await hello(ws, None)
            snapshot = await recv(ws)
            assert snapshot["type"] == "snapshot"
            seen = snapshot["seq"]
            epoch = snapshot["data"]["epoch"]
        # a is gone for this console; more happens meanwhile, on b.
        post(b, f"/api/incidents/{incident}/notes", {"text": "while away"})
        latest = state(b)["seq"]
        async with stream(b) as ws:
            await ws.send(json.dumps({"type": "hello", "resume_from": seen, "epoch": epoch}))
            frames = await recv_until(
                ws, lambda f: f.get("seq") == latest and f["type"] != "heartbeat"
            )
        kinds = [f["type"] for f in frames if f["type"] != "heartbeat"]
        assert "snapshot" not in kinds  # resumed, not re-synced
        assert [f["seq"] for f in events_only(frames)] == list(range(seen + 1, latest + 1))

    asyncio.run(follow())


def test_writes_go_on_when_a_nats_node_dies(replicas: Replicas, nats_cluster: NatsCluster) -> None:
    a, b = replicas(2)
    incident = post(a, "/api/incidents", OPEN).json()["incident"]["id"]
    nats_cluster.kill(0)
    for index in range(10):
        post(
            [a, b][index % 2],
            f"/api/incidents/{incident}/notes",
            {"text": f"n{index}"},
            f"k{index}",
        )
    nats_cluster.start(0)
    wait_until(lambda: same_everywhere([a, b]), 15)
    notes = [e["text"] for e in state(b)["timeline"] if e["kind"] == "note"]
    assert notes == [f"n{index}" for index in range(10)]


def test_a_replica_a_moment_behind_waits_for_the_seq_a_console_resumes_from(
    replicas: Replicas,
) -> None:
    a, b = replicas(2)
    incident = post(a, "/api/incidents", OPEN).json()["incident"]["id"]
    wait_until(lambda: same_everywhere([a, b]), 10)
    before = state(b)

    async def resume_ahead() -> list[dict[str, Any]]:
        async with stream(b) as ws:
            # As a console that saw one more event on the replica it left than b has yet.
            ahead = {"type": "hello", "resume_from": before["seq"] + 1, "epoch": before["epoch"]}
            await ws.send(json.dumps(ahead))
            await asyncio.sleep(0.3)
            await asyncio.to_thread(
                post, a, f"/api/incidents/{incident}/notes", {"text": "made on a"}
            )
            await asyncio.to_thread(
                post, a, f"/api/incidents/{incident}/notes", {"text": "and another"}
            )
            latest = state(a)["seq"]
            return await recv_until(
                ws, lambda f: f.get("seq") == latest and f["type"] != "heartbeat"
            )

    frames = asyncio.run(resume_ahead())
    assert "snapshot" not in [f["type"] for f in frames]  # no step back to an older state
    events = events_only(frames)
    assert events and events[0]["seq"] == before["seq"] + 2


def _webhook(names: list[str]) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="noisy"}',
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"alertname": "noisy"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": name, "pack": "support", "severity": "none"},
                "annotations": {"summary": f"{name} is noisy", "runbook_url": "https://rb/x"},
                "startsAt": "2026-11-30T10:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example/graph",
                "fingerprint": name,
            }
            for name in names
        ],
    }


def test_alert_repeats_reach_the_log_as_fingerprints_and_count_alike(
    replicas: Replicas,
) -> None:
    a, b = replicas(2)
    ingest = a.client("ingest")

    def published() -> int:
        return int(a.client().get("/health").json()["cluster"]["published_bytes"])

    names = [f"noisy-{n}" for n in range(50)]
    before = published()
    assert ingest.post("/api/ingest/alertmanager", json=_webhook(names)).status_code == 200
    first = published() - before
    before = published()
    for _ in range(4):
        assert ingest.post("/api/ingest/alertmanager", json=_webhook(names)).status_code == 200
    repeats = published() - before
    # Four repeats of 50 alerts carry less than one first delivery of them.
    assert repeats < first, (repeats, first)

    def alerts(hub: RunningHub) -> dict[str, tuple[int, str | None]]:
        return {
            x["fingerprint"]: (x["repeat_count"], x["last_seen_at"]) for x in state(hub)["alerts"]
        }

    wait_until(lambda: alerts(a) == alerts(b), 10)
    assert {count for count, _ in alerts(b).values()} == {5}
    # A changed annotation is news: it goes whole, and every replica shows it.
    changed = _webhook(names[:1])
    changed["alerts"][0]["annotations"]["summary"] = "now on fire"
    assert ingest.post("/api/ingest/alertmanager", json=changed).status_code == 200
    wait_until(lambda: any(x["title"] == "now on fire" for x in state(b)["alerts"]), 10)


def test_a_replica_cut_off_from_the_cluster_stops_saying_it_is_live(
    replicas: Replicas, nats_cluster: NatsCluster
) -> None:
    (a,) = replicas(1, heartbeat_interval_s=0.2)

    async def heartbeats_within(seconds: float) -> int:
        count = 0
        async with stream(a) as ws:
            await hello(ws, None)
            deadline = asyncio.get_running_loop().time() + seconds
            while (left := deadline - asyncio.get_running_loop().time()) > 0:
                try:
                    frame = await recv(ws, left)
                except TimeoutError:
                    break
                count += frame["type"] == "heartbeat"
        return count

    assert asyncio.run(heartbeats_within(1.0)) >= 3
    for node in range(nats_cluster.size):
        nats_cluster.kill(node)
    wait_until(lambda: not a.client().get("/health").json()["cluster"]["nats"], 10)
    # No heartbeat: its consoles see the silence (STALE) and move to another replica.
    assert asyncio.run(heartbeats_within(1.0)) == 0


def test_the_simulators_agents_heartbeat_across_replicas_and_a_stop_is_confirmed(
    replicas: Replicas,
) -> None:
    a, b = replicas(2)
    simulator = Simulator(
        f"{a.url},{b.url}", a.tokens["agent"], a.tokens["ingest"], scenario="calm", time_scale=0.1
    )
    assert len(set(simulator._home.values())) == 2  # spread over both replicas
    stop = threading.Event()

    def run() -> None:
        async def main() -> None:
            task = asyncio.create_task(simulator.run())
            await asyncio.to_thread(stop.wait)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        asyncio.run(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: len(state(b)["agents"]) == len(simulator.agents), 15)
        pack = simulator.agents[sorted(simulator.agents)[0]].pack
        post(a, "/api/killswitch/pack/" + pack, {"enabled": False, "reason": "contain"})

        def confirmed(hub: RunningHub) -> bool:
            agents = [x for x in state(hub)["agents"] if x["pack"] == pack]
            return bool(agents) and all(x["state"] == "stopped" for x in agents)

        wait_until(lambda: confirmed(a) and confirmed(b), 15)
        wait_until(lambda: same_everywhere([a, b]), 10)
        ids = {x["id"]: x["state"] for x in state(a)["agents"]}
        assert ids == {x["id"]: x["state"] for x in state(b)["agents"]}
    finally:
        stop.set()
        thread.join(10)


def test_a_long_polled_heartbeat_on_one_replica_wakes_on_a_stop_made_on_another(
    replicas: Replicas,
) -> None:
    a, b = replicas(2)
    agent = b.client("agent")
    beat = {"pack": "support", "state": "running"}
    assert agent.post("/api/agents/lp-1/heartbeat", json=beat).json()["allowed"] is True
    answers: list[dict[str, Any]] = []

    def held() -> None:
        answer = agent.post("/api/agents/lp-1/heartbeat", json={**beat, "wait_s": 30}, timeout=40)
        answers.append(answer.json())

    thread = threading.Thread(target=held)
    thread.start()
    # Held by b before the stop is made (counted when it starts waiting).
    wait_until(lambda: b.client().get("/health").json()["counters"].get("heartbeat_held") == 1, 10)
    post(a, "/api/killswitch/pack/support", {"enabled": False, "reason": "runaway agent"})
    thread.join(40)
    assert answers and answers[0]["allowed"] is False
    # Woken by the stop applied from the log, not answered at the end of its wait.
    assert b.client().get("/health").json()["counters"].get("heartbeat_woken") == 1
