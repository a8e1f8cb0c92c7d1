"""ConsoleState: applying every event type, dedupe, ordering, skew and STALE (frozen clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.console.state import (
    SKEW_WINDOW,
    ConsoleState,
    StreamCounters,
    StreamStatus,
)
from services.domain.timeutil import format_duration
from tests.console.sample import (
    FROZEN_NOW,
    agent,
    alert,
    envelope,
    heartbeat,
    incident,
    snapshot,
    switch,
)


@pytest.fixture
def state() -> ConsoleState:
    fresh = ConsoleState()
    assert fresh.apply_dict(snapshot(seq=40), FROZEN_NOW)
    fresh.take_dirty()
    return fresh


def test_snapshot_replaces_everything(state: ConsoleState) -> None:
    assert state.last_seq == 40
    assert state.packs[0] == "marketing" and "support" in state.packs
    assert len(state.agents) == 23
    assert set(state.incidents) == {"INC-3", "INC-4"}
    assert len(state.alerts) == 4
    assert state.switches["support"].enabled is False
    # The hub's clock is 2 s ahead of the frozen local one.
    assert state.skew == timedelta(seconds=2)
    assert state.hub_now(FROZEN_NOW) == FROZEN_NOW + timedelta(seconds=2)
    # A second snapshot replaces rather than merges.
    smaller = snapshot(seq=90)
    smaller["data"]["agents"] = [agent("only-one", "devops")]
    smaller["data"]["alerts"] = []
    assert state.apply_dict(smaller, FROZEN_NOW)
    assert list(state.agents) == ["only-one"] and not state.alerts
    assert state.last_seq == 90
    assert state.take_dirty() >= {"incidents", "alerts", "packs", "banner", "connection"}


def test_bad_snapshot_leaves_the_old_state(state: ConsoleState) -> None:
    broken = snapshot(seq=99)
    broken["data"]["agents"].append({"id": "x", "pack": "devops", "state": "dancing"})
    assert not state.apply_dict(broken, FROZEN_NOW)
    assert state.bad_events == 1 and "state" in (state.last_error or "")
    assert len(state.agents) == 23


def test_agent_status_updates_its_pack(state: ConsoleState) -> None:
    state.apply_dict(
        envelope(41, "agent.status", {"agent": agent("seo-auditor", "marketing", "stuck", 0.0)}),
        FROZEN_NOW,
    )
    assert state.take_dirty() == {"packs", "connection"}
    marketing = next(p for p in state.pack_summaries() if p.pack == "marketing")
    assert marketing.counts["stuck"] == 2 and marketing.counts["running"] == 1
    assert marketing.total == 4 and marketing.calls_per_min == 212.0
    # An agent of a pack never seen before brings its pack along.
    state.apply_dict(envelope(42, "agent.status", {"agent": agent("new", "ops2")}), FROZEN_NOW)
    assert state.packs[-1] == "ops2"


def test_alerts_dedupe_by_fingerprint_newest_first(state: ConsoleState) -> None:
    repeat = alert(
        "0f0e0d0c0b0a0908",
        status="firing",
        severity="SEV3",
        last_seen_at="2026-11-25T18:19:59.000Z",
        repeat_count=2,
    )
    state.apply_dict(envelope(41, "alert.fired", {"alert": repeat}), FROZEN_NOW)
    assert len(state.alerts) == 4
    newest = state.alerts_newest_first()
    assert newest[0].fingerprint == "0f0e0d0c0b0a0908" and newest[0].repeat_count == 2
    assert [a.last_seen_at for a in newest] == sorted(
        (a.last_seen_at or "" for a in newest), reverse=True
    )
    resolved = dict(repeat, status="resolved", ended_at="2026-11-25T18:20:00.000Z")
    state.apply_dict(envelope(42, "alert.resolved", {"alert": resolved}), FROZEN_NOW)
    assert state.alerts["0f0e0d0c0b0a0908"].status == "resolved"
    assert state.alerts_newest_first(limit=2)[0].fingerprint == "0f0e0d0c0b0a0908"


def test_alerts_are_bounded() -> None:
    small = ConsoleState(alert_limit=3)
    for index in range(5):
        seen = f"2026-11-25T18:0{index}:00.000Z"
        data = {"alert": alert(f"fp{index}", last_seen_at=seen)}
        small.apply_dict(envelope(index + 1, "alert.fired", data), FROZEN_NOW)
    assert list(small.alerts) == ["fp2", "fp3", "fp4"]


def test_incidents_sorted_by_severity_then_age(state: ConsoleState) -> None:
    older_sev2 = incident("INC-1", opened_at="2026-11-25T17:00:00.000Z")
    sev4 = incident("INC-9", severity="SEV4", opened_at="2026-11-25T16:00:00.000Z")
    for seq, item in enumerate((older_sev2, sev4), start=41):
        state.apply_dict(envelope(seq, "incident.opened", {"incident": item}), FROZEN_NOW)
    assert [i.id for i in state.open_incidents()] == ["INC-3", "INC-1", "INC-4", "INC-9"]
    done = dict(older_sev2, status="resolved", resolved_at="2026-11-25T18:19:00.000Z")
    state.apply_dict(envelope(43, "incident.resolved", {"incident": done}), FROZEN_NOW)
    assert [i.id for i in state.open_incidents()] == ["INC-3", "INC-4", "INC-9"]
    escalated = dict(sev4, severity="SEV1")
    data = {"incident": escalated, "escalation": {"role": "x", "at": "t", "reason": "r"}}
    state.apply_dict(envelope(44, "incident.escalated", data), FROZEN_NOW)
    assert [i.id for i in state.open_incidents()][:2] == ["INC-9", "INC-3"]


def test_timeline_is_bounded_per_incident() -> None:
    small = ConsoleState(timeline_limit=2)
    for seq in range(1, 5):
        entry = {
            "id": f"TL-{seq}",
            "incident_id": "INC-3",
            "at": "2026-11-25T18:00:00.000Z",
            "author": "alice",
            "kind": "note",
            "text": f"note {seq}",
        }
        small.apply_dict(envelope(seq, "timeline.entry", {"entry": entry}), FROZEN_NOW)
    assert [e.id for e in small.timeline["INC-3"]] == ["TL-3", "TL-4"]


def test_global_switch_engaged_and_released(state: ConsoleState) -> None:
    assert not state.global_engaged
    stop = switch(None, False, changed_by="dana", reason="stop everything")
    state.apply_dict(envelope(41, "killswitch.changed", {"switch": stop}), FROZEN_NOW)
    assert state.global_engaged and "banner" in state.take_dirty()
    state.apply_dict(envelope(42, "killswitch.changed", {"switch": switch(None, True)}), FROZEN_NOW)
    assert not state.global_engaged
    support = next(p for p in state.pack_summaries() if p.pack == "support")
    assert support.enabled is False and support.counts["stopped"] == 4


def test_unknown_types_and_bad_data_are_counted_not_raised(state: ConsoleState) -> None:
    assert not state.apply_dict(envelope(41, "gossip", {"x": 1}), FROZEN_NOW)
    assert state.unknown_types == 1 and state.last_seq == 41
    assert not state.apply_dict(envelope(42, "alert.fired", {"nope": 1}), FROZEN_NOW)
    assert not state.apply_dict({"v": 1, "seq": "x"}, FROZEN_NOW)
    assert state.bad_events == 2
    assert state.anomalies() == {"bad data": 2, "unknown": 1}


def test_stale_after_three_heartbeat_intervals(state: ConsoleState) -> None:
    fresh = ConsoleState()
    assert not fresh.is_stale(FROZEN_NOW) and fresh.data_age(FROZEN_NOW) is None
    state.apply_dict(heartbeat(40), FROZEN_NOW)  # interval 2 s: STALE after 6 s
    assert state.heartbeat_interval_s == 2.0
    assert not state.is_stale(FROZEN_NOW + timedelta(seconds=6))
    assert state.is_stale(FROZEN_NOW + timedelta(seconds=6.1))
    assert state.data_age(FROZEN_NOW + timedelta(seconds=48)) == 48
    view = state.connection_view(FROZEN_NOW + timedelta(seconds=48))
    assert (view.kind, view.label) == ("stale", "STALE 48 s")


def test_skew_is_the_least_delayed_recent_reading(state: ConsoleState) -> None:
    # A heartbeat that says the hub's clock is further ahead: it is.
    state.apply_dict(heartbeat(40, "2026-11-25T18:20:08.000Z"), FROZEN_NOW)
    assert state.skew == timedelta(seconds=10)
    # One that says it is behind may have waited in a queue: the skew stays...
    state.apply_dict(heartbeat(40, "2026-11-25T18:19:50.000Z"), FROZEN_NOW)
    assert state.skew == timedelta(seconds=10)
    # ...until the readings that said so have left the window (a clock that stepped back).
    for _ in range(SKEW_WINDOW):
        state.apply_dict(heartbeat(40, "2026-11-25T18:19:50.000Z"), FROZEN_NOW)
    assert state.skew == timedelta(seconds=-8)
    later = FROZEN_NOW + timedelta(minutes=1)
    assert state.hub_now(later) == later - timedelta(seconds=8)


def test_stale_by_the_hubs_clock_while_old_frames_trickle_in(state: ConsoleState) -> None:
    """A slow reader: frames keep arriving, each older than the last by the hub's clock."""
    hub_start = FROZEN_NOW + timedelta(seconds=2)  # the snapshot's hub_time
    for n in range(1, 31):
        made = hub_start + timedelta(seconds=2 * n)  # a heartbeat every 2 s at the hub...
        arrived = FROZEN_NOW + timedelta(seconds=4 * n)  # ...read every 4 s
        stamp = made.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        state.apply_dict(heartbeat(40, stamp), arrived)
        if n == 3:  # 6 s behind: not yet three intervals
            assert not state.is_stale(arrived)
    assert state.is_stale(arrived)  # 60 s behind, one frame just arrived
    assert state.connection_view(arrived).label.startswith("STALE")


