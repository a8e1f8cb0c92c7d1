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
import hashlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.domain.timeutil import ZERO_TIME, to_rfc3339, utcnow

log = logging.getLogger("warroom.simulator")

# AgentOS-like packs and their agents.
FLEET: dict[str, tuple[str, ...]] = {
    "marketing": ("campaign-writer", "seo-auditor", "social-scheduler", "ad-optimizer"),
    "finance": ("invoice-reconciler", "payments-sync", "expense-classifier", "forecast-builder"),
    "engineering": ("code-reviewer", "test-triager", "dependency-bumper", "release-noter"),
    "devops": ("deploy-watcher", "log-summarizer", "capacity-planner"),
    "legal": ("contract-reviewer", "policy-checker", "nda-drafter"),
    "research": ("web-researcher", "paper-digester", "citation-checker"),
    "support": (
        "support-bot",
        "ticket-summarizer",
        "triage-router",
        "refund-agent",
        "kb-writer",
        "sentiment-tagger",
    ),
}
PACKS: tuple[str, ...] = tuple(FLEET)
SCENARIOS: tuple[str, ...] = ("calm", "runaway", "pii-leak", "storm", "demo")

# Tool calls per minute above which the simulated monitor fires RunawayAgent.
RUNAWAY_THRESHOLD = 150.0


class ScenarioError(ValueError):
    """An unknown scenario name."""


@dataclass
class SimAgent:
    """One simulated agent and what it will report next."""

    id: str
    pack: str
    base_rate: float
    state: str = "running"
    run_id: str | None = None
    tool_calls_per_min: float = 0.0
    tokens_per_min: float = 0.0
    # Extra calls/min added each tick while looping (0 when behaving).
    loop_gain: float = 0.0
    run_counter: int = 0

    def start_run(self, rng: random.Random) -> None:
        self.run_counter += 1
        self.run_id = f"run-{self.id[:8]}-{self.run_counter:04d}-{rng.randrange(16**4):04x}"
        self.state = "running"

    def stop(self) -> None:
        self.state = "stopped"
        self.run_id = None
        self.tool_calls_per_min = 0.0
        self.tokens_per_min = 0.0
        self.loop_gain = 0.0

    def body(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "state": self.state,
            "run_id": self.run_id,
            "tool_calls_per_min": round(self.tool_calls_per_min, 1),
            "tokens_per_min": round(self.tokens_per_min, 1),
        }


@dataclass
class SimAlert:
    """An alert the simulated monitor fires, as Alertmanager would send it."""

    alertname: str
    pack: str
    agent: str
    severity: str
    summary: str
    description: str
    starts_at: str = ""
    firing: bool = True

    @property
    def labels(self) -> dict[str, str]:
        return {
            "agent": self.agent,
            "alertname": self.alertname,
            "pack": self.pack,
            "severity": self.severity,
        }

    @property
    def fingerprint(self) -> str:
        """Stable for the labels, as Alertmanager's is."""
        text = ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def alertmanager_payload(alerts: list[SimAlert], ends_at: str | None = None) -> dict[str, Any]:
    """A webhook body in Alertmanager's payload version 4, grouped by pack."""
    pack = alerts[0].pack
    items = []
    for alert in alerts:
        items.append(
            {
                "status": "firing" if alert.firing else "resolved",
                "labels": alert.labels,
                "annotations": {"description": alert.description, "summary": alert.summary},
                "startsAt": alert.starts_at,
                "endsAt": ZERO_TIME if alert.firing else (ends_at or to_rfc3339(utcnow())),
                "generatorURL": f"http://127.0.0.1/agent-monitor/{alert.pack}/{alert.agent}",
                "fingerprint": alert.fingerprint,
            }
        )
    firing = any(alert.firing for alert in alerts)
    return {
        "receiver": "warroom",
        "status": "firing" if firing else "resolved",
        "alerts": items,
        "groupLabels": {"pack": pack},
        "commonLabels": {"pack": pack},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "version": "4",
        "groupKey": f'{{}}:{{pack="{pack}"}}',
        "truncatedAlerts": 0,
    }


def build_fleet(rng: random.Random, packs: tuple[str, ...] = PACKS) -> dict[str, SimAgent]:
    """Every agent of ``packs`` with a seeded base rate and a first run."""
    agents: dict[str, SimAgent] = {}
    for pack in packs:
        for name in FLEET.get(pack, ()):
            agent = SimAgent(id=name, pack=pack, base_rate=rng.uniform(4.0, 30.0))
            agent.start_run(rng)
            agents[name] = agent
    return agents


Step = tuple[float, str, dict[str, Any]]


