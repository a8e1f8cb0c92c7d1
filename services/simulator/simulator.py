"""A simulator of AgentOS packs, so that ``warroom demo`` needs nothing else.

Simulated agents behave as real ones would towards the hub: each heartbeats
through ``POST /api/agents/{id}/heartbeat`` and obeys the answer — told
``allowed: false`` it ends its run and reports ``stopped`` at once (well inside
the 2 s the issue allows), and it starts again when allowed. Alerts reach the
hub as real Alertmanager webhook payloads (version 4) on
``POST /api/ingest/alertmanager``.

Scenarios are scripts of timed steps, deterministic for a seed: the same seed
gives the same agents, rates and alerts, in the same order.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.domain.timeutil import to_rfc3339, utcnow
from services.simulator.fleet import FLEET, PACKS, RUNAWAY_THRESHOLD, SimAgent, build_fleet
from services.simulator.scenarios import (
    SCENARIOS,
    ScenarioError,
    SimAlert,
    alertmanager_payload,
    scenario_steps,
)

log = logging.getLogger("warroom.simulator")

__all__ = [
    "FLEET",
    "PACKS",
    "SCENARIOS",
    "ScenarioError",
    "SimAgent",
    "SimAlert",
    "Simulator",
    "alertmanager_payload",
    "scenario_steps",
]


@dataclass
class Simulator:
    """Runs a scenario against a hub at ``base_url`` until cancelled.

    ``base_url`` may name a hub's replicas, separated by commas: the agents are spread
    over them (each heartbeats to its own, and to the next when it does not answer),
    and the alerts go to one after another."""

    base_url: str
    agent_token: str
    ingest_token: str
    scenario: str = "demo"
    seed: int = 0
    packs: tuple[str, ...] = PACKS
    tick_s: float = 1.0
    storm_rate: float = 20.0
    repeat_interval_s: float = 10.0
    # Scales the script's step times (0.1 plays a scenario ten times faster, for tests).
    time_scale: float = 1.0
    # Each agent long-polls its heartbeat (``wait_s`` = one tick): the hub answers as
    # soon as its pack is stopped or re-enabled, so a stop reaches the agent at once
    # instead of at its next heartbeat, up to a tick later. One connection per agent.
    long_poll: bool = True
    clock: Callable[[], Any] = utcnow
    agents: dict[str, SimAgent] = field(default_factory=dict)
    # Counters, for logs and benchmarks.
    heartbeats_sent: int = 0
    heartbeat_errors: int = 0
    alerts_sent: int = 0

    def __post_init__(self) -> None:
        self.steps = scenario_steps(self.scenario)  # raises on an unknown name, before start
        self.rng = random.Random(self.seed)
        self.agents = build_fleet(self.rng, self.packs)
        self._firing: dict[str, SimAlert] = {}
        self._last_sent: dict[str, float] = {}
        self._storm_counter = 0
        self.replicas = [url.strip().rstrip("/") for url in self.base_url.split(",") if url.strip()]
        # Each agent's replica (an index into ``replicas``), and the next for alerts.
        self._home = {agent: n % len(self.replicas) for n, agent in enumerate(sorted(self.agents))}
        self._ingest_at = 0

    async def run(self) -> None:
        """Heartbeat every agent each tick, play the script, re-send firing alerts."""
        headers = {"Authorization": f"Bearer {self.agent_token}"}
        # Held heartbeats each keep a connection: one per agent, and some for the rest.
        connections = 16 + (len(self.agents) if self.long_poll else 0)
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(
            headers=headers, limits=limits, timeout=5.0 + self.tick_s
        ) as client:
            self._client = client
            beating = (
                [asyncio.create_task(self._beat_forever(a)) for a in self.agents.values()]
                if self.long_poll
                else []
            )
            try:
                await self._play()
            finally:
                for task in beating:
                    task.cancel()
                await asyncio.gather(*beating, return_exceptions=True)

    async def _play(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        pending = list(self.steps)
        while True:
            elapsed = loop.time() - started
            states = {agent.id: agent.state for agent in self.agents.values()}
            while pending and pending[0][0] * self.time_scale <= elapsed:
                _, action, args = pending.pop(0)
                await self._do(action, args)
            self._evolve()
            if not self.long_poll:
                await self._heartbeat_all()
            else:
                # A held heartbeat carries what was true when it was sent: an agent that
                # changed state (a runaway now stuck) says so now, before its alert fires.
                changed = [a for a in self.agents.values() if a.state != states[a.id]]
                await asyncio.gather(*(self._post_heartbeat(a) for a in changed))
            await self._monitor(loop.time())
            if self.scenario == "storm":
                await self._storm()
            await asyncio.sleep(self.tick_s)

    async def _beat_forever(self, agent: SimAgent) -> None:
        """One agent's heartbeats, each held by the hub for up to a tick (a long poll)."""
        loop = asyncio.get_running_loop()
        while True:
            began = loop.time()
            obeyed = await self._heartbeat(agent, wait_s=self.tick_s)
            if not obeyed:
                # Nothing to obey (or an error, logged): the next beat a tick after this
                # one, however soon the hub answered (a hub that does not hold it).
                await asyncio.sleep(max(0.0, self.tick_s - (loop.time() - began)))

    # -- the script ---------------------------------------------------------
    async def _do(self, action: str, args: dict[str, Any]) -> None:
        agent = self.agents.get(str(args.get("agent", "")))
        if action == "runaway" and agent is not None and agent.state != "stopped":
            agent.loop_gain = 35.0
            log.info("scenario: %s starts looping", agent.id)
        elif action == "degrade" and agent is not None and agent.state != "stopped":
            agent.state = "degraded"
        elif action == "recover" and agent is not None and agent.state == "degraded":
            agent.state = "running"
        elif action == "fire" and args.get("pack") in self.packs:
            alert = SimAlert(**args, starts_at=to_rfc3339(self.clock()))
            self._firing[alert.fingerprint] = alert
            await self._send([alert])
        elif action == "resolve":
            fingerprint = SimAlert(**args).fingerprint
            ended = self._firing.pop(fingerprint, None)
            if ended is not None:
                ended.firing = False
                await self._send([ended])

    def _evolve(self) -> None:
        """Rates wander around each agent's base; a looping agent's climb."""
        for agent in self.agents.values():
            if agent.state == "stopped":
                continue
            if agent.loop_gain:
                agent.tool_calls_per_min += agent.loop_gain
                if agent.tool_calls_per_min > RUNAWAY_THRESHOLD:
                    agent.state = "stuck"
            else:
                jitter = self.rng.uniform(0.8, 1.2)
                agent.tool_calls_per_min = agent.base_rate * jitter
            agent.tokens_per_min = agent.tool_calls_per_min * 380.0

    async def _monitor(self, now: float) -> None:
        """The simulated monitoring: fire RunawayAgent while an agent loops, resolve after."""
        for agent in self.agents.values():
            alert = SimAlert(
                alertname="RunawayAgent",
                pack=agent.pack,
                agent=agent.id,
                severity="critical",
                summary=f"Agent {agent.id} is looping",
                description=(
                    f"{agent.id} is making {agent.tool_calls_per_min:.0f} tool calls a minute "
                    "without finishing its task (budget: 50)."
                ),
            )
            looping = agent.loop_gain > 0 and agent.tool_calls_per_min > RUNAWAY_THRESHOLD
            if looping and alert.fingerprint not in self._firing:
                alert.starts_at = to_rfc3339(self.clock())
                self._firing[alert.fingerprint] = alert
                await self._send([alert])
            elif not looping and alert.fingerprint in self._firing and agent.state == "stopped":
                ended = self._firing.pop(alert.fingerprint)
                ended.firing = False
                await self._send([ended])
        # Alertmanager re-sends what still fires every repeat interval.
        for fingerprint, alert in list(self._firing.items()):
            if now - self._last_sent.get(fingerprint, now) >= self.repeat_interval_s:
                await self._send([alert])

    async def _storm(self) -> None:
        """``storm_rate`` alerts a second, a tenth of them repeats."""
        batch: list[SimAlert] = []
        for _ in range(max(1, int(self.storm_rate * self.tick_s))):
            self._storm_counter += 1
            number = self._storm_counter
            if number % 10 == 0 and number > 10:
                number = self.rng.randrange(1, number)
            pack = self.packs[number % len(self.packs)]
            batch.append(
                SimAlert(
                    alertname="ToolErrorRateHigh",
                    pack=pack,
                    agent=f"storm-{number}",
                    severity="warning",
                    summary=f"storm alert {number}",
                    description="Generated by the storm scenario.",
                    starts_at=to_rfc3339(self.clock()),
                )
            )
        for start in range(0, len(batch), 50):
            await self._send(batch[start : start + 50])

    # -- talking to the hub -------------------------------------------------
    async def _heartbeat_all(self) -> None:
        await asyncio.gather(*(self._heartbeat(agent) for agent in self.agents.values()))

    async def _heartbeat(self, agent: SimAgent, wait_s: float = 0.0) -> bool:
        """One heartbeat, obeyed; True when the agent stopped or started on its answer."""
        answer = await self._post_heartbeat(agent, wait_s)
        if answer is None:
            return False
        allowed = bool(answer.get("allowed", True))
        if not allowed and agent.state != "stopped":
            # Told to stop: end the run and say so at once, not on the next tick.
            agent.stop()
            await self._post_heartbeat(agent)
        elif allowed and agent.state == "stopped":
            agent.start_run(self.rng)
            await self._post_heartbeat(agent)
        else:
            return False
        return True

    async def _post_heartbeat(self, agent: SimAgent, wait_s: float = 0.0) -> dict[str, Any] | None:
        try:
            home = self._home.get(agent.id, 0)
            path = f"{self.replicas[home]}/api/agents/{agent.id}/heartbeat"
            body = agent.body() | ({"wait_s": wait_s} if wait_s else {})
            response = await self._client.post(path, json=body)
            self.heartbeats_sent += 1
            if response.status_code != 200:
                self.heartbeat_errors += 1
                log.warning("heartbeat %s: HTTP %s", agent.id, response.status_code)
                return None
            data = response.json()
            return data if isinstance(data, dict) else None
        except httpx.HTTPError as error:
            self.heartbeat_errors += 1
            # Its replica is down: the next one, from the next heartbeat on.
            self._home[agent.id] = (self._home.get(agent.id, 0) + 1) % len(self.replicas)
            log.warning("heartbeat %s failed: %s", agent.id, error)
            return None

    async def _send(self, alerts: list[SimAlert]) -> None:
        loop = asyncio.get_running_loop()
        for alert in alerts:
            self._last_sent[alert.fingerprint] = loop.time()
        try:
            self._ingest_at = (self._ingest_at + 1) % len(self.replicas)
            response = await self._client.post(
                f"{self.replicas[self._ingest_at]}/api/ingest/alertmanager",
                json=alertmanager_payload(alerts),
                headers={"Authorization": f"Bearer {self.ingest_token}"},
            )
            if response.status_code == 200:
                self.alerts_sent += len(alerts)
            else:
                log.warning("alert ingest: HTTP %s %s", response.status_code, response.text[:200])
        except httpx.HTTPError as error:
            log.warning("alert ingest failed: %s", error)
