"""The explorer's model: envelopes as compact records, bounds, filters, correlation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.console.events import (
    EventHistory,
    EventRecord,
    audit_record,
    correlated,
    envelope_record,
    parse_filter,
)
from services.domain.models import Envelope

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


def envelope(kind: str, data: dict[str, object], seq: int = 1) -> Envelope:
    return Envelope(v=1, seq=seq, ts="2026-11-25T18:00:00.000Z", type=kind, data=data)


def test_envelopes_become_records() -> None:
    alert = {
        "fingerprint": "fp-1",
        "title": "ledger [b]loops[/b]",
        "severity": "SEV2",
        "pack": "finance",
        "agent": "ledger",
        "labels": {"alertname": "Runaway", "run_id": "r-9"},
        "incident_id": "INC-1",
    }
    record = envelope_record(envelope("alert.fired", {"alert": alert}))
    assert record is not None
    assert (record.type, record.pack, record.agent, record.level) == (
        "alert.fired",
        "finance",
        "ledger",
        "SEV2",
    )
    assert record.fingerprint == "fp-1" and record.incident_id == "INC-1"
    assert "alertname=runaway" in record.text and "ledger [b]loops[/b]" in record.text
    agent = {"id": "bot-1", "pack": "support", "state": "running", "run_id": "run-7"}
    status = envelope_record(envelope("agent.status", {"agent": agent}))
    assert status is not None and status.run_id == "run-7" and status.agent == "bot-1"
    assert envelope_record(envelope("heartbeat", {})) is None
    assert envelope_record(envelope("snapshot", {})) is None


def test_audit_rows_become_records_and_bad_ones_are_skipped() -> None:
    row = {
        "at": "2026-11-25T17:00:00Z",
        "user": "al",
        "role": "on-call",
        "action": "stop",
        "target": "pack:support",
        "reason": "PII",
        "incident_id": "INC-2",
    }
    record = audit_record(row)
    assert record is not None and record.pack == "support" and record.type == "audit.stop"
    assert audit_record({"at": "yesterday"}) is None


def record(i: int, **extra: object) -> EventRecord:
    fields: dict[str, object] = {"at": NOW - timedelta(minutes=i), "type": "x", "message": f"m{i}"}
    fields.update(extra)
    return EventRecord(**fields)  # type: ignore[arg-type]


def test_history_is_bounded_by_count_and_bytes() -> None:
    history = EventHistory(max_count=3)
    for i in range(5):
        history.add(record(i))
    assert [r.message for r in history.records] == ["m2", "m3", "m4"]
    assert history.dropped == 2
    by_bytes = EventHistory(max_count=1000, max_bytes=3000)
    for i in range(50):
        by_bytes.add(record(i, message="y" * 500))
    assert by_bytes.bytes <= 3000 and len(by_bytes) < 50 and by_bytes.dropped


def test_filter_fields_words_and_range() -> None:
    rows = [
        record(0, pack="a", agent="a1", level="SEV1", type="alert.fired", labels=("k=v",)),
        record(90, pack="b", agent="b1", level="SEV2", type="agent.status", run_id="run-1"),
        record(600, pack="a", message="Leaked EMAIL", run_id="run-1"),
    ]
    assert parse_filter("pack:a").apply(rows, NOW) == [rows[0], rows[2]]
    assert parse_filter("pack:a pack:b").apply(rows, NOW) == rows
    assert parse_filter("", packs=["b"]).apply(rows, NOW) == [rows[1]]
    assert parse_filter("agent:A1 severity:sev1").apply(rows, NOW) == [rows[0]]
    assert parse_filter("type:alert").apply(rows, NOW) == [rows[0]]
    assert parse_filter("label:k").apply(rows, NOW) == [rows[0]]
    assert parse_filter("label:k=v").apply(rows, NOW) == [rows[0]]
    assert parse_filter("leaked email").apply(rows, NOW) == [rows[2]]
    assert parse_filter("run-1").apply(rows, NOW) == [rows[1], rows[2]]
    assert parse_filter("", since=timedelta(hours=1)).apply(rows, NOW) == [rows[0]]
    assert parse_filter('"unclosed quote').words == ('"unclosed', "quote")
    assert correlated(rows[1], rows) == [rows[2]]
    assert correlated(rows[0], rows) == []


def count_records(monkeypatch: pytest.MonkeyPatch) -> list[EventRecord]:
    """Every record built from now on (the history builds them through the module)."""
    from services.console import events

    built: list[EventRecord] = []

    class Counted(EventRecord):
        __slots__ = ()

        def __post_init__(self) -> None:
            built.append(self)
            super().__post_init__()

    monkeypatch.setattr(events, "EventRecord", Counted)
    return built


def test_envelopes_are_kept_unbuilt_until_read_and_then_found_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A storm tells the history of every event; records are built once, when read."""
    built = count_records(monkeypatch)

    def storm_envelope(i: int) -> Envelope:
        if i % 5 == 0:
            item = {"id": f"bot-{i % 7}", "pack": "support", "state": "running", "run_id": f"r{i}"}
            return envelope("agent.status", {"agent": item}, seq=i)
        alert = {
            "fingerprint": f"fp-{i}",
            "title": f"Rate {i}",
            "severity": "SEV2",
            "pack": "finance",
            "labels": {"alertname": f"Rate{i}", "instance": "db-1"},
        }
        return envelope("alert.fired", {"alert": alert}, seq=i)

    storm = [storm_envelope(i) for i in range(1, 2001)]
    history = EventHistory(max_count=1500)
    for item in storm:
        history.add_envelope(item)
    history.add_envelope(envelope("heartbeat", {}))
    assert built == [] and len(history) == 1500 and history.dropped == 500

    records = list(history.records)
    assert len(built) == 1500  # only those held, each once
    expected = [envelope_record(e) for e in storm[500:]]
    assert [(r.type, r.message, r.agent, r.level, r.labels, r.text) for r in records] == [
        (r.type, r.message, r.agent, r.level, r.labels, r.text) for r in expected if r
    ]
    assert len(parse_filter("alertname=rate1999").apply(records, NOW)) == 1
    assert len(parse_filter("type:agent").apply(records, NOW)) == 300
    built.clear()
    assert len(history.records) == 1500 and built == []  # built once

    # A record added directly stays after the envelopes kept before it.
    history.add_envelope(storm[4])
    history.add(record(0, message="direct"))
    assert [r.message for r in history.records][-2:] == ["bot-5 running", "direct"]


