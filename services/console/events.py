"""The events this console has seen, for the runbook's Investigate step (the explorer).

Every applied envelope becomes a compact :class:`EventRecord` (type, time, pack,
agent, level, run id, fingerprint, message, labels) with its lowercase search text
computed once, so filtering 100,000 of them is one pass of cheap comparisons.
:class:`EventHistory` keeps the newest, bounded by count and by (approximate)
bytes. In a storm it is told of every event, and the explorer may never open: an
envelope is kept as the few fields a record is made of (a tuple, its labels as
sent), and only turned into a record, its search text and labels formatted, when
the records are read. The hub's audit entries and the alerts are turned into
records the same way (:func:`audit_record`, :func:`alert_record`).
:class:`EventFilter` is what the explorer's filter line means (:func:`parse_filter`).
"""

from __future__ import annotations

import shlex
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.domain.models import Alert, Envelope
from services.domain.timeutil import parse_optional

__all__ = [
    "RANGES",
    "EventFilter",
    "EventHistory",
    "EventRecord",
    "alert_record",
    "audit_record",
    "correlated",
    "envelope_record",
    "parse_filter",
]

# Time ranges the explorer cycles through (None: everything held).
RANGES: dict[str, timedelta | None] = {
    "all": None,
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}
# Envelopes that are not events a person investigates.
SKIPPED = frozenset({"heartbeat", "snapshot"})
_RECORD_OVERHEAD = 200  # bytes of a record beyond its strings, roughly


@dataclass(slots=True)
class EventRecord:
    """One thing that happened, as the explorer lists it."""

    at: datetime
    type: str
    message: str
    pack: str = ""
    agent: str = ""
    level: str = ""
    run_id: str = ""
    fingerprint: str = ""
    incident_id: str = ""
    source: str = "stream"  # stream | audit | alert
    labels: tuple[str, ...] = ()
    text: str = field(default="", repr=False)
    """Lowercase message, run id, fingerprint, labels: what the search looks in."""

    def __post_init__(self) -> None:
        if not self.text:
            parts = (self.message, self.run_id, self.fingerprint, self.incident_id, *self.labels)
            self.text = " ".join(p for p in parts if p).lower()

    @property
    def size(self) -> int:
        """Roughly what the record holds in memory, for the bytes bound."""
        return _RECORD_OVERHEAD + len(self.text) * 2 + len(self.message)


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


# Where an event's item is in its data, in the order looked for.
_ITEM_KEYS = ("alert", "agent", "incident", "entry", "switch")
_MESSAGE_KEYS = ("title", "text", "reason", "summary", "message")

# An envelope as kept until its record is wanted: (at, type, message, pack, agent,
# level, run id, fingerprint, incident id, labels as sent or None, approximate size).
_Fields = tuple[datetime, str, str, str, str, str, str, str, str, Mapping[str, Any] | None, int]


def _fields(envelope: Envelope) -> _Fields | None:
    """The fields of an envelope's record, without building it (``None``: not an event)."""
    kind = envelope.type
    if kind in SKIPPED:
        return None
    try:
        at = parse_optional(envelope.ts)  # memoised: a storm's events share their stamps
    except ValueError:
        return None
    if at is None:
        return None
    data = envelope.data
    item: Mapping[str, Any] = data
    for key in _ITEM_KEYS:
        value = data.get(key)
        if isinstance(value, dict):
            item = value
            break
    get = item.get
    pack = get("pack")
    if not isinstance(pack, str) or not pack:
        packs = get("packs")
        pack = packs[0] if isinstance(packs, list) and packs and isinstance(packs[0], str) else ""
        if not pack:
            target = get("target")
            if isinstance(target, str) and target.startswith("pack:"):
                pack = target[5:]
    if kind == "agent.status":
        ident = _str(get("id"))
        message = f"{ident} {_str(get('state'))}"
        agent = _str(get("agent")) or ident
    else:
        message = ""
        for key in _MESSAGE_KEYS:
            value = get(key)
            if isinstance(value, str) and value:
                message = value
                break
        agent = _str(get("agent"))
    level = _str(get("severity")) or _str(get("state")) or _str(get("kind"))
    run_id = _str(get("run_id"))
    fingerprint = _str(get("fingerprint"))
    incident_id = _str(get("incident_id")) or (_str(get("id")) if "incident" in data else "")
    labels = get("labels")
    # What the record will hold (see EventRecord.size): its text is the message, the
    # ids and the labels joined, each label ``k=v``.
    text = len(message) + len(run_id) + len(fingerprint) + len(incident_id) + 3
    if isinstance(labels, dict) and labels:
        for name, value in labels.items():
            text += len(name) + (len(value) if isinstance(value, str) else len(str(value))) + 2
    else:
        labels = None
    size = _RECORD_OVERHEAD + 2 * text + len(message)
    return (
        at,
        kind,
        message,
        pack,
        agent,
        level,
        run_id,
        fingerprint,
        incident_id,
        labels,
        size,
    )


