"""The silence dialog's duration and the pending state shown before the hub answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from services.console.silences import DurationError, parse_duration, pending_silences
from services.domain.models import Alert, Silence


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("2h", 120), ("90m", 90), ("90", 90), ("1d 12h", 2160), (" 1h30m ", 90), ("30d", 43200)],
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "0", "31d", "2x", "-5m"])
def test_bad_durations_say_what_to_type(text: str) -> None:
    with pytest.raises(DurationError, match="30"):
        parse_duration(text)


@dataclass
class Item:
    kind: str
    path: str
    body: dict[str, Any] = field(default_factory=dict)
    incident_id: str | None = None


def alert(fingerprint: str, incident_id: str | None = None, **extra: Any) -> Alert:
    return Alert(
        fingerprint=fingerprint,
        status=extra.pop("status", "firing"),
        severity="SEV2",
        category="runaway_agent",
        title="t",
        started_at="2026-01-01T00:00:00Z",
        incident_id=incident_id,
        **extra,
    )


def test_pending_silences_name_their_alerts() -> None:
    alerts = {
        "a": alert("a"),
        "b": alert("b", "INC-1"),
        "c": alert("c", "INC-1", status="resolved"),
        "d": alert("d", silenced_by=[Silence(id="s-1")]),
    }
    items = [
        Item("silence", "/api/silences", {"fingerprint": "a"}),
        Item("silence", "/api/silences", {"incident_id": "INC-1"}),
        Item("expire-silence", "/api/silences/s-1/expire"),
        Item("note", "/api/incidents/INC-1/notes", {"text": "x"}),
    ]
    assert pending_silences(items, alerts) == {
        "a": "silencing",
        "b": "silencing",
        "d": "unsilencing",
    }


def test_a_late_delivery_keeps_a_running_silence() -> None:
    from services.hub.state.mute import still_running

    running = Silence(id="a", ends_at="2026-01-01T02:00:00Z")
    ended = Silence(id="b", ends_at="2026-01-01T00:30:00Z")
    unknown = Silence(id="c")
    assert still_running([running, ended, unknown], "2026-01-01T01:00:00Z") == [running]


def test_a_pull_older_than_a_silence_keeps_it() -> None:
    from services.hub.state.mute import made_after

    new = Silence(id="a", starts_at="2026-01-01T01:00:01Z")
    old = Silence(id="b", starts_at="2026-01-01T00:59:00Z")
    assert made_after([new, old, Silence(id="c")], "2026-01-01T01:00:00Z") == [new]
