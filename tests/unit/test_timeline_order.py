"""The timeline orders by the hub's sequence, not by a clock that can step back."""

from services.domain.models import TimelineEntry
from tui.screens.incident import timeline_rows
from widgets.timeline import TimelineRow, _order


def _entry(n: int, at: str, typed_at: str = "") -> TimelineEntry:
    return TimelineEntry(f"TL-{n}", "INC-1", at, "alice", "note", f"n{n}", typed_at=typed_at)


def test_hub_order_wins_over_times() -> None:
    # TL-2 was typed before TL-1 (sent late, after an outage) and its clock stepped back.
    rows = [
        TimelineRow.of(_entry(2, "2026-11-25T18:05:00.000Z", "2026-11-25T17:00:00.000Z")),
        TimelineRow.of(_entry(1, "2026-11-25T18:01:00.000Z")),
        TimelineRow.of(_entry(10, "2026-11-25T17:59:00.000Z")),
        TimelineRow("pending:k", "2026-11-25T10:00:00.000Z", "me", "note", "p", "pending"),
    ]
    ordered = [row.key for row in sorted(rows, key=_order)]
    assert ordered == ["TL-1", "TL-2", "TL-10", "pending:k"]
    assert rows[0].at == "2026-11-25T17:00:00.000Z"  # shown at the time it was typed


def test_a_note_being_saved_says_so() -> None:
    from storage.console_store import OutboxItem

    item = OutboxItem("k", "note", "POST", "/p", {"text": "x"}, "t", "INC-1")
    (saving,) = timeline_rows([], [item], "me", frozenset({"k"}))
    (pending,) = timeline_rows([], [item], "me")
    assert (saving.state, pending.state) == ("saving", "pending")