def _record(fields: _Fields) -> EventRecord:
    at, kind, message, pack, agent, level, run_id, fingerprint, incident_id, labels, _ = fields
    return EventRecord(
        at=at,
        type=kind,
        message=message,
        pack=pack,
        agent=agent,
        level=level,
        run_id=run_id,
        fingerprint=fingerprint,
        incident_id=incident_id,
        labels=tuple(f"{k}={v}" for k, v in sorted(labels.items())) if labels else (),
    )


def envelope_record(envelope: Envelope) -> EventRecord | None:
    """A record of one stream envelope; ``None`` for heartbeats, snapshots and bad times."""
    fields = _fields(envelope)
    return None if fields is None else _record(fields)


def audit_record(row: Mapping[str, Any]) -> EventRecord | None:
    """A record of one hub audit entry (``GET /api/audit``); ``None`` when unreadable."""
    try:
        at = parse_optional(_str(row.get("at")) or None)
    except ValueError:
        return None
    if at is None:
        return None
    target = _str(row.get("target"))
    return EventRecord(
        at=at,
        type=f"audit.{_str(row.get('action'))}",
        message=f"{_str(row.get('user'))}: {target} {_str(row.get('reason'))}".strip(),
        pack=target[5:] if target.startswith("pack:") else "",
        level=_str(row.get("role")),
        incident_id=_str(row.get("incident_id")),
        source="audit",
    )


def alert_record(alert: Alert) -> EventRecord | None:
    """A record of an alert as it stands (its last sighting)."""
    try:
        at = parse_optional(alert.last_seen_at or alert.started_at)
    except ValueError:
        return None
    if at is None:
        return None
    return EventRecord(
        at=at,
        type=f"alert.{alert.state}",
        message=alert.title,
        pack=alert.pack or "",
        agent=alert.agent or "",
        level=alert.severity,
        run_id=alert.labels.get("run_id", ""),
        fingerprint=alert.fingerprint,
        incident_id=alert.incident_id or "",
        source="alert",
        labels=tuple(f"{k}={v}" for k, v in sorted(alert.labels.items())),
    )


