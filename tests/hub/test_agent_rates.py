"""An agent's rates are announced only when they change what a console shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.hub.helpers import hello, recv, recv_until, stream


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_rates_are_announced_only_when_visibly_changed(hub_factory: Any) -> None:
    clock = Clock()
    hub = hub_factory(clock=clock, agent_timeout_s=3600)
    agent = hub.client("agent")
    body = {"pack": "support", "state": "running", "run_id": "r1", "tokens_per_min": 1000}

    def beat(calls: float, **extra: Any) -> None:
        clock.now += timedelta(seconds=6)  # past the 5 s between rate announcements
        answer = agent.post(
            "/api/agents/bot/heartbeat", json={**body, "tool_calls_per_min": calls, **extra}
        )
        assert answer.status_code == 200, answer.text

    async with stream(hub) as ws:
        await hello(ws, None)
        await recv(ws)
        beat(3.0)  # new: announced
        beat(3.2)  # still "3" on screen: held back
        beat(2.9)  # still "3"
        beat(3.0, tokens_per_min=1020)  # 1,000 to two figures: held back
        beat(4.4)  # "4": announced
        beat(4.4, state="idle")  # a state change: announced at once
        frames = await recv_until(
            ws,
            lambda f: f["type"] == "agent.status" and f["data"]["agent"]["state"] == "idle",
            within=5,
        )
    calls = [
        f["data"]["agent"]["tool_calls_per_min"] for f in frames if f["type"] == "agent.status"
    ]
    assert calls == [3.0, 4.4, 4.4]
