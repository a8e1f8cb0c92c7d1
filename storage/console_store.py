"""The console's durable journal: its outbox of actions and its local audit.

Every action a person takes (a note, an ack, a kill-switch change) is written
here, fsync'd, *before* it is sent, under the idempotency key it will be sent
with. Until the hub's answer is recorded the item stays ``pending`` and is sent
again, with the same key, after a reconnect or on the next start — so a
console killed right after Enter still delivers the note, exactly once.

One console owns a data folder at a time: a second one is refused with a clear
message instead of both rewriting the same file.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tinydb import Query

from storage.atomic import open_db

# Delivered or refused items kept for the journal view; older ones are pruned.
KEEP_FINISHED = 2000


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
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in row.items() if k in known})


@dataclass
class ConsoleStore:
    """The outbox and audit journal in ``FOLDER/console.json``."""

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
        self.db = open_db(self.folder / "console.json", fsync=self.fsync, recover=True)
        self._outbox = self.db.table("outbox")
        self._audit = self.db.table("audit")
        len(self._outbox)  # read now: a damaged file is found (and recovered) at open
        self.recovery: str | None = getattr(self.db.storage, "recovery", None)

    # -- the outbox ---------------------------------------------------------
    def enqueue(self, item: OutboxItem) -> None:
        """Record an action durably before it is sent. A known key is left as it is."""
        if self._outbox.get(Query().key == item.key) is None:
            self._outbox.insert(asdict(item))

    def pending(self) -> list[OutboxItem]:
        """Actions not yet answered, oldest first (the order they must be sent in)."""
        rows = self._outbox.search(Query().state == "pending")
        return sorted((OutboxItem.from_row(dict(r)) for r in rows), key=lambda i: i.created_at)

    def get(self, key: str) -> OutboxItem | None:
        row = self._outbox.get(Query().key == key)
        return OutboxItem.from_row(dict(row)) if isinstance(row, dict) else None

    def items(self, incident_id: str | None = None) -> list[OutboxItem]:
        """Every item still kept, oldest first; only one incident's when given."""
        rows = (
            self._outbox.all()
            if incident_id is None
            else self._outbox.search(Query().incident_id == incident_id)
        )
        return sorted((OutboxItem.from_row(dict(r)) for r in rows), key=lambda i: i.created_at)

    def record_attempt(self, key: str, error: str | None) -> None:
        """A send that got no answer (the hub unreachable): count it, keep it pending."""
        row = self._outbox.get(Query().key == key)
        if isinstance(row, dict):
            attempts = int(row.get("attempts", 0)) + 1
            self._outbox.update({"attempts": attempts, "last_error": error}, Query().key == key)

    def finish(self, key: str, state: str, answer: dict[str, Any], at: str) -> None:
        """The hub answered: ``done`` (applied) or ``refused`` (a 4xx it will always give)."""
        if state not in ("done", "refused"):
            raise ValueError(f"finish() takes done or refused, not {state!r}")
        update = {"state": state, "answer": answer, "finished_at": at}
        if state == "refused":
            update["last_error"] = str(answer.get("message", answer))
        self._outbox.update(update, Query().key == key)
        self._prune()

    def _prune(self) -> None:
        finished = self._outbox.search(Query().state != "pending")
        if len(finished) <= self.keep_finished:
            return
        finished.sort(key=lambda r: str(r.get("finished_at") or ""))
        doc_ids = [row.doc_id for row in finished[: len(finished) - self.keep_finished]]
        self._outbox.remove(doc_ids=doc_ids)

    # -- the local audit ----------------------------------------------------
    def append_audit(self, record: dict[str, Any]) -> None:
        """The console's own record of a kill-switch action and its outcome."""
        self._audit.insert(dict(record))

    def audit(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._audit.all()]

    def close(self) -> None:
        self.db.close()
        if self._lock_fd >= 0:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = -1
