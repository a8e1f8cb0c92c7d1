"""Driving a real hub from the console's tests: heartbeats, Alertmanager, switches."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.fixtures import ALERTMANAGER
from tests.hubtools import RunningHub

FIXTURES = ALERTMANAGER
ZERO = "0001-01-01T00:00:00Z"


def fixture(name: str) -> dict[str, Any]:
    """A captured Alertmanager webhook body."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def am_alert(
    fingerprint: str,
    *,
    alertname: str = "RunawayAgent",
    pack: str = "marketing",
    agent: str = "campaign-writer",
    summary: str = "Agent tool-call rate above threshold",
    status: str = "firing",
    starts_at: str = "2026-11-25T18:00:00.000Z",
) -> dict[str, Any]:
    """One alert as Alertmanager sends it."""
    return {
        "status": status,
        "labels": {"alertname": alertname, "pack": pack, "agent": agent, "severity": "page"},
        "annotations": {"summary": summary, "description": f"{agent} in {pack}"},
        "startsAt": starts_at,
        "endsAt": ZERO if status == "firing" else "2026-11-25T18:30:00.000Z",
        "generatorURL": "http://127.0.0.1/agent-monitor",
        "fingerprint": fingerprint,
    }


def am_payload(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """A version 4 webhook body carrying ``alerts``."""
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "receiver": "warroom",
        "status": "firing" if firing else "resolved",
        "alerts": alerts,
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
    }


class HubDriver:
    """An async HTTP client on the hub with a method per thing tests make happen."""

    def __init__(self, hub: RunningHub) -> None:
        self.hub = hub
        self.http = httpx.AsyncClient(base_url=hub.url, timeout=10.0)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _post(self, path: str, role: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(path, json=body, headers=self.hub.headers(role))
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    async def heartbeat(
        self, agent_id: str, pack: str, state: str = "running", rate: float = 10.0
    ) -> dict[str, Any]:
        body = {
            "pack": pack,
            "state": state,
            "run_id": None if state in ("stopped", "idle") else f"run-{agent_id}",
            "tool_calls_per_min": rate,
            "tokens_per_min": rate * 100,
        }
        return await self._post(f"/api/agents/{agent_id}/heartbeat", "agent", body)

    async def ingest(self, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._post("/api/ingest/alertmanager", "ingest", payload)

    async def set_global(self, enabled: bool, reason: str = "test") -> dict[str, Any]:
        body = {"enabled": enabled, "reason": reason}
        return await self._post("/api/killswitch/global", "incident-commander", body)

    async def set_pack(self, pack: str, enabled: bool, reason: str = "test") -> dict[str, Any]:
        body = {"enabled": enabled, "reason": reason}
        return await self._post(f"/api/killswitch/pack/{pack}", "incident-commander", body)

    async def latest_seq(self) -> int:
        response = await self.http.get("/health")
        return int(response.json()["seq"])

    async def state(self) -> dict[str, Any]:
        response = await self.http.get("/api/state", headers=self.hub.headers("viewer"))
        data: dict[str, Any] = response.json()
        return data


async def until(
    check: Callable[[], bool],
    *,
    what: str,
    within: float = 10.0,
    step: Callable[[], Awaitable[Any]] | None = None,
) -> None:
    """Poll ``check`` (after ``step``, e.g. ``pilot.pause``) until true; fail after ``within`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        if step is not None:
            await step()
        await asyncio.sleep(0.02)
