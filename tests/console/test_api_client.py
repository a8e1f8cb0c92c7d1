"""HubClient against the real hub, plus the header and path contracts on a recording transport."""

from __future__ import annotations

import httpx
import pytest

from services.console.hub_client import HubClient, HubRefused, HubUnreachable, hub_path
from tests.hubtools import HubFactory, RunningHub


async def test_reads_and_whoami(hub: RunningHub) -> None:
    async with HubClient(hub.url, hub.tokens["incident-commander"]) as client:
        me = await client.whoami()
        assert me["role"] == "incident-commander" and "killswitch.global" in me["permissions"]
        status = await client.packs_status()
        assert {p["name"] for p in status["packs"]} >= {"support", "marketing"}
        assert await client.audit() == []
        state = await client.request("GET", hub_path("api", "state"))
        assert "seq" in state and "agents" in state


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
            await client.whoami()


async def test_every_post_carries_an_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"incident": {}, "changed": True, "entry": None})

    transport = httpx.MockTransport(answer)
    async with HubClient("http://hub", "t", transport=transport) as client:
        await client.request("POST", hub_path("api", "incidents", "INC-1", "ack"), {})
        note = hub_path("api", "incidents", "INC-1", "notes")
        await client.request("POST", note, {"text": "a note"}, idempotency_key="mine")
        await client.set_pack_switch("support", False, "PII")
        await client.whoami()
    keys = [r.headers.get("Idempotency-Key") for r in seen]
    assert keys[0] and keys[1] == "mine" and keys[2] and keys[3] is None
    assert len({keys[0], keys[2]}) == 2
    assert all(r.headers["Authorization"] == "Bearer t" for r in seen)


@pytest.mark.parametrize(
    ("name", "segment"),
    [
        ("support", "support"),
        ("a/b?c", "a%2Fb%3Fc"),
        ("../x", "..%2Fx"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("50% #1", "50%25%20%231"),
        ("ünï", "%C3%BCn%C3%AF"),
    ],
)
async def test_a_name_reaches_the_hub_as_one_segment(name: str, segment: str) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"incident": {}, "timeline": [], "records": []})

    async with HubClient("http://hub", "t", transport=httpx.MockTransport(answer)) as client:
        await client.set_pack_switch(name, False, "x")
        await client.incident(name)
        await client.audit(target=f"pack:{name}")
    raw = [r.url.raw_path.decode() for r in seen]
    assert raw[0] == f"/api/killswitch/pack/{segment}"
    assert raw[1] == f"/api/incidents/{segment}"
    assert seen[2].url.path == "/api/audit"
    assert seen[2].url.params["target"] == f"pack:{name}"


def test_hub_path_quotes_every_segment_and_drops_empty_query_values() -> None:
    assert hub_path("api", "incidents", "INC/../x", "notes") == "/api/incidents/INC%2F..%2Fx/notes"
    assert hub_path("api", "audit", query={"target": "pack:a&b", "since": None}) == (
        "/api/audit?target=pack%3Aa%26b"
    )
    assert hub_path("api", "audit", query={"since": None}) == "/api/audit"
    with pytest.raises(ValueError):
        hub_path("api", "incidents", "")


async def test_dot_names_reach_a_real_hub(hub_factory: HubFactory) -> None:
    """A pack named ``..`` (the hub's config allows dots) is stopped, not normalised away."""
    hub = hub_factory(packs=["support", "..", "a.b"])
    async with HubClient(hub.url, hub.tokens["incident-commander"]) as client:
        answer = await client.set_pack_switch("..", False, "drill")
    assert (answer["applied"]["pack"], answer["applied"]["enabled"]) == ("..", False)
    status = hub.client("viewer").get("/api/packs/status").json()
    assert {p["name"]: p["enabled"] for p in status["packs"]} == {
        "support": True,
        "..": False,
        "a.b": True,
    }


async def test_clients_share_one_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console makes a client per action on its event loop: loading the
    certificate roots (30 to 50 ms) happens once per process, not per client."""
    import ssl

    from services.console import hub_client

    made: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        made.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    hub_client.tls_context.cache_clear()
    try:
        for _ in range(3):
            async with HubClient(["http://127.0.0.1:9", "https://127.0.0.1:9"], "t"):
                pass
    finally:
        hub_client.tls_context.cache_clear()
    assert len(made) == 1
