"""The console's durable journal: its outbox of actions and its local audit.

Every action a person takes (a note, an ack, a kill-switch change) is written
here, fsync'd, *before* it is sent, under the idempotency key it will be sent
with. Until the hub's answer is recorded the item stays ``pending`` and is sent
again, with the same key, after a reconnect or on the next start — so a
console killed right after Enter still delivers the note, exactly once.

The journal is read once and kept in memory: reads never touch the file. A write
encodes the whole journal and replaces the file atomically (``AtomicJSONStorage``);
the ``a*`` methods do that in a thread (``asyncio.to_thread``) so the console's
event loop never waits on an fsync. An item :meth:`ConsoleStore.stage`\\ d but not
yet saved is shown, but never sent: it counts as pending only once its write is
durable. Delivered items are compacted (the hub's copy of an incident in their
answer, and the body the answer repeats, are dropped) and the oldest pruned.

One console owns a data folder at a time: a second one is refused with a clear
message instead of both rewriting the same file.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from storage.atomic import AtomicJSONStorage, encode

# Delivered or refused items kept for the journal view; older ones are pruned.
KEEP_FINISHED = 2000

Row = dict[str, Any]


class ConsoleStoreLocked(RuntimeError):
    """Another console already owns this data folder."""


@dataclass
class OutboxItem:
    """One action, from the keypress until the hub's answer."""

    key: str  # the Idempotency-Key it is sent with
    kind: str  # note | ack | severity | status | resolve | killswitch | ...
    method: str
    path: str
    body: dict[str, Any]
    created_at: str
    incident_id: str | None = None
    state: str = "pending"  # pending | done | refused
    attempts: int = 0
    last_error: str | None = None
    answer: dict[str, Any] | None = None
    finished_at: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutboxItem:
        """The item a stored row holds (unknown fields ignored)."""
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in row.items() if k in known})


def compact(row: Row) -> Row:
    """A delivered item as the journal keeps it: the timeline entry of its answer, and
    no body when that entry repeats it; the hub's copy of the incident is dropped."""
    answer = row.get("answer")
    if row.get("state") != "done" or not isinstance(answer, dict) or "incident" not in answer:
        return row
    kept = {k: v for k, v in answer.items() if k != "incident"}
    body = {} if isinstance(kept.get("entry"), dict) else row.get("body", {})
    return {**row, "answer": kept, "body": body}


