"""The stream client against the real hub: resume by replay, and across a hub restart.

The set check: every event the client delivered was delivered once, and each
one follows the previous event's seq or a snapshot (the loud re-sync). A hole
with no snapshot before it would be state silently lost. The client's final
state must also equal the hub's.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.console.state import ConsoleState, StreamStatus
from services.console.stream_client import StreamClient
from services.domain.models import Envelope
from services.domain.timeutil import utcnow
from tests.console.live import HubDriver, am_alert, am_payload, until
from tests.hubtools import RunningHub

PACKS = ("marketing", "finance", "devops", "support")


class Gate:
    """The client's backoff sleep, held shut until the test opens it."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.held = asyncio.Event()

    async def sleep(self, delay: float) -> None:
        self.held.set()
        await self.open.wait()
        await asyncio.sleep(min(max(delay, 0.001), 0.05))


class Seen:
    """What the client delivered, in order."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.statuses: list[StreamStatus] = []

    @property
    def snapshots(self) -> list[Envelope]:
        return [e for e in self.envelopes if e.type == "snapshot"]


def assert_nothing_silently_lost(envelopes: list[Envelope]) -> int:
    """The set check; returns how many events were delivered."""
    seen: set[int] = set()
    previous: int | None = None
    for item in envelopes:
        if item.type == "heartbeat":
            continue
        if item.type == "snapshot":
            previous = item.seq
            continue
        assert item.seq not in seen, f"event {item.seq} delivered twice"
        seen.add(item.seq)
        assert previous is not None and item.seq == previous + 1, (
            f"event {item.seq} after {previous} with no snapshot between: events lost"
        )
        previous = item.seq
    return len(seen)


async def assert_same_state(seen: Seen, driver: HubDriver) -> None:
    mirror = ConsoleState()
    for item in seen.envelopes:
        assert mirror.apply(item, utcnow())
    hub_state = await driver.state()
    assert mirror.last_seq == hub_state["seq"]
    assert {a.id: a.state for a in mirror.agents.values()} == {
        a["id"]: a["state"] for a in hub_state["agents"]
    }
    assert {f: a.repeat_count for f, a in mirror.alerts.items()} == {
        a["fingerprint"]: a["repeat_count"] for a in hub_state["alerts"]
    }
    assert {i.id: i.status for i in mirror.incidents.values()} == {
        i["id"]: i["status"] for i in hub_state["incidents"]
    }


@contextlib.asynccontextmanager
async def running(client: StreamClient) -> AsyncIterator[None]:
    task = asyncio.create_task(client.run())
    try:
        yield
    finally:
        client.stop()
        task.cancel()
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 5)


def make_client(hub: RunningHub, seen: Seen, **kwargs: Any) -> StreamClient:
    return StreamClient(
        hub.ws_url,
        hub.tokens["viewer"],
        on_envelope=seen.envelopes.append,
        on_status=seen.statuses.append,
        rng=random.Random(5),
        **kwargs,
    )


async def make_events(driver: HubDriver, start: int, count: int) -> None:
    """``count`` events: agents appearing or changing state, and alerts."""
    for index in range(start, start + count):
        pack = PACKS[index % len(PACKS)]
        if index % 3 == 2:
            alert = am_alert(f"fp-{index:04d}", pack=pack, agent=f"agent-{index % 5}")
            await driver.ingest(am_payload([alert]))
        else:
            state = "running" if index % 2 else "idle"
            await driver.heartbeat(f"agent-{index % 5}", pack, state, rate=float(index))


async def caught_up(client: StreamClient, driver: HubDriver) -> None:
    latest = await driver.latest_seq()
    await until(lambda: client.last_seq == latest, what=f"the client to reach seq {latest}")


@pytest.fixture
async def driver(hub: RunningHub) -> AsyncIterator[HubDriver]:
    hub_driver = HubDriver(hub)
    yield hub_driver
    await hub_driver.aclose()


async def test_a_dropped_connection_resumes_by_replay(hub: RunningHub, driver: HubDriver) -> None:
    seen, gate = Seen(), Gate()
    client = make_client(hub, seen, sleep=gate.sleep)
    async with running(client):
        await until(lambda: client.status.state == "live", what="live")
        await make_events(driver, 0, 12)
        await caught_up(client, driver)
        client.drop()
        await asyncio.wait_for(gate.held.wait(), 5)
        await make_events(driver, 12, 12)  # while the client is away
        gate.open.set()
        await caught_up(client, driver)
        await make_events(driver, 24, 6)
        await caught_up(client, driver)
    assert len(seen.snapshots) == 1, "a resume inside the ring must replay, not snapshot"
    assert assert_nothing_silently_lost(seen.envelopes) >= 30
    assert client.status.counters.resyncs == 0 and client.status.counters.duplicates == 0
    await assert_same_state(seen, driver)


async def test_resume_across_a_hub_restart(hub: RunningHub, driver: HubDriver) -> None:
    seen, gate = Seen(), Gate()
    client = make_client(hub, seen, sleep=gate.sleep)
    async with running(client):
        await until(lambda: client.status.state == "live", what="live")
        await make_events(driver, 0, 10)  # before
        await caught_up(client, driver)
        before = client.last_seq
        await asyncio.to_thread(hub.restart)
        await asyncio.wait_for(gate.held.wait(), 5)
        await make_events(driver, 10, 10)  # during: the client is still away
        gate.open.set()
        await caught_up(client, driver)
        await make_events(driver, 20, 10)  # after
        await caught_up(client, driver)
    assert assert_nothing_silently_lost(seen.envelopes) >= 20
    # The restarted hub's ring cannot replay what came after `before`: a snapshot,
    # reported loudly as a re-sync, covers the hole.
    resync = [s for s in seen.snapshots if s.data.get("reason") != "initial"]
    assert resync and resync[0].seq > (before or 0)
    assert client.status.counters.resyncs >= 1
    await assert_same_state(seen, driver)


async def test_events_keep_flowing_while_the_hub_restarts(
    hub: RunningHub, driver: HubDriver
) -> None:
    """A producer posts throughout; the hub restarts under it; the real backoff runs."""
    seen = Seen()
    client = make_client(hub, seen, max_delay=0.2)
    stop = asyncio.Event()

    async def produce() -> None:
        index = 0
        while not stop.is_set():
            with contextlib.suppress(Exception):  # the hub is down for a moment
                await make_events(driver, index, 1)
            index += 1
            await asyncio.sleep(0.005)

    async with running(client):
        await until(lambda: client.status.state == "live", what="live")
        producer = asyncio.create_task(produce())
        try:
            await until(lambda: (client.last_seq or 0) > 20, what="events before the restart")
            reconnects = client.status.counters.reconnects
            await asyncio.to_thread(hub.restart)
            await until(lambda: client.status.counters.reconnects > reconnects, what="a reconnect")
            await until(lambda: client.status.state == "live", what="live again")
            # The producer posts to the restarted hub too before it stops.
            after_restart = client.last_seq or 0
            await until(lambda: (client.last_seq or 0) > after_restart + 5, what="events after")
        finally:
            stop.set()
            await asyncio.wait_for(producer, 10)
        await caught_up(client, driver)
    assert assert_nothing_silently_lost(seen.envelopes) > 20
    await assert_same_state(seen, driver)


async def test_the_reader_waits_while_the_app_is_behind(hub: RunningHub) -> None:
    """Back-pressure: with more than ``max_backlog`` envelopes queued in the app, the
    stream stops reading (the hub queues for it) and reads on once the app catches up."""
    seen = Seen()
    busy = [0]
    polls = [0]

    def backlog() -> int:
        polls[0] += 1
        return busy[0]

    client = make_client(hub, seen, backlog=backlog, max_backlog=10)
    agent = hub.client("agent")
    body = {"pack": "support", "state": "running", "run_id": "r1", "tool_calls_per_min": 1}
    async with running(client):
        await until(lambda: bool(seen.envelopes), what="the snapshot")
        busy[0] = 11
        for n in range(5):  # five new agents: five events
            agent.post(f"/api/agents/bp-{n}/heartbeat", json=body)
        await until(lambda: polls[0] > 20, what="the reader polling the backlog")
        held = [e for e in seen.envelopes if e.type == "agent.status"]
        assert len(held) <= 1  # the one read before the backlog was looked at
        busy[0] = 0
        await until(
            lambda: sum(e.type == "agent.status" for e in seen.envelopes) == 5,
            what="the held events, once the app caught up",
        )
