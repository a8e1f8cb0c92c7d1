"""A long-polled heartbeat (``wait_s``): the hub holds the answer until whether the agent
may run changes, so a stop reaches the agent at once rather than at its next beat."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.hubtools import RunningHub

BODY = {"pack": "support", "state": "running", "run_id": "r1"}
STOP = {"enabled": False, "reason": "containment"}
ENABLE = {"enabled": True, "reason": "recovered"}


async def _beat(hub: RunningHub, **extra: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=hub.url, headers=hub.headers("agent")) as client:
        answer = await client.post("/api/agents/bot/heartbeat", json={**BODY, **extra}, timeout=30)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result


async def test_a_held_heartbeat_is_answered_by_the_stop(hub: RunningHub) -> None:
    held = asyncio.create_task(_beat(hub, wait_s=20))
    await asyncio.sleep(0.5)  # the hub holds it (without wait_s it was answered: allowed)
    assert not held.done()
    operator = hub.client("incident-commander")
    stopped = await asyncio.to_thread(operator.post, "/api/killswitch/pack/support", json=STOP)
    assert stopped.status_code == 200, stopped.text
    answer = await asyncio.wait_for(held, 10)
    assert answer["allowed"] is False and "pack support stopped" in answer["reason"]

    # Stopped, the agent's held heartbeat is answered by the re-enable.
    held = asyncio.create_task(_beat(hub, wait_s=20, state="stopped"))
    await asyncio.sleep(0.5)
    assert not held.done()
    await asyncio.to_thread(operator.post, "/api/killswitch/pack/support", json=ENABLE)
    assert (await asyncio.wait_for(held, 10))["allowed"] is True


async def test_another_packs_stop_does_not_answer_it(hub: RunningHub) -> None:
    held = asyncio.create_task(_beat(hub, wait_s=1.0))
    await asyncio.sleep(0.3)
    operator = hub.client("incident-commander")
    await asyncio.to_thread(operator.post, "/api/killswitch/pack/legal", json=STOP)
    assert (await asyncio.wait_for(held, 10))["allowed"] is True  # after its wait


def test_wait_s_is_bounded(hub: RunningHub) -> None:
    answer = hub.client("agent").post("/api/agents/bot/heartbeat", json={**BODY, "wait_s": 31})
    assert answer.status_code == 422


def test_a_running_agent_that_must_stop_is_told_at_once(hub: RunningHub) -> None:
    """Not held: its held heartbeat may have ended just before the stop, and the next
    one must not wait a whole period to say so (that was a second-long tail)."""
    operator = hub.client("incident-commander")
    operator.post("/api/killswitch/pack/support", json=STOP)
    agent = hub.client("agent")
    answer = agent.post("/api/agents/bot/heartbeat", json={**BODY, "wait_s": 30}, timeout=10)
    assert answer.status_code == 200 and answer.json()["allowed"] is False
    stopped = {**BODY, "state": "stopped"}
    operator.post("/api/killswitch/pack/support", json=ENABLE)
    answer = agent.post("/api/agents/bot/heartbeat", json={**stopped, "wait_s": 30}, timeout=10)
    assert answer.status_code == 200 and answer.json()["allowed"] is True
