"""The simulated AgentOS fleet: packs, their agents, and what each agent reports next."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

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

# Tool calls per minute above which the simulated monitor fires RunawayAgent.
RUNAWAY_THRESHOLD = 150.0


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


def build_fleet(rng: random.Random, packs: tuple[str, ...] = PACKS) -> dict[str, SimAgent]:
    """Every agent of ``packs`` with a seeded base rate and a first run."""
    agents: dict[str, SimAgent] = {}
    for pack in packs:
        for name in FLEET.get(pack, ()):
            agent = SimAgent(id=name, pack=pack, base_rate=rng.uniform(4.0, 30.0))
            agent.start_run(rng)
            agents[name] = agent
    return agents
