"""The simulator against a real hub: agents obey the kill switch; scenarios open incidents."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.simulator.simulator import FLEET, SimAlert, Simulator
from tests.hubtools import RunningHub, start_hub
from tests.waiting import wait_until


def _sim_hub(tmp_path: Path, scenario: str, **sim: Any) -> RunningHub:
    holder: dict[str, Simulator] = {}

    async def background(base_url: str) -> None:
        tokens = {"agent": "test-token-agent", "ingest": "test-token-ingest"}
        simulator = Simulator(
            base_url,
            tokens["agent"],
            tokens["ingest"],
            scenario=scenario,
            seed=3,
            tick_s=0.2,
            time_scale=0.05,
            **sim,
        )
        holder["sim"] = simulator
        await simulator.run()

    return start_hub(tmp_path / "hub", background=background)


@pytest.fixture
def sim_hub(tmp_path: Path) -> Iterator[Callable[..., RunningHub]]:
    started: list[RunningHub] = []

    def make(scenario: str, **sim: Any) -> RunningHub:
        running = _sim_hub(tmp_path, scenario, **sim)
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


def _wait(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    return wait_until(predicate, timeout, interval=0.05)


def _pack(hub: RunningHub, name: str) -> dict[str, Any]:
    status = hub.client("viewer").get("/api/packs/status").json()
    return next(p for p in status["packs"] if p["name"] == name)


def test_pack_switch_really_stops_and_restarts_agents(sim_hub) -> None:
    hub = sim_hub("calm")
    _wait(lambda: _pack(hub, "support")["agents"]["running"] == len(FLEET["support"]))
    answer = hub.client("on-call").post(
        "/api/killswitch/pack/support", json={"enabled": False, "reason": "test"}
    )
    assert answer.status_code == 200
    _wait(lambda: _pack(hub, "support")["agents"]["stopped"] == len(FLEET["support"]))
    # Only that pack stopped.
    assert _pack(hub, "finance")["agents"]["stopped"] == 0
    hub.client("on-call").post(
        "/api/killswitch/pack/support", json={"enabled": True, "reason": "ok"}
    )
    _wait(lambda: _pack(hub, "support")["agents"]["running"] == len(FLEET["support"]))


def test_global_switch_stops_every_pack(sim_hub) -> None:
    hub = sim_hub("calm")
    total = sum(len(agents) for agents in FLEET.values())

    def counts(state: str) -> int:
        packs = hub.client("viewer").get("/api/packs/status").json()["packs"]
        return sum(p["agents"][state] for p in packs)

    _wait(lambda: counts("running") == total)
    hub.client("incident-commander").post(
        "/api/killswitch/global", json={"enabled": False, "reason": "all stop"}
    )
    _wait(lambda: counts("stopped") == total)
    hub.client("incident-commander").post(
        "/api/killswitch/global", json={"enabled": True, "reason": "restore"}
    )
    _wait(lambda: counts("running") == total)


def _incidents(hub: RunningHub) -> list[dict[str, Any]]:
    return hub.client("viewer").get("/api/incidents").json()["incidents"]


def test_pii_leak_opens_a_sev1_security_incident(sim_hub) -> None:
    hub = sim_hub("pii-leak")
    incident = _wait(lambda: next(iter(_incidents(hub)), None))
    assert (incident["severity"], incident["category"]) == ("SEV1", "pii_exposure")
    assert incident["packs"] == ["support"]


def test_runaway_climbs_fires_and_resolves_once_stopped(sim_hub) -> None:
    hub = sim_hub("runaway")
    incident = _wait(lambda: next(iter(_incidents(hub)), None))
    assert (incident["severity"], incident["category"]) == ("SEV2", "runaway_agent")
    assert incident["packs"] == ["marketing"]
    state = hub.client("viewer").get("/api/state").json()
    looping = next(a for a in state["agents"] if a["id"] == "campaign-writer")
    assert looping["tool_calls_per_min"] > 150
    hub.client("on-call").post(
        "/api/killswitch/pack/marketing", json={"enabled": False, "reason": "runaway"}
    )

    def resolved() -> bool:
        alerts = hub.client("viewer").get("/api/state").json()["alerts"]
        return any(a["status"] == "resolved" and a["agent"] == "campaign-writer" for a in alerts)

    _wait(resolved)


def test_same_seed_same_story(tmp_path: Path) -> None:
    """Two runs with one seed report the same agents with the same base rates."""
    one = Simulator("http://x", "a", "i", scenario="demo", seed=11)
    two = Simulator("http://x", "a", "i", scenario="demo", seed=11)
    assert [(a.id, a.base_rate) for a in one.agents.values()] == [
        (a.id, a.base_rate) for a in two.agents.values()
    ]
    assert one.steps == two.steps


class CountedStorm(Simulator):
    """The storm scenario, parked after ``ticks`` ticks with every send answered, and the
    fingerprints it offered recorded: what was offered can then be set against what the hub
    applied, exactly, with no clock involved."""

    def __init__(self, *args: Any, ticks: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ticks_wanted = ticks
        self.ticks = 0
        self.offered: list[str] = []
        self.parked = asyncio.Event()

    async def _send(self, alerts: list[SimAlert]) -> None:
        self.offered += [alert.fingerprint for alert in alerts]
        await super()._send(alerts)

    async def _storm(self) -> None:
        await super()._storm()
        self.ticks += 1
        if self.ticks == self.ticks_wanted:
            self.parked.set()
            await asyncio.Event().wait()  # parked between ticks until cancelled


async def test_storm_sends_alerts_at_its_rate(hub: RunningHub) -> None:
    """``storm_rate`` alerts a second is ``storm_rate * tick_s`` a tick, a tenth of them
    repeats; the hub applies each offered alert once. Counted per tick, not timed."""
    ticks, per_tick = 12, 20
    storm = CountedStorm(
        hub.url,
        hub.tokens["agent"],
        hub.tokens["ingest"],
        scenario="storm",
        seed=3,
        tick_s=0.05,
        storm_rate=per_tick / 0.05,
        ticks=ticks,
        long_poll=False,  # heartbeats in rounds, one a tick, to count
    )
    running = asyncio.create_task(storm.run())
    try:
        await asyncio.wait_for(storm.parked.wait(), 30)
        async with httpx.AsyncClient(base_url=hub.url, headers=hub.headers("viewer")) as client:
            alerts = (await client.get("/api/state")).json()["alerts"]
    finally:
        running.cancel()
    # The rate: alerts per tick, against heartbeat rounds per tick, all answered.
    assert len(storm.offered) == storm.alerts_sent == ticks * per_tick
    assert storm.heartbeats_sent == ticks * len(storm.agents)
    assert storm.heartbeat_errors == 0
    # A tenth repeats: every tenth number after the tenth is an earlier alert again (or one
    # never sent, when the draw lands on another such slot).
    repeats = len(storm.offered) - len(set(storm.offered))
    assert 0 < repeats <= ticks * per_tick // 10 - 1
    # Applied as offered: each alert once, each repeat counted on its alert, none lost.
    applied = {
        a["fingerprint"]: a["repeat_count"] for a in alerts if a["title"].startswith("storm")
    }
    assert applied == Counter(storm.offered)