@dataclass
class ConsoleStore:
    """The outbox and audit journal in ``FOLDER/console.json``, cached in memory."""

    folder: Path
    fsync: bool = True
    keep_finished: int = KEEP_FINISHED
    _lock_fd: int = field(default=-1, repr=False)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.folder / "console.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            self._lock_fd = -1
            raise ConsoleStoreLocked(
                f"another warroom console is using {self.folder}; "
                "close it, or give this one its own folder with WARROOM_DATA"
            ) from None
        # A console cannot wait for someone to pass --recover: a corrupt journal is
        # recovered from its previous generation at once, and ``recovery`` says what
        # was recovered and lost so the console can tell the person.
        self._file = AtomicJSONStorage(self.folder / "console.json", fsync=self.fsync, recover=True)
        data = self._file.read() or {}
        self.recovery: str | None = self._file.recovery
        self._rows: dict[str, Row] = {}
        for _, row in sorted(data.get("outbox", {}).items(), key=lambda kv: int(kv[0])):
            self._rows[str(row["key"])] = dict(row)
        self._audit: list[Row] = [
            dict(row) for _, row in sorted(data.get("audit", {}).items(), key=lambda kv: int(kv[0]))
        ]
        self._unsaved: set[str] = set()
        self._version = 0  # bumped by every change to memory
        self._written = 0  # the version last made durable
        self._write_lock = threading.Lock()
        self.writes = 0

    # -- writing ------------------------------------------------------------
    def _changed(self) -> tuple[int, dict[str, Any]]:
        """Bump the version; the content to write for it (rows are never mutated in place,
        so this shallow copy may be encoded in another thread)."""
        self._version += 1
        data = {
            "outbox": {str(n): row for n, row in enumerate(self._rows.values(), 1)},
            "audit": {str(n): row for n, row in enumerate(self._audit, 1)},
        }
        return self._version, data

    def _write(self, version: int, data: dict[str, Any]) -> None:
        """Make ``version`` durable, unless a later one already is (writes never go back)."""
        with self._write_lock:
            if version <= self._written:
                return
            self._file.write_payload(encode(data))
            self._written = version
            self.writes += 1

    def _commit(self) -> None:
        self._write(*self._changed())

    async def _acommit(self) -> None:
        version, data = self._changed()
        await asyncio.to_thread(self._write, version, data)

    # -- the outbox ---------------------------------------------------------
    def stage(self, item: OutboxItem) -> bool:
        """Put an action in memory, not yet saved (shown, never sent); ``False`` for a
        known key. :meth:`save` makes it durable, :meth:`discard` takes it back."""
        if item.key in self._rows:
            return False
        self._rows[item.key] = asdict(item)
        self._unsaved.add(item.key)
        return True

    async def save(self, *keys: str) -> None:
        """Write the journal durably (in a thread); then ``keys`` count as saved."""
        await self._acommit()
        self._unsaved.difference_update(keys)

    def save_now(self) -> None:
        """Write every staged item durably on this thread (a console closing)."""
        if self._unsaved:
            self._commit()
            self._unsaved.clear()

    def waiting(self) -> int:
        """How many actions are not answered yet, those still being saved included."""
        return sum(1 for row in self._rows.values() if row["state"] == "pending")

    def discard(self, key: str) -> None:
        """Take back a staged item whose save failed (it was never durable)."""
        if key in self._unsaved:
            self._unsaved.discard(key)
            self._rows.pop(key, None)

    def is_saved(self, key: str) -> bool:
        """Whether ``key``'s item is durable (a staged one is not, until saved)."""
        return key in self._rows and key not in self._unsaved

    def enqueue(self, item: OutboxItem) -> None:
        """Record an action durably before it is sent. A known key is left as it is."""
        if item.key not in self._rows:
            self._rows[item.key] = asdict(item)
            try:
                self._commit()
            except BaseException:
                del self._rows[item.key]  # not durable: not journalled
                raise

    def pending(self, *, saving_too: bool = False) -> list[OutboxItem]:
        """Saved actions not yet answered, oldest first (the order they must be sent in);
        with ``saving_too``, those still being saved as well (to show, never to send)."""
        unsaved = frozenset() if saving_too else self._unsaved
        rows = (r for k, r in self._rows.items() if r["state"] == "pending" and k not in unsaved)
        return sorted((OutboxItem.from_row(r) for r in rows), key=lambda i: i.created_at)

    def get(self, key: str) -> OutboxItem | None:
        """The item journalled under ``key``."""
        row = self._rows.get(key)
        return OutboxItem.from_row(row) if row is not None else None

    def items(self, incident_id: str | None = None) -> list[OutboxItem]:
        """Every item still kept (staged ones too), oldest first; only one incident's when given."""
        rows = (r for r in self._rows.values() if incident_id in (None, r.get("incident_id")))
        return sorted((OutboxItem.from_row(r) for r in rows), key=lambda i: i.created_at)

    def _attempt(self, key: str, error: str | None) -> bool:
        row = self._rows.get(key)
        if row is None:
            return False
        self._rows[key] = {**row, "attempts": int(row.get("attempts", 0)) + 1, "last_error": error}
        return True

    def record_attempt(self, key: str, error: str | None) -> None:
        """A send that got no answer (the hub unreachable): count it, keep it pending."""
        if self._attempt(key, error):
            self._commit()

    async def arecord_attempt(self, key: str, error: str | None) -> None:
        """:meth:`record_attempt`, writing in a thread."""
        if self._attempt(key, error):
            await self._acommit()

    def _finish(self, key: str, state: str, answer: dict[str, Any], at: str) -> bool:
        if state not in ("done", "refused"):
            raise ValueError(f"finish() takes done or refused, not {state!r}")
        row = self._rows.get(key)
        if row is None:
            return False
        update: Row = {"state": state, "answer": answer, "finished_at": at}
        if state == "refused":
            update["last_error"] = str(answer.get("message", answer))
        self._rows[key] = compact({**row, **update})
        self._prune()
        return True

    def finish(self, key: str, state: str, answer: dict[str, Any], at: str) -> None:
        """The hub answered: ``done`` (applied) or ``refused`` (a 4xx it will always give)."""
        if self._finish(key, state, answer, at):
            self._commit()

    async def afinish(self, key: str, state: str, answer: dict[str, Any], at: str) -> None:
        """:meth:`finish`, writing in a thread."""
        if self._finish(key, state, answer, at):
            await self._acommit()

    def _prune(self) -> None:
        finished = [r for r in self._rows.values() if r["state"] != "pending"]
        if len(finished) <= self.keep_finished:
            return
        finished.sort(key=lambda r: str(r.get("finished_at") or ""))
        for row in finished[: len(finished) - self.keep_finished]:
            del self._rows[row["key"]]

    # -- the local audit ----------------------------------------------------
    def append_audit(self, record: dict[str, Any]) -> None:
        """The console's own record of a kill-switch action and its outcome."""
        self._audit.append(dict(record))
        self._commit()

    def audit(self) -> list[dict[str, Any]]:
        """The console's kill-switch audit records, oldest first."""
        return [dict(row) for row in self._audit]

    def close(self) -> None:
        """Release the folder's lock (every write is already durable)."""
        if self._lock_fd >= 0:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = -1
