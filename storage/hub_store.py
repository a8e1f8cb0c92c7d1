"""The hub's durable state in one TinyDB file, with one owner.

What lives here must survive ``kill -9``: kill-switch state and its audit,
incidents and their timelines, the event ``seq`` counter and the answers to
mutating requests by idempotency key. Telemetry (agent status, alert history)
never comes here: TinyDB rewrites the whole file on every write.

Every change is one whole-file rewrite, so related changes are batched:
inside ``with store.transaction():`` writes are held in memory and reach the
file once, atomically, at the end. The hub applies a mutation and stores its
idempotent answer in one transaction, so a crash leaves both or neither.
The store is the file's only owner, so its content is also cached in memory
and TinyDB never re-reads and re-parses the file for each query.

The ``seq`` counter is persisted in blocks (a "hi/lo" reservation): the store
records the highest ``seq`` it has handed out a block up to, so a restarted hub
continues above anything it may have used, without a disk write per event.

``HubStore`` is the small interface the hub depends on; ``TinyHubStore`` is the
embedded implementation. A replicated store (Redis Streams, NATS JetStream) would
implement the same methods.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from tinydb import Query, TinyDB

from storage.atomic import AtomicJSONStorage
from storage.cached import CachedStorage
from storage.folder_lock import FolderLock

IDEMPOTENCY_TTL_S = 24 * 3600


class HubStore(Protocol):
    """What the hub needs from durable storage."""

    def reserve_seq_block(self, size: int) -> int:
        """Reserve ``size`` seq numbers; return the first. Later calls never overlap."""
        ...

    def next_incident_number(self) -> int: ...

    def load_switches(self) -> list[dict[str, Any]]: ...

    def save_switch(self, switch: dict[str, Any]) -> None: ...

    def append_audit(self, record: dict[str, Any]) -> None: ...

    def load_audit(self) -> list[dict[str, Any]]: ...

    def load_incidents(self) -> list[dict[str, Any]]: ...

    def save_incident(self, incident: dict[str, Any]) -> None: ...

    def append_timeline(self, entry: dict[str, Any]) -> None: ...

    def load_timeline(self, incident_id: str | None = None) -> list[dict[str, Any]]: ...

    def get_idempotent(self, scope: str, key: str) -> dict[str, Any] | None: ...

    def put_idempotent(self, scope: str, key: str, answer: dict[str, Any]) -> None: ...

    def load_pending_global(self) -> dict[str, Any] | None:
        """The pending two-person global stop request, if any."""
        ...

    def save_pending_global(self, request: dict[str, Any] | None) -> None:
        """Store (or with None, clear) the pending global stop request."""
        ...

    def add_delivery(self, delivery: dict[str, Any]) -> None:
        """Queue an outgoing escalation webhook (keyed by its ``id``) until delivered."""
        ...

    def remove_delivery(self, delivery_id: str) -> None: ...

    def load_deliveries(self) -> list[dict[str, Any]]: ...

    @property
    def changes(self) -> int:
        """Grows with every change made (written or not): did a block change anything?"""
        ...

    @property
    def recovery(self) -> str | None:
        """What a recovering start recovered and lost; None when the store was good."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Hold every write made inside the block and apply them as one (nestable).

        If the block raises, or the write fails (``StorageFailed``), none of them is
        applied: the store reads as before the block."""
        ...

    def close(self) -> None: ...


def _copy(value: Any) -> Any:
    """A deep copy of JSON-like data (several times faster than ``copy.deepcopy``).

    Rows live in the storage's cache: nothing handed in or out may alias it.
    """
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


class TinyHubStore:
    """``HubStore`` on an atomic TinyDB file at ``DIR/hub.json``."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        fsync: bool = True,
        file: AtomicJSONStorage | None = None,
        recover: bool = False,
    ) -> None:
        """``file`` replaces the atomic file under ``DIR/hub.json`` (tests inject faults).

        A corrupt file raises :class:`~storage.atomic.CorruptFile` unless ``recover``;
        then :attr:`recovery` says what was recovered and what was lost.
        """
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        # Before anything is read (or a leftover temp file removed): one owner.
        self._lock = FolderLock(self.folder, "hub.lock", "the hub's data")
        try:
            self._open(fsync, file, recover)
        except BaseException:
            self._lock.release()
            raise

    def _open(self, fsync: bool, file: AtomicJSONStorage | None, recover: bool) -> None:
        self._storage = CachedStorage(
            self.folder / "hub.json", fsync=fsync, file=file, recover=recover
        )
        self._storage.on_rollback = self._forget_unwritten
        self.db = TinyDB(storage=lambda: self._storage)
        self._meta = self.db.table("meta")
        self._switches = self.db.table("switches")
        self._audit = self.db.table("audit")
        self._incidents = self.db.table("incidents")
        self._timeline = self.db.table("timeline")
        self._idempotency = self.db.table("idempotency")
        self._pending = self.db.table("pending")
        self._deliveries = self.db.table("deliveries")
        self._depth = 0
        self._held_timeline: list[dict[str, Any]] = []
        self._prune_idempotency()

    @property
    def writes(self) -> int:
        """How many times the file has been written since the store was opened."""
        return self._storage.writes

    @property
    def recovery(self) -> str | None:
        """What a ``--recover`` start recovered and lost; None when the file was good."""
        return self._storage.recovery

    @property
    def changes(self) -> int:
        """How many changes were made to the content (written or not) since opening."""
        return self._storage.changes

    def _forget_unwritten(self) -> None:
        # TinyDB's tables cache query results and their next document id: after the
        # content went back to the file's, both may describe rows that never were.
        for handle in self.db._tables.values():
            handle.clear_cache()
            handle._next_id = None
        self._held_timeline = []

    def transaction(self) -> AbstractContextManager[None]:
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._storage.batch():
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._flush_timeline()

    def _flush_timeline(self) -> None:
        # TinyDB converts a whole table on every insert: a storm's timeline entries go
        # in as one insert per transaction, not one each.
        if self._held_timeline:
            rows, self._held_timeline = self._held_timeline, []
            self._timeline.insert_multiple(rows)

    # -- counters -----------------------------------------------------------
    def _get_meta(self, key: str, default: int) -> int:
        row = self._meta.get(Query().key == key)
        if isinstance(row, dict) and isinstance(row.get("value"), int):
            return int(row["value"])
        return default

    def _set_meta(self, key: str, value: int) -> None:
        self._meta.upsert({"key": key, "value": value}, Query().key == key)

    def reserve_seq_block(self, size: int) -> int:
        reserved = self._get_meta("seq_reserved", 0)
        self._set_meta("seq_reserved", reserved + size)
        return reserved + 1

    def next_incident_number(self) -> int:
        number = self._get_meta("incident_counter", 0) + 1
        self._set_meta("incident_counter", number)
        return number

    # -- kill switches and audit -------------------------------------------
    def load_switches(self) -> list[dict[str, Any]]:
        return [_copy(dict(row)) for row in self._switches.all()]

    def save_switch(self, switch: dict[str, Any]) -> None:
        where = (Query().scope == switch["scope"]) & (Query().pack == switch.get("pack"))
        self._switches.upsert(_copy(switch), where)

    def append_audit(self, record: dict[str, Any]) -> None:
        self._audit.insert(_copy(record))

    def load_audit(self) -> list[dict[str, Any]]:
        return [_copy(dict(row)) for row in self._audit.all()]

    # -- incidents and timeline --------------------------------------------
    def load_incidents(self) -> list[dict[str, Any]]:
        return [_copy(dict(row)) for row in self._incidents.all()]

    def save_incident(self, incident: dict[str, Any]) -> None:
        self._incidents.upsert(_copy(incident), Query().id == incident["id"])

    def append_timeline(self, entry: dict[str, Any]) -> None:
        if self._depth:
            self._held_timeline.append(_copy(entry))
        else:
            self._timeline.insert(_copy(entry))

    def load_timeline(self, incident_id: str | None = None) -> list[dict[str, Any]]:
        self._flush_timeline()
        rows = (
            self._timeline.all()
            if incident_id is None
            else self._timeline.search(Query().incident_id == incident_id)
        )
        return [_copy(dict(row)) for row in rows]

    # -- idempotency --------------------------------------------------------
    def get_idempotent(self, scope: str, key: str) -> dict[str, Any] | None:
        row = self._idempotency.get((Query().scope == scope) & (Query().key == key))
        if not isinstance(row, dict):
            return None
        answer = row.get("answer")
        return _copy(answer) if isinstance(answer, dict) else None

    def put_idempotent(self, scope: str, key: str, answer: dict[str, Any]) -> None:
        row = {"scope": scope, "key": key, "at": time.time(), "answer": _copy(answer)}
        self._idempotency.insert(row)

    def _prune_idempotency(self) -> None:
        cutoff = time.time() - IDEMPOTENCY_TTL_S
        self._idempotency.remove(Query().at < cutoff)

    # -- two-person rule and escalation deliveries -----------------------------
    def load_pending_global(self) -> dict[str, Any] | None:
        rows = self._pending.all()
        return _copy(dict(rows[0]["request"])) if rows else None

    def save_pending_global(self, request: dict[str, Any] | None) -> None:
        self._pending.truncate()
        if request is not None:
            self._pending.insert({"request": _copy(request)})

    def add_delivery(self, delivery: dict[str, Any]) -> None:
        self._deliveries.upsert(_copy(delivery), Query().id == delivery["id"])

    def remove_delivery(self, delivery_id: str) -> None:
        self._deliveries.remove(Query().id == delivery_id)

    def load_deliveries(self) -> list[dict[str, Any]]:
        return [_copy(dict(row)) for row in self._deliveries.all()]

    def close(self) -> None:
        try:
            self._flush_timeline()
            self.db.close()
        finally:
            self._lock.release()
