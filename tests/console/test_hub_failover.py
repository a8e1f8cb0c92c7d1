"""The control-API client over the replicas of one hub (issue 14): real hubs stand in
for replicas, a bound but not listening port for one that is down."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from services.console.hub_client import HubClient, HubRefused, HubUnreachable, hub_path
from services.console.killswitches import switch_request
from services.console.outbox import Outbox
from storage.console_store import ConsoleStore
from tests.console.test_outbox_lanes import _open_incident
from tests.faults import NotesFail
from tests.hubtools import HubFactory, RunningHub, start_hub


@contextmanager
def refusing_url() -> Iterator[str]:
    """A loopback URL that refuses connections: the port is held, nobody listens."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


@pytest.fixture
def down_url() -> Iterator[str]:
    """A replica that is down."""
    with refusing_url() as url:
        yield url


def _audit(hub: RunningHub) -> list[dict[str, object]]:
    return list(hub.client("viewer").get("/api/audit").json()["records"])


async def test_a_keyed_request_goes_to_the_next_replica_when_one_refuses(
    hub: RunningHub, down_url: str
) -> None:
    token = hub.tokens["incident-commander"]
    async with HubClient([down_url, hub.url], token, timeout=5.0) as client:
        first = await client.set_pack_switch("support", False, "leak", idempotency_key="k-1")
        assert client.base_url == hub.url  # it stays on the replica that answered
        again = await client.set_pack_switch("support", False, "leak", idempotency_key="k-1")
    assert first == again and first["changed"] is True
    assert len(_audit(hub)) == 1  # applied once


async def test_a_503_sends_the_same_request_to_the_next_replica(
    tmp_path: Path, hub_factory: HubFactory
) -> None:
    store = NotesFail(tmp_path / "failing", fsync=False)
    failing = start_hub(tmp_path / "failing", store=store)
    try:
        healthy = hub_factory()
        iid = _open_incident(failing)
        assert _open_incident(healthy) == iid
        note = hub_path("api", "incidents", iid, "notes")
        urls = [failing.url, healthy.url]
        async with HubClient(urls, healthy.tokens["on-call"]) as client:
            answer = await client.request("POST", note, {"text": "on B"}, "note-1")
            assert client.base_url == healthy.url
            assert await client.request("POST", note, {"text": "on B"}, "note-1") == answer
    finally:
        failing.stop()
        store.close()
    timeline = healthy.client("viewer").get(f"/api/incidents/{iid}").json()["timeline"]
    assert [e["text"] for e in timeline if e["kind"] == "note"] == ["on B"]


async def test_every_replica_down_names_each_and_one_url_reads_as_before(down_url: str) -> None:
    with refusing_url() as other:
        async with HubClient([down_url, other], "t", timeout=2.0) as client:
            with pytest.raises(HubUnreachable) as both:
                await client.whoami()
    for url in (down_url, other):
        assert f"{url.removeprefix('http://')}: " in str(both.value)
    async with HubClient(down_url, "t", timeout=2.0) as client:
        with pytest.raises(HubUnreachable) as one:
            await client.whoami()
    assert not str(one.value).startswith(f"GET /api/whoami: {down_url.removeprefix('http://')}")


@pytest.mark.parametrize(
    ("method", "error", "asked"),
    [
        ("PATCH", httpx.ReadTimeout, ["a"]),  # it may have arrived: not sent again
        ("PATCH", httpx.ConnectError, ["a", "b"]),  # it never left
        ("POST", httpx.ReadTimeout, ["a", "b"]),  # keyed: applied once wherever it lands
        ("GET", httpx.RemoteProtocolError, ["a", "b"]),
    ],
)
async def test_only_what_cannot_apply_twice_is_sent_again_elsewhere(
    method: str, error: type[httpx.HTTPError], asked: list[str]
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "a":
            raise error("down", request=request)
        return httpx.Response(200, json={"ok": True})

    transport = httpx.MockTransport(answer)
    async with HubClient(["http://a", "http://b"], "t", transport=transport) as client:
        try:
            await client.request(method, hub_path("api", "x"), {})
        except HubUnreachable:
            assert asked == ["a"]
    assert [r.url.host for r in seen] == asked
    keys = {r.headers.get("Idempotency-Key") for r in seen}
    assert len(keys) == 1  # the same key on every replica


async def test_a_502_from_the_only_replica_left_is_the_hubs_answer() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502 if request.url.host == "a" else 504, json={})

    transport = httpx.MockTransport(answer)
    async with HubClient(["http://a", "http://b"], "t", transport=transport) as client:
        with pytest.raises(HubRefused) as refused:
            await client.whoami()
    assert refused.value.status == 504


async def test_a_pending_stop_is_delivered_by_the_next_replica(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    first, second = hub_factory(), hub_factory()
    store = ConsoleStore(tmp_path / "console", fsync=False)
    token = first.tokens["incident-commander"]
    async with HubClient([first.url, second.url], token, timeout=5.0) as client:
        outbox = Outbox(store, client)
        first.stop()  # the replica dies with the stop journalled, not yet sent
        path, body = switch_request("support", False, "leak", None)
        stop = outbox.submit("killswitch", path, body)
        (delivery,) = await outbox.flush()
        assert (delivery.item.key, delivery.state) == (stop.key, "done")
        assert await outbox.flush() == []  # nothing left to send again
    records = _audit(second)
    assert [(r["target"], r["action"]) for r in records] == [("pack:support", "stop")]
