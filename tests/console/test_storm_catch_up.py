"""A storm into one console: per-key coalescing, and re-syncing when too far behind.

Within a batch, the latest report of an alert (by fingerprint) or an agent (by
id) wins before anything is parsed into the state; the explorer and the stop
rule still see every report. When the hub's heartbeats arrive more than
``BEHIND_RESYNC_S`` late, the console says BEHIND and asks for a snapshot
rather than trailing the hub by ever more.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.console.settings import ConsoleSettings
from services.console.state import BEHIND_RESYNC_S, ConsoleState, superseded
from services.console.stream_client import StreamClient
from services.domain.models import Envelope
from services.domain.timeutil import to_rfc3339
from tests.console.sample import FROZEN_NOW, agent, alert, envelope, heartbeat, snapshot
from tests.console.test_stream_client import Recorder, run_until, scripted_server, send_all
from tui.app import APPLY_CHUNK, BUILD_WHEN_QUIET, WarroomApp
from tui.messages import EnvelopeReceived


def env(data: dict[str, Any]) -> Envelope:
    return Envelope.from_dict(data)


def storm(start: int) -> list[Envelope]:
    """fp-1 three times (fired, fired, resolved), agent a1 twice, one incident-free alert."""
    return [
        env(envelope(start, "alert.fired", {"alert": alert("fp-1", repeat_count=1)})),
        env(envelope(start + 1, "agent.status", {"agent": agent("a1", "finance", "running")})),
        env(envelope(start + 2, "alert.fired", {"alert": alert("fp-1", repeat_count=2)})),
        env(envelope(start + 3, "alert.fired", {"alert": alert("fp-2")})),
        env(envelope(start + 4, "agent.status", {"agent": agent("a1", "finance", "stopped")})),
        env(envelope(start + 5, "alert.resolved", {"alert": alert("fp-1", status="resolved")})),
    ]


def test_the_latest_report_of_an_alert_or_agent_wins_within_a_batch() -> None:
    batch = storm(41)
    assert superseded(batch) == {0, 1, 2}
    state = ConsoleState()
    state.apply(env(snapshot(seq=40)), FROZEN_NOW)
    results = state.apply_batch([(e, FROZEN_NOW) for e in batch])
    assert results == [None, None, None, True, True, True]
    assert state.coalesced == 3
    assert state.last_seq == 46
    assert state.alerts["fp-1"].status == "resolved"
    assert state.agents["a1"].state == "stopped"
    assert "fp-2" in state.alerts


def test_a_key_that_cannot_be_read_is_kept_for_its_handler_to_count() -> None:
    broken = env(envelope(41, "alert.fired", {"alert": {"no": "fingerprint"}}))
    twice = storm(42)[:3]
    assert superseded([broken, *twice]) == {1}


async def test_a_resync_request_ends_the_session_and_asks_for_a_snapshot() -> None:
    rec = Recorder()
    scripts = [
        send_all(snapshot(seq=10), envelope(11, "x", {}), hold=True),
        send_all(snapshot(seq=30), heartbeat(30), hold=True),
    ]
    async with scripted_server(scripts) as (url, hellos):
        client: StreamClient = rec.client(url)
        await run_until(client, lambda: client.last_seq == 11)
        client.resync("behind")
        await run_until(client, lambda: client.last_seq == 30)
        assert hellos[-1] is None  # no resume: a full snapshot
    assert client.status.counters.resyncs == 1


class FakeStream:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def resync(self, reason: str) -> None:
        self.reasons.append(reason)


async def test_a_console_far_behind_says_so_and_resyncs(tmp_path: Path) -> None:
    now = FROZEN_NOW
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), clock=lambda: now, connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = FakeStream()
        app._stream = stream  # type: ignore[assignment]
        hub_now = to_rfc3339(now)
        app.post_message(EnvelopeReceived([(env(snapshot(seq=40)), now)]))
        app.post_message(EnvelopeReceived([(env(heartbeat(40, hub_time=hub_now)), now)]))
        await pilot.pause()
        assert not stream.reasons  # on time

        late = to_rfc3339(now - timedelta(seconds=BEHIND_RESYNC_S + 3))
        batch = [(e, now) for e in storm(41)] + [(env(heartbeat(46, hub_time=late)), now)]
        app.post_message(EnvelopeReceived(batch))
        await pilot.pause()
        assert len(stream.reasons) == 1
        assert app.state.resyncing is not None
        view = app.state.connection_view(now)
        assert view.label.startswith("BEHIND") and "RESYNCING" in view.label

        # What was read before the re-sync is dropped; the snapshot replaces it all.
        app.post_message(EnvelopeReceived([(env(envelope(47, "x.y", {})), now)]))
        await pilot.pause()
        assert app.state.last_seq == 46
        app.post_message(EnvelopeReceived([(env(snapshot(seq=90)), now)]))
        await pilot.pause()
        assert app.state.resyncing is None and app.state.last_seq == 90


async def test_only_a_late_heartbeat_counts_not_the_time_since_one(tmp_path: Path) -> None:
    """A hub heartbeating every 10 s is not 'behind' 6 s after its last heartbeat."""
    clock = [FROZEN_NOW]
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), clock=lambda: clock[0], connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = FakeStream()
        app._stream = stream  # type: ignore[assignment]
        app.post_message(EnvelopeReceived([(env(snapshot(seq=40)), clock[0])]))
        beat = env(heartbeat(40, hub_time=to_rfc3339(clock[0])))
        app.post_message(EnvelopeReceived([(beat, clock[0])]))
        await pilot.pause()
        clock[0] += timedelta(seconds=BEHIND_RESYNC_S + 1)
        events = [(e, clock[0]) for e in storm(41)]
        app.post_message(EnvelopeReceived(events))
        await pilot.pause()
        assert not stream.reasons and app.state.resyncing is None


async def test_a_large_batch_is_applied_in_chunks_with_the_loop_free_between(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No batch holds the event loop: a callback scheduled during a chunk runs before the next."""
    now = FROZEN_NOW
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), clock=lambda: now, connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_message(EnvelopeReceived([(env(snapshot(seq=40)), now)]))
        await pilot.pause()
        sizes: list[int] = []
        turns = [0]  # loop callbacks run so far
        seen: list[int] = []  # turns when each chunk began
        apply_batch = app.state.apply_batch

        def counted(batch: Any, *args: Any) -> list[bool | None]:
            sizes.append(len(batch))
            seen.append(turns[0])
            asyncio.get_running_loop().call_soon(lambda: turns.__setitem__(0, turns[0] + 1))
            return apply_batch(batch, *args)

        monkeypatch.setattr(app.state, "apply_batch", counted)
        count = 2 * APPLY_CHUNK + 10
        fired = [
            (env(envelope(41 + i, "alert.fired", {"alert": alert(f"storm-{i}")})), now)
            for i in range(count)
        ]
        unapplied = app._unapplied
        app._unapplied += count  # as the stream counts what it posts
        app.post_message(EnvelopeReceived(fired))
        for _ in range(100):
            await pilot.pause()
            if app.state.last_seq == 40 + count:
                break
        assert sizes == [APPLY_CHUNK, APPLY_CHUNK, 10]
        assert seen == [0, 1, 2]
        assert app.state.last_seq == 40 + count and app._unapplied == unapplied
        assert all(f"storm-{i}" in app.state.alerts for i in range(count))
        assert len([r for r in app.session.events.records if r.type == "alert.fired"]) == count


