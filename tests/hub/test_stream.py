"""The websocket stream: hello, replay or snapshot, heartbeats, durable seq, slow consumers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from tests.hub.helpers import FakeClock, events_only, fixture, hello, recv, recv_until, stream
from tests.hubtools import RunningHub

STOP = {"enabled": False, "reason": "containment"}
ENABLE = {"enabled": True, "reason": "recovered"}


def toggle(hub: RunningHub, times: int) -> None:
    """``times`` kill-switch changes: one event each."""
    client = hub.client("incident-commander")
    status = client.get("/api/packs/status").json()
    enabled = next(p["enabled"] for p in status["packs"] if p["name"] == "legal")
    for _ in range(times):
        answer = client.post("/api/killswitch/pack/legal", json=STOP if enabled else ENABLE)
        assert answer.json()["changed"] is True
        enabled = not enabled


def latest_seq(hub: RunningHub) -> int:
    seq: int = hub.client().get("/health").json()["seq"]
    return seq


async def closed_code(ws: Any) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(1000):
            await recv(ws)
    assert closed.value.rcvd is not None
    return int(closed.value.rcvd.code)


async def test_initial_snapshot(hub: RunningHub) -> None:
    client = hub.client("on-call")
    kept = client.post(
        "/api/incidents", json={"title": "open", "severity": "SEV2", "category": "runaway_agent"}
    )
    gone = client.post(
        "/api/incidents", json={"title": "done", "severity": "SEV4", "category": "runaway_agent"}
    )
    client.post(f"/api/incidents/{gone.json()['incident']['id']}/resolve", json={"root_cause": "x"})
    hub.client("agent").post(
        "/api/agents/bot/heartbeat", json={"pack": "support", "state": "running"}
    )
    async with stream(hub) as ws:
        await hello(ws, None)
        frame = await recv(ws)
    assert frame["type"] == "snapshot"
    assert frame["v"] == 1
    assert frame["seq"] == latest_seq(hub)
    data = frame["data"]
    assert data["reason"] == "initial"
    assert data["packs"] == hub.config.packs
    assert [s["scope"] for s in data["switches"]] == ["global"] + ["pack"] * len(hub.config.packs)
    assert [a["id"] for a in data["agents"]] == ["bot"]
    assert {i["title"] for i in data["incidents"]} == {"open", "done"}
    open_id = kept.json()["incident"]["id"]
    assert {e["incident_id"] for e in data["timeline"]} == {open_id}  # open incidents only
    assert data["hub_time"].endswith("Z")
    state = hub.client("viewer").get("/api/state").json()
    assert state["seq"] == frame["seq"]
    assert set(state) == set(data) | {"seq"}


async def test_resume_replays_what_was_missed_then_goes_live(hub: RunningHub) -> None:
    toggle(hub, 2)
    mark = latest_seq(hub)
    toggle(hub, 3)
    latest = latest_seq(hub)
    async with stream(hub) as ws:
        await hello(ws, mark)
        replay = [await recv(ws) for _ in range(latest - mark)]
        assert [f["seq"] for f in replay] == list(range(mark + 1, latest + 1))
        # Each stop of a pack with no agents is also confirmed at once.
        assert [f["type"] for f in replay if f["type"] != "killswitch.confirmed"] == [
            "killswitch.changed"
        ] * 3
        toggle(hub, 1)
        frames = await recv_until(ws, lambda f: f["type"] == "killswitch.changed")
    assert frames[-1]["seq"] == latest + 1


async def test_resume_at_the_latest_seq_sends_nothing_but_live(hub: RunningHub) -> None:
    toggle(hub, 2)
    async with stream(hub) as ws:
        await hello(ws, latest_seq(hub))
        frame = await recv(ws)
    assert frame["type"] == "heartbeat"


async def test_snapshot_when_the_ring_no_longer_holds_it(hub_factory: Any) -> None:
    hub = hub_factory(ring_size=3)
    toggle(hub, 6)
    async with stream(hub) as ws:
        await hello(ws, 1)
        frame = await recv(ws)
    assert frame["type"] == "snapshot"
    assert frame["data"]["reason"] == "resume_too_old"
    async with stream(hub) as ws:
        await hello(ws, latest_seq(hub) - 3)  # the ring holds exactly the last three
        assert (await recv(ws))["type"] == "killswitch.changed"


async def test_snapshot_for_a_seq_from_the_future(hub: RunningHub) -> None:
    toggle(hub, 1)
    async with stream(hub) as ws:
        await hello(ws, latest_seq(hub) + 50)
        frame = await recv(ws)
    assert (frame["type"], frame["data"]["reason"]) == ("snapshot", "unknown_seq")


async def test_heartbeat_carries_the_latest_seq(hub: RunningHub) -> None:
    toggle(hub, 2)
    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)
        beat = (await recv_until(ws, lambda f: f["type"] == "heartbeat"))[-1]
    assert beat["seq"] == latest_seq(hub)
    assert beat["data"]["interval_s"] == 0.5
    assert beat["data"]["hub_time"] == beat["ts"]


async def test_seq_increases_strictly_and_survives_restart(hub: RunningHub) -> None:
    async with stream(hub) as ws:
        await hello(ws, None)
        first = await recv(ws)
        toggle(hub, 2)
        hub.client("ingest").post(
            "/api/ingest/alertmanager", json=fixture("webhook-firing-billing.json")
        )
        frames = await recv_until(
            ws,
            lambda f: (
                f["type"] == "alert.fired"
                and f["data"]["alert"]["fingerprint"] == "9709e273d526d655"
            ),
        )
    seqs = [f["seq"] for f in events_only(frames)]
    assert seqs == list(range(first["seq"] + 1, first["seq"] + 1 + len(seqs)))
    before = latest_seq(hub)
    hub.restart()
    toggle(hub, 1)
    assert latest_seq(hub) > before
    async with stream(hub) as ws:
        await hello(ws, before)  # the new hub never held these: a snapshot, not a silent gap
        frame = await recv(ws)
    assert (frame["type"], frame["data"]["reason"]) == ("snapshot", "resume_too_old")
    assert frame["data"]["switches"][-1]["pack"] == "support"


async def test_a_slow_consumer_is_closed_with_1013(hub_factory: Any) -> None:
    hub = hub_factory(stream_queue_size=2, heartbeat_interval_s=30)
    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)
        # One webhook makes more events in one step than the queue may hold.
        hub.client("ingest").post(
            "/api/ingest/alertmanager", json=fixture("webhook-firing-billing.json")
        )
        assert await closed_code(ws) == 1013
    assert hub.client().get("/health").json()["counters"]["stream_slow_consumer"] == 1


async def test_messages_before_hello_are_ignored(hub: RunningHub) -> None:
    async with stream(hub) as ws:
        await ws.send(json.dumps({"type": "subscribe"}))
        await ws.send(b"\x00binary")
        await hello(ws, None)
        assert (await recv(ws))["type"] == "snapshot"
        await ws.send("not json, after hello: ignored")
        assert await recv_until(ws, lambda f: f["type"] == "heartbeat")


@pytest.mark.parametrize(
    "message", ["{not json", json.dumps({"type": "hello", "resume_from": "7"})]
)
async def test_a_bad_hello_is_closed_with_1008(hub: RunningHub, message: str) -> None:
    async with stream(hub) as ws:
        await ws.send(message)
        assert await closed_code(ws) == 1008


async def test_no_hello_is_closed_with_1008(hub_factory: Any) -> None:
    hub = hub_factory(hello_timeout_s=0.2)
    async with stream(hub) as ws:
        assert await closed_code(ws) == 1008
    assert hub.client().get("/health").json()["counters"]["stream_no_hello"] == 1


async def test_stop_closes_streams(hub: RunningHub) -> None:
    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)
        await asyncio.get_running_loop().run_in_executor(None, hub.stop)
        assert await closed_code(ws) in (1001, 1012)


async def test_agent_status_and_liveness(hub_factory: Any) -> None:
    # The hub's own clock, moved by hand: a real one could run past the timeout between
    # two heartbeats on a busy machine, and mark the agent silent too soon.
    clock = FakeClock()
    hub = hub_factory(agent_timeout_s=0.3, clock=clock)
    agent = hub.client("agent")
    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)
        body = {"pack": "support", "state": "running", "run_id": "r1", "tool_calls_per_min": 3}
        agent.post("/api/agents/bot/heartbeat", json=body)
        agent.post(
            "/api/agents/bot/heartbeat", json={**body, "tool_calls_per_min": 4}
        )  # rates: held back
        agent.post("/api/agents/bot/heartbeat", json={**body, "state": "stopped", "run_id": None})
        clock.advance(1)  # silent for longer than the timeout, as the next tick sees it
        frames = await recv_until(
            ws, lambda f: f["type"] == "agent.status" and f["data"]["agent"]["state"] == "error"
        )
    states = [f["data"]["agent"]["state"] for f in frames if f["type"] == "agent.status"]
    assert states == ["running", "stopped", "error"]


async def test_snapshot_carries_the_hubs_effective_policy(hub_factory: Any, tmp_path: Path) -> None:
    # A hub run with its own policy: consoles must count down to its escalations, not
    # to the shipped 30 minutes.
    override = tmp_path / "policy.toml"
    override.write_text("[escalation]\nno_progress_minutes = 2\n", encoding="utf-8")
    running = hub_factory(policy_path=override)
    async with stream(running) as ws:
        await hello(ws, None)
        frame = await recv(ws)
    assert frame["type"] == "snapshot"
    policy = frame["data"]["policy"]
    assert policy["escalation"]["no_progress_minutes"] == 2
    # What the override does not name keeps the shipped defaults.
    assert policy["response_minutes"]["SEV1"] == 15