def scenario_steps(name: str) -> list[Step]:
    """The timed steps of scenario ``name``: (seconds from start, action, arguments)."""
    pii = {
        "alertname": "PIIExposure",
        "pack": "support",
        "agent": "ticket-summarizer",
        "severity": "critical",
        "summary": "Possible PII in ticket-summarizer output",
        "description": (
            "ticket-summarizer emitted text matching the e-mail and card-number detectors "
            "in a customer-visible reply (ticket #48213): "
            "jane.doe@example.com, 4111 1111 1111 1111."
        ),
    }
    rate_limit = {
        "alertname": "RateLimitBreach",
        "pack": "finance",
        "agent": "payments-sync",
        "severity": "warning",
        "summary": "payments-sync exceeded its API rate limit",
        "description": "payments-sync hit 429 Too Many Requests 37 times in the last minute.",
    }
    tool_errors = {
        "alertname": "ToolErrorRateHigh",
        "pack": "research",
        "agent": "web-researcher",
        "severity": "warning",
        "summary": "web-researcher tool error rate above 30%",
        "description": "34% of web-researcher's fetch tool calls failed in the last 5 minutes.",
    }
    if name == "calm":
        return []
    if name == "runaway":
        return [(5.0, "runaway", {"agent": "campaign-writer"})]
    if name == "pii-leak":
        return [(3.0, "fire", pii)]
    if name == "storm":
        return [(1.0, "storm", {})]
    if name == "demo":
        return [
            (4.0, "fire", pii),
            (15.0, "runaway", {"agent": "campaign-writer"}),
            (30.0, "fire", rate_limit),
            (45.0, "degrade", {"agent": "web-researcher"}),
            (50.0, "fire", tool_errors),
            (110.0, "resolve", tool_errors),
            (115.0, "recover", {"agent": "web-researcher"}),
            (140.0, "fire", {**rate_limit, "summary": "payments-sync exceeded its API rate limit"}),
        ]
    raise ScenarioError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}")


@dataclass
class Simulator:
    """Runs a scenario against a hub at ``base_url`` until cancelled."""

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

    async def run(self) -> None:
        """Heartbeat every agent each tick, play the script, re-send firing alerts."""
        headers = {"Authorization": f"Bearer {self.agent_token}"}
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
        async with httpx.AsyncClient(
            base_url=self.base_url, headers=headers, limits=limits, timeout=5.0
        ) as client:
            self._client = client
            loop = asyncio.get_running_loop()
            started = loop.time()
            pending = list(self.steps)
            while True:
                elapsed = loop.time() - started
                while pending and pending[0][0] * self.time_scale <= elapsed:
                    _, action, args = pending.pop(0)
                    await self._do(action, args)
                self._evolve()
                await self._heartbeat_all()
                await self._monitor(loop.time())
                if self.scenario == "storm":
                    await self._storm()
                await asyncio.sleep(self.tick_s)

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

    async def _heartbeat(self, agent: SimAgent) -> None:
        answer = await self._post_heartbeat(agent)
        if answer is None:
            return
        allowed = bool(answer.get("allowed", True))
        if not allowed and agent.state != "stopped":
            # Told to stop: end the run and say so at once, not on the next tick.
            agent.stop()
            await self._post_heartbeat(agent)
        elif allowed and agent.state == "stopped":
            agent.start_run(self.rng)
            await self._post_heartbeat(agent)

    async def _post_heartbeat(self, agent: SimAgent) -> dict[str, Any] | None:
        try:
            path = f"/api/agents/{agent.id}/heartbeat"
            response = await self._client.post(path, json=agent.body())
            self.heartbeats_sent += 1
            if response.status_code != 200:
                self.heartbeat_errors += 1
                log.warning("heartbeat %s: HTTP %s", agent.id, response.status_code)
                return None
            data = response.json()
            return data if isinstance(data, dict) else None
        except httpx.HTTPError as error:
            self.heartbeat_errors += 1
            log.warning("heartbeat %s failed: %s", agent.id, error)
            return None

    async def _send(self, alerts: list[SimAlert]) -> None:
        loop = asyncio.get_running_loop()
        for alert in alerts:
            self._last_sent[alert.fingerprint] = loop.time()
        try:
            response = await self._client.post(
                "/api/ingest/alertmanager",
                json=alertmanager_payload(alerts),
                headers={"Authorization": f"Bearer {self.ingest_token}"},
            )
            if response.status_code == 200:
                self.alerts_sent += len(alerts)
            else:
                log.warning("alert ingest: HTTP %s %s", response.status_code, response.text[:200])
        except httpx.HTTPError as error:
            log.warning("alert ingest failed: %s", error)
