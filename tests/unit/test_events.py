"""The explorer's model: envelopes as compact records, bounds, filters, correlation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
