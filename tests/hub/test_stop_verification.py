"""Stop verification: ``killswitch.confirmed`` once every agent of the target is seen
stopped; ``killswitch.violation`` once per stop when one still runs after the deadline."""

from __future__ import annotations

from typing import Any

from tests.hub.helpers import (
    FakeClock,
    events_only,
    hello,
    recv,
    recv_until,
    stream,
    timeline_of,
    wait_tick,
)
from tests.hubtools import HubFactory, RunningHub

STOP = {"enabled": False, "reason": "runaway"}
FAST = {"tick_interval_s": 0.02}


def beat(hub: RunningHub, agent: str, pack: str, state: str) -> bool:
    answer = hub.client("agent").post(
        f"/api/agents/{agent}/heartbeat", json={"pack": pack, "state": state}
    )
    allowed: bool = answer.json()["allowed"]
    return allowed


def open_incident(hub: RunningHub) -> str:
    body = {"title": "loop", "severity": "SEV2", "category": "runaway_agent", "packs": ["support"]}
    incident_id: str = (
        hub.client("on-call").post("/api/incidents", json=body).json()["incident"]["id"]
    )
    return incident_id


def of_type(frames: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f["data"] for f in events_only(frames) if f["type"] == kind]


async def test_violation_then_late_confirmation(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock, **FAST)
    for agent in ("a", "b"):
        beat(hub, agent, "support", "running")
    beat(hub, "m", "marketing", "running")
    incident_id = open_incident(hub)
    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)
        body = {**STOP, "incident_id": incident_id}
        assert (
            hub.client("on-call").post("/api/killswitch/pack/support", json=body).json()["changed"]
        )
        assert beat(hub, "a", "support", "stopped") is False
        clock.advance(29.9)
        wait_tick(hub, clock)
        clock.advance(0.1)
        frames = await recv_until(ws, lambda f: f["type"] == "killswitch.violation")
        clock.advance(5)
        wait_tick(hub, clock)  # once per stop, however many ticks
        beat(hub, "b", "support", "stopped")
        frames += await recv_until(ws, lambda f: f["type"] == "killswitch.confirmed")
    [changed] = of_type(frames, "killswitch.changed")
    assert changed["agents"] == {"total": 2, "running": 2, "stopped": 0}
    [violation] = of_type(frames, "killswitch.violation")
    assert violation == {
        "target": "pack:support",
        "agents": ["b"],
        "stopped_at": "2026-11-25T18:00:00.000Z",
        "deadline_s": 30.0,
        "incident_id": incident_id,
    }
    [confirmed] = of_type(frames, "killswitch.confirmed")
    assert confirmed == {
        "target": "pack:support",
        "stopped_at": "2026-11-25T18:00:00.000Z",
        "confirmed_at": "2026-11-25T18:00:35.000Z",
        "agents": 2,
        "elapsed_s": 35.0,
        "incident_id": incident_id,
    }
    texts = [(e["kind"], e["text"]) for e in timeline_of(hub, incident_id)]
    assert ("stop_violation", "pack support: 1 agents not stopped 30 s after the stop: b") in texts
    assert (
        "stop_confirmed",
        "pack support: all 2 agents seen stopped 35.0 s after the stop (past the deadline)",
    ) in texts


async def test_confirmed_as_soon_as_the_last_agent_reports(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock)
    for pack in ("support", "legal"):
        beat(hub, f"{pack}-bot", pack, "running")
    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)
        hub.client("cto").post("/api/killswitch/global", json=STOP)
        beat(hub, "support-bot", "support", "stopped")
        clock.advance(1.5)
        beat(hub, "legal-bot", "legal", "stopped")
        frames = await recv_until(ws, lambda f: f["type"] == "killswitch.confirmed")
    [changed] = of_type(frames, "killswitch.changed")
    assert changed["agents"] == {"total": 2, "running": 2, "stopped": 0}
    [confirmed] = of_type(frames, "killswitch.confirmed")
    assert (confirmed["target"], confirmed["agents"], confirmed["elapsed_s"]) == ("global", 2, 1.5)
    assert of_type(frames, "killswitch.violation") == []


async def test_re_enabling_ends_the_watch(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock, stop_deadline_s=10.0, **FAST)
    beat(hub, "a", "support", "running")
    client = hub.client("on-call")
    client.post("/api/killswitch/pack/support", json=STOP)
    client.post("/api/killswitch/pack/support", json={"enabled": True, "reason": "false alarm"})
    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)
        clock.advance(11)
        wait_tick(hub, clock)
        client.post("/api/killswitch/pack/legal", json=STOP)  # a marker: no agents, confirmed
        frames = await recv_until(ws, lambda f: f["type"] == "killswitch.confirmed")
    assert of_type(frames, "killswitch.violation") == []
    assert of_type(frames, "killswitch.confirmed")[0]["agents"] == 0


def test_a_pack_without_agents_is_not_reported_as_seen_stopped(hub: RunningHub) -> None:
    """Confirming an empty pack must not read as if agents had been watched stopping."""
    opened = hub.client("on-call").post(
        "/api/incidents",
        json={"title": "t", "severity": "SEV2", "category": "runaway_agent", "packs": ["support"]},
    )
    iid = opened.json()["incident"]["id"]
    hub.client("on-call").post(
        "/api/killswitch/pack/support",
        json={"enabled": False, "reason": "r", "incident_id": iid},
    )
    timeline = hub.client("viewer").get(f"/api/incidents/{iid}").json()["timeline"]
    texts = [e["text"] for e in timeline if e["kind"] == "stop_confirmed"]
    assert texts == ["pack support: no agents known to the hub, so none left running"]


async def test_snapshot_carries_each_stops_progress(hub: RunningHub) -> None:
    # A console that connects after a stop must decide as the hub does: "b" stopped
    # and then went silent (error) counts as stopped; "c" was in error before it was
    # ever seen stopped and does not.
    for agent in ("a", "b", "c"):
        beat(hub, agent, "support", "running")
    beat(hub, "c", "support", "error")
    hub.client("on-call").post("/api/killswitch/pack/support", json=STOP)
    beat(hub, "a", "support", "stopped")
    beat(hub, "b", "support", "stopped")
    beat(hub, "b", "support", "error")
    async with stream(hub) as ws:
        await hello(ws, None)
        snapshot = (await recv(ws))["data"]
    switch = next(s for s in snapshot["switches"] if s["pack"] == "support")
    assert snapshot["stops"] == [
        {"target": "pack:support", "stopped_at": switch["changed_at"], "seen_stopped": ["a", "b"]}
    ]
    answer = hub.client("on-call").post(
        "/api/killswitch/pack/support", json={"enabled": True, "reason": "fixed"}
    )
    assert answer.status_code == 200, answer.text
    async with stream(hub) as ws:
        await hello(ws, None)
        assert (await recv(ws))["data"]["stops"] == []