class EventHistory:
    """The newest records, at most ``max_count`` and about ``max_bytes``.

    Envelopes are kept as their record's fields (``add_envelope``: no record, no
    search text, no formatted labels yet); :attr:`records` builds the records of
    those not yet built, once, when something reads them (the explorer opening).
    """

    def __init__(self, max_count: int = 100_000, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._records: deque[EventRecord] = deque()
        # Newer than every built record: envelopes whose records nobody has read yet.
        self._unbuilt: deque[_Fields] = deque()
        self.bytes = 0
        self.dropped = 0
        """Records let go to stay within the bounds."""

    def __len__(self) -> int:
        return len(self._records) + len(self._unbuilt)

    @property
    def records(self) -> deque[EventRecord]:
        """Every record held, oldest first (those not built yet are built now)."""
        if self._unbuilt:
            self.build(len(self._unbuilt))
        return self._records

    @property
    def unbuilt(self) -> int:
        """Records held but not built yet."""
        return len(self._unbuilt)

    def build(self, limit: int) -> int:
        """Build up to ``limit`` of the oldest records not built yet (while the stream
        is quiet, so that the explorer opens without building them all); how many."""
        unbuilt, records = self._unbuilt, self._records
        count = min(limit, len(unbuilt))
        for _ in range(count):  # each let go as its record is made: no peak of both
            fields = unbuilt.popleft()
            record = _record(fields)
            records.append(record)
            self.bytes += record.size - fields[-1]
        if count:
            self._trim()
        return count

    def add(self, record: EventRecord) -> None:
        """Keep ``record``, letting the oldest go past the bounds."""
        if self._unbuilt:
            self.records  # noqa: B018 -- built first: records stay in order
        self._records.append(record)
        self.bytes += record.size
        self._trim()

    def add_envelope(self, envelope: Envelope) -> None:
        """Keep an applied envelope (heartbeats and snapshots are not events), its
        record built only when :attr:`records` is read."""
        fields = _fields(envelope)
        if fields is None:
            return
        self._unbuilt.append(fields)
        self.bytes += fields[-1]
        if len(self._records) + len(self._unbuilt) > self.max_count or (
            self.bytes > self.max_bytes
        ):
            self._trim()

    def _trim(self) -> None:
        records, unbuilt = self._records, self._unbuilt
        while (records or unbuilt) and (
            len(records) + len(unbuilt) > self.max_count or self.bytes > self.max_bytes
        ):
            # The oldest first: every built record is older than every unbuilt one.
            self.bytes -= records.popleft().size if records else unbuilt.popleft()[-1]
            self.dropped += 1


@dataclass(frozen=True)
class EventFilter:
    """What the explorer shows: every given field must match; ``words`` all appear."""

    packs: frozenset[str] = frozenset()
    agent: str = ""
    level: str = ""
    type: str = ""
    label: str = ""
    since: timedelta | None = None
    words: tuple[str, ...] = ()

    def apply(self, records: Iterable[EventRecord], now: datetime) -> list[EventRecord]:
        """The records that match, in their order (one pass; lowercase text precomputed)."""
        start = now - self.since if self.since is not None else None
        packs, agent, level, kind, label = (
            self.packs,
            self.agent.lower(),
            self.level.lower(),
            self.type.lower(),
            self.label.lower(),
        )
        found = [
            r
            for r in records
            if (start is None or r.at >= start)
            and (not packs or r.pack in packs)
            and (not agent or r.agent.lower() == agent)
            and (not level or r.level.lower() == level)
            and (not kind or r.type.lower().startswith(kind))
            and (
                not label
                or any(label == x.lower() or x.lower().startswith(label + "=") for x in r.labels)
            )
        ]
        # One pass per word: far cheaper than an all() generator per record.
        for word in self.words:
            found = [r for r in found if word in r.text]
        return found


_FIELDS = ("pack", "agent", "level", "severity", "type", "label")


def parse_filter(
    text: str, since: timedelta | None = None, packs: Iterable[str] = ()
) -> EventFilter:
    """``pack:support agent:bot level:SEV1 type:alert label:instance=db-1 leaked`` → a filter.

    ``pack:`` may repeat (any of them); other words are searched for in messages,
    run ids, fingerprints and labels. A quote that does not close is read as text.
    """
    try:
        tokens = shlex.split(text)
    except ValueError:
        tokens = text.split()
    chosen: dict[str, str] = {}
    wanted = set(packs)
    words: list[str] = []
    for token in tokens:
        name, sep, value = token.partition(":")
        if sep and name.lower() in _FIELDS and value:
            if name.lower() == "pack":
                wanted.add(value)
            else:
                chosen["level" if name.lower() == "severity" else name.lower()] = value
        else:
            words.append(token.lower())
    return EventFilter(
        packs=frozenset(wanted),
        agent=chosen.get("agent", ""),
        level=chosen.get("level", ""),
        type=chosen.get("type", ""),
        label=chosen.get("label", ""),
        since=since,
        words=tuple(words),
    )


def correlated(record: EventRecord, records: Iterable[EventRecord]) -> list[EventRecord]:
    """Every other record with the same run id or fingerprint, in order."""
    run_id, fingerprint = record.run_id, record.fingerprint
    if not run_id and not fingerprint:
        return []
    return [
        r
        for r in records
        if r is not record
        and ((run_id and r.run_id == run_id) or (fingerprint and r.fingerprint == fingerprint))
    ]
