"""The stream over the replicas of one hub (issue 14).

Two independent real hubs stand in for replicas that do not share a history
(another epoch: the loud re-sync is right there); two relays in front of one
real hub stand in for replicas that do (the same events, seq and epoch: the
stream must resume by seq, without a re-sync).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import Static

from services.console.replicas import hub_label
from services.console.settings import ConsoleSettings
from services.console.state import StreamStatus
from services.console.stream_client import StreamClient
from tests.console.live import HubDriver, until
from tests.console.test_app_outbox import _incident, _notes
from tests.console.test_stream_resume import (
    Seen,
    assert_nothing_silently_lost,
    assert_same_state,
    caught_up,
    make_events,
    running,
)
from tests.hubtools import HubFactory, RunningHub
from tests.relay import relay
from tui.app import WarroomApp
from tui.messages import ConnectionChanged
from widgets.connection_bar import ConnectionBar


def replicas_client(urls: list[str], token: str, seen: Seen) -> StreamClient:
    return StreamClient(
        urls,
        token,
        on_envelope=seen.envelopes.append,
        on_status=seen.statuses.append,
        rng=random.Random(5),
        max_delay=0.2,
    )


@pytest.fixture
async def driver(hub: RunningHub) -> AsyncIterator[HubDriver]:
    hub_driver = HubDriver(hub)
    yield hub_driver
    await hub_driver.aclose()


async def test_the_stream_moves_to_the_next_replica_when_its_own_stops(
    hub_factory: HubFactory,
) -> None:
    first, second = hub_factory(), hub_factory()
    seen = Seen()
    client = replicas_client([first.ws_url, second.ws_url], first.tokens["viewer"], seen)
    async with running(client):
        await until(lambda: client.status.state == "live", what="live on the first")
        assert client.status.replica == hub_label(first.url)
        lost_at = len(seen.statuses)
        await asyncio.to_thread(first.stop)
        await until(
            lambda: (
                client.status.state == "live" and client.status.replica == hub_label(second.url)
            ),
            what="live on the second replica",
        )
    after = seen.statuses[lost_at:]
    states = [s.state for s in after]
    assert states[0] == "reconnecting" and states[-1] == "live"
    # Straight to the other replica: no backoff, and within a bounded number of tries.
    assert after[0].replica == hub_label(second.url)
    assert hub_label(first.url) in (after[0].last_error or "")
    assert max(s.attempt for s in after) <= 3
    # Another hub's history (another epoch): a snapshot, and said loudly.
    assert [s.data.get("reason") for s in seen.snapshots] == ["initial", "epoch_changed"]
    assert client.status.counters.resyncs == 1
    assert_nothing_silently_lost(seen.envelopes)


async def test_a_replica_with_the_same_history_resumes_by_seq(
    hub: RunningHub, driver: HubDriver
) -> None:
    seen = Seen()
    async with relay(hub.port) as one, relay(hub.port) as other:
        client = replicas_client([one.ws_url, other.ws_url], hub.tokens["viewer"], seen)
        async with running(client):
            await until(lambda: client.status.state == "live", what="live")
            await make_events(driver, 0, 12)
            await caught_up(client, driver)
            await one.close()  # the replica is lost mid-stream
            await make_events(driver, 12, 12)
            await until(
                lambda: (
                    client.status.replica == hub_label(other.url) and client.status.state == "live"
                ),
                what="live on the other replica",
            )
            await caught_up(client, driver)
            await make_events(driver, 24, 6)
            await caught_up(client, driver)
    assert client.status.counters.reconnects >= 1
    assert len(seen.snapshots) == 1, "a replica holding our seq must replay, not snapshot"
    assert client.status.counters.resyncs == 0
    assert assert_nothing_silently_lost(seen.envelopes) >= 30
    await assert_same_state(seen, driver)


async def test_every_replica_down_backs_off_only_after_a_round() -> None:
    delays: list[float] = []
    statuses: list[str | None] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        if len(delays) >= 6:
            client.stop()

    urls = ["ws://127.0.0.1:9/api/stream", "ws://127.0.0.1:7/api/stream"]
    client = StreamClient(
        urls,
        "t",
        on_envelope=lambda _: None,
        on_status=lambda s: statuses.append(s.replica),
        rng=random.Random(1),
        sleep=sleep,
        open_timeout=2.0,
    )
    await asyncio.wait_for(client.run(), 30)
    # The other replica at once; the backoff only once both failed, growing by round.
    assert delays[0] == delays[2] == delays[4] == 0.0
    assert 0.0 < delays[1] <= 0.25 and 0.0 < delays[3] <= 0.5
    assert statuses[:3] == ["127.0.0.1:9", "127.0.0.1:7", "127.0.0.1:9"]


async def test_the_console_fails_over_and_its_pending_note_lands_once(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    first, second = hub_factory(), hub_factory()
    iid = _incident(first)
    assert _incident(second) == iid
    settings = ConsoleSettings(
        hub_url=first.url,
        more_hubs=(second.url,),
        token=first.tokens["on-call"],
        data_dir=tmp_path,
    )
    app = WarroomApp(settings, backoff_cap=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.dashboard.query_one(ConnectionBar)
        detail = bar.query_one("#conn-detail", Static)
        who = bar.query_one("#conn-who", Static)
        await until(lambda: bar.label == "LIVE", what="LIVE", step=pilot.pause)
        on_first = f"on {hub_label(first.url)}"
        await until(lambda: str(detail.render()) == on_first, what=on_first, step=pilot.pause)
        # Every replica down: reconnecting, and which one is tried. The state, not the
        # label: 1.5 s after the last frame STALE takes the label, and a busy machine
        # can pass that window between two looks.
        await asyncio.to_thread(first.stop)
        await asyncio.to_thread(second.stop)
        await until(
            lambda: app.state.status.state == "reconnecting", what="reconnecting", step=pilot.pause
        )
        await until(
            lambda: "trying 127.0.0.1:" in str(detail.render()), what="trying", step=pilot.pause
        )
        item = app.submit_action(
            "note", f"/api/incidents/{iid}/notes", {"text": "typed offline"}, incident_id=iid
        )
        assert item is not None and app.outbox is not None
        await until(
            lambda: app.outbox is not None and app.outbox.store.get(item.key).attempts >= 1,
            what="a failed attempt",
            step=pilot.pause,
        )
        second.restart()  # one replica is back
        on_second = f"on {hub_label(second.url)}"
        await until(lambda: bar.label == "RESYNCED", what="the loud re-sync", step=pilot.pause)
        await until(lambda: on_second in str(detail.render()), what=on_second, step=pilot.pause)
        await until(lambda: not app.outbox.pending(), what="delivered", step=pilot.pause)
        assert str(who.render()).endswith(f"@{hub_label(second.url)}")
    assert _notes(second, iid) == ["typed offline"]


async def test_a_replica_is_named_as_plain_text() -> None:
    """What a URL holds is never markup: brackets (an IPv6 host) are shown as typed."""
    settings = ConsoleSettings(
        hub_url="http://[::1]:8080", more_hubs=("http://[fe80::1]:8080",), token="t"
    )
    app = WarroomApp(settings, connect=False)
    async with app.run_test(size=(120, 30)) as pilot:
        bar = app.dashboard.query_one(ConnectionBar)
        app.post_message(ConnectionChanged(StreamStatus(state="live", replica="[fe80::1]:8080")))
        await until(lambda: app.state.status.replica is not None, what="status", step=pilot.pause)
        app.flush()
        await pilot.pause()
        assert str(bar.query_one("#conn-detail", Static).render()) == "on [fe80::1]:8080"
        assert str(bar.query_one("#conn-who", Static).render()) == "[fe80::1]:8080"
