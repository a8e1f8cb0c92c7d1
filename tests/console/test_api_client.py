"""HubClient against the real hub, plus the header contract on a recording transport."""

from __future__ import annotations

import httpx
import pytest

from services.console.hub_client import HubClient, HubRefused, HubUnreachable
from tests.hubtools import RunningHub


async def test_reads_and_whoami(hub: RunningHub) -> None:
    async with HubClient(hub.url, hub.tokens["incident-commander"]) as client:
        health = await client.health()
        assert health["status"] == "ok"
        me = await client.whoami()
        assert me["role"] == "incident-commander" and "killswitch.global" in me["permissions"]
        status = await client.packs_status()
        assert {p["name"] for p in status["packs"]} >= {"support", "marketing"}
        state = await client.state()
        assert "seq" in state and "agents" in state
        assert await client.incidents() == []


async def test_switches_are_idempotent_by_key(hub: RunningHub) -> None:
    async with HubClient(hub.url, hub.tokens["incident-commander"]) as client:
        first = await client.set_pack_switch("support", False, "PII", idempotency_key="k-1")
        again = await client.set_pack_switch("support", False, "PII", idempotency_key="k-1")
        assert first == again and first["changed"] is True
        assert first["applied"]["enabled"] is False
        other = await client.set_pack_switch("support", False, "PII")  # a new key
        assert other["changed"] is False
        engaged = await client.set_global_switch(False, "stop everything")
        assert engaged["applied"]["scope"] == "global"


async def test_refusals_are_typed(hub: RunningHub) -> None:
    async with HubClient(hub.url, hub.tokens["viewer"]) as viewer:
        with pytest.raises(HubRefused) as refused:
            await viewer.set_global_switch(False, "nope")
        assert (refused.value.status, refused.value.code) == (403, "forbidden")
    async with HubClient(hub.url, hub.tokens["incident-commander"]) as client:
        with pytest.raises(HubRefused) as empty:
            await client.set_pack_switch("support", False, "")
        assert empty.value.status == 422
        with pytest.raises(HubRefused) as unknown:
            await client.set_pack_switch("no/such pack", False, "x")
        assert unknown.value.status == 404
    async with HubClient(hub.url, "wrong") as stranger:
        with pytest.raises(HubRefused) as denied:
            await stranger.whoami()
        assert denied.value.code == "unauthenticated"


async def test_an_unreachable_hub_is_typed() -> None:
    async with HubClient("http://127.0.0.1:9", "t", timeout=1.0) as client:
        with pytest.raises(HubUnreachable):
            await client.health()


async def test_every_post_carries_an_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"incident": {}, "changed": True, "entry": None})

    transport = httpx.MockTransport(answer)
    async with HubClient("http://hub", "t", transport=transport) as client:
        await client.ack("INC-1")
        await client.add_note("INC-1", "a note", idempotency_key="mine")
        await client.set_severity("INC/../x", "SEV1")
        await client.whoami()
    keys = [r.headers.get("Idempotency-Key") for r in seen]
    assert keys[0] and keys[1] == "mine" and keys[2] and keys[3] is None
    assert len({keys[0], keys[2]}) == 2
    assert seen[2].url.raw_path == b"/api/incidents/INC%2F..%2Fx/severity"
    assert all(r.headers["Authorization"] == "Bearer t" for r in seen)