def test_connection_view_words(state: ConsoleState) -> None:
    now = FROZEN_NOW
    state.set_status(StreamStatus(state="reconnecting", attempt=3, last_error="refused"), now)
    assert state.connection_view(now).label == "RECONNECTING (3)"
    state.set_status(StreamStatus(state="live"), now)
    assert state.connection_view(now).label == "LIVE"
    resynced = StreamStatus(state="live", counters=StreamCounters(gaps=1, resyncs=1))
    state.set_status(resynced, now)
    assert state.connection_view(now + timedelta(seconds=1)).label == "RESYNCED"
    assert state.anomalies() == {"gaps": 1, "resyncs": 1}
    state.apply_dict(heartbeat(40, "2026-11-25T18:20:11.000Z"), now + timedelta(seconds=11))
    assert state.connection_view(now + timedelta(seconds=11)).label == "LIVE"
    state.set_status(StreamStatus(state="unauthorized", close_code=4403), now)
    assert state.connection_view(now).label == "FORBIDDEN"
    state.set_status(StreamStatus(state="unauthorized", close_code=4401), now)
    assert state.connection_view(now + timedelta(hours=1)).kind == "unauthorized"


def test_connection_view_names_the_replica_when_there_are_several(state: ConsoleState) -> None:
    now = FROZEN_NOW
    lost = StreamStatus(
        state="reconnecting", attempt=1, last_error="a:1: connection lost", replica="b:2"
    )
    state.set_status(lost, now)
    view = state.connection_view(now)
    assert (view.label, view.detail) == ("RECONNECTING (1)", "a:1: connection lost — trying b:2")
    state.set_status(StreamStatus(state="live", replica="b:2"), now)
    assert (state.connection_view(now).label, state.connection_view(now).detail) == (
        "LIVE",
        "on b:2",
    )
    state.set_status(StreamStatus(state="live"), now)  # one hub: no replica to name
    assert state.connection_view(now).detail == ""


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (48, "48 s"), (119, "119 s"), (300, "5 min"), (7300, "2 h"), (200000, "2 d")],
)
def test_format_age(seconds: float, text: str) -> None:
    assert format_duration(seconds, "short") == text


def test_protocol_events_not_shown_here_are_kept_not_counted(state: ConsoleState) -> None:
    pending = {"pending": {"id": "gstop-1", "requested_by": "alice"}, "state": "requested"}
    assert state.apply_dict(envelope(41, "killswitch.pending", pending), FROZEN_NOW)
    assert state.other_events["killswitch.pending"] == pending
    assert state.unknown_types == 0 and state.last_seq == 41