def test_the_bytes_bound_holds_for_envelopes_kept_unbuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    built = count_records(monkeypatch)
    history = EventHistory(max_count=1000, max_bytes=20_000)
    for i in range(200):
        item = {"fingerprint": f"fp-{i}", "title": "y" * 500, "labels": {"k": "v" * 100}}
        history.add_envelope(envelope("alert.fired", {"alert": item}, seq=i))
    assert history.bytes <= 20_000 and history.dropped and len(history) < 30
    assert built == []
    held = len(history)
    assert len(history.records) <= held and history.bytes <= 20_000
    assert history.bytes == sum(r.size for r in history.records)


def test_the_oldest_unbuilt_records_can_be_built_a_few_at_a_time() -> None:
    history = EventHistory(max_count=1000)
    for i in range(10):
        item = {"fingerprint": f"fp-{i}", "title": f"t{i}"}
        history.add_envelope(envelope("alert.fired", {"alert": item}, seq=i))
    assert history.unbuilt == 10
    assert history.build(4) == 4 and history.unbuilt == 6
    assert history.build(100) == 6 and history.unbuilt == 0 and history.build(5) == 0
    assert [r.message for r in history.records] == [f"t{i}" for i in range(10)]
    assert history.bytes == sum(r.size for r in history.records)