async def test_while_a_stop_is_in_force_every_agent_report_of_a_batch_is_seen(
    tmp_path: Path,
) -> None:
    """Stopped, then in error, in one batch: the stop rule saw it stopped (it counts)."""
    now = FROZEN_NOW
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), clock=lambda: now, connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        start = snapshot(seq=40)  # support stopped; its agents still running here
        support = [a for a in start["data"]["agents"] if a["pack"] == "support"]
        for item in support:
            item["state"] = "running"
        app.post_message(EnvelopeReceived([(env(start), now)]))
        await pilot.pause()
        assert app.killswitch.stopped_packs()["support"] is False
        reports = [agent(a["id"], "support", "stopped") for a in support]
        reports.append(agent(support[0]["id"], "support", "error"))
        batch = [
            (env(envelope(41 + i, "agent.status", {"agent": report})), now)
            for i, report in enumerate(reports)
        ]
        app.post_message(EnvelopeReceived(batch))
        await pilot.pause()
        assert app.state.agents[support[0]["id"]].state == "error"
        assert app.killswitch.stopped_packs()["support"] is True


async def test_the_explorers_records_are_built_once_the_stream_is_quiet(tmp_path: Path) -> None:
    """Kept unbuilt while events arrive; built at the redraw ticks with nothing new."""
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), clock=lambda: FROZEN_NOW, connect=False)
    fired = [
        (env(envelope(41 + i, "alert.fired", {"alert": alert(f"quiet-{i}")})), FROZEN_NOW)
        for i in range(BUILD_WHEN_QUIET + 100)
    ]
    await app.on_envelope_received(EnvelopeReceived(fired))
    app.paced_flush()  # events arrived since the last tick: a storm, nothing built
    assert app.session.events.unbuilt == len(fired)
    app.paced_flush()
    assert app.session.events.unbuilt == 100
    app.paced_flush()
    assert app.session.events.unbuilt == 0
    assert len(app.session.events) == len(fired)


async def test_the_first_snapshot_is_drawn_whole_without_waiting_for_the_feeds_beat(
    tmp_path: Path,
) -> None:
    """The empty feed is drawn at mount; the snapshot's alerts a moment later must not
    wait for the feed's 2 s beat (they did: the console looked empty that long)."""
    from widgets.alert_feed import AlertFeed

    now = FROZEN_NOW
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), clock=lambda: now, connect=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.flush(paced=True)  # the empty screen, drawn as the redraw timer draws it
        feed = app.dashboard.query_one(AlertFeed)
        assert feed.row_count == 0
        app.post_message(EnvelopeReceived([(env(snapshot(seq=40)), now)]))
        await pilot.pause()
        app.flush(paced=True)
        assert feed.row_count > 0
