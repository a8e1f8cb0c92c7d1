"""The hub's durable state in one TinyDB file, with one owner.

What lives here must survive ``kill -9``: kill-switch state and its audit,
incidents and their timelines, the event ``seq`` counter and the answers to
mutating requests by idempotency key. Telemetry (agent status, alert history)
never comes here: TinyDB rewrites the whole file on every write.

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
from pathlib import Path
from typing import Any, Protocol

from tinydb import Query

from storage.atomic import open_db

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

    def close(self) -> None: ...


class TinyHubStore:
    """``HubStore`` on an atomic TinyDB file at ``DIR/hub.json``."""

    def __init__(self, folder: str | os.PathLike[str], fsync: bool = True) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db = open_db(self.folder / "hub.json", fsync=fsync)
        self._meta = self.db.table("meta")
        self._switches = self.db.table("switches")
        self._audit = self.db.table("audit")
        self._incidents = self.db.table("incidents")
        self._timeline = self.db.table("timeline")
        self._idempotency = self.db.table("idempotency")
        self._prune_idempotency()

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
        return [dict(row) for row in self._switches.all()]

    def save_switch(self, switch: dict[str, Any]) -> None:
        where = (Query().scope == switch["scope"]) & (Query().pack == switch.get("pack"))
        self._switches.upsert(dict(switch), where)

    def append_audit(self, record: dict[str, Any]) -> None:
        self._audit.insert(dict(record))

    def load_audit(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._audit.all()]

    # -- incidents and timeline --------------------------------------------
    def load_incidents(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._incidents.all()]

    def save_incident(self, incident: dict[str, Any]) -> None:
        self._incidents.upsert(dict(incident), Query().id == incident["id"])

    def append_timeline(self, entry: dict[str, Any]) -> None:
        self._timeline.insert(dict(entry))

    def load_timeline(self, incident_id: str | None = None) -> list[dict[str, Any]]:
        rows = (
            self._timeline.all()
            if incident_id is None
            else self._timeline.search(Query().incident_id == incident_id)
        )
        return [dict(row) for row in rows]

    # -- idempotency --------------------------------------------------------
    def get_idempotent(self, scope: str, key: str) -> dict[str, Any] | None:
        row = self._idempotency.get((Query().scope == scope) & (Query().key == key))
        if not isinstance(row, dict):
            return None
        answer = row.get("answer")
        return dict(answer) if isinstance(answer, dict) else None

    def put_idempotent(self, scope: str, key: str, answer: dict[str, Any]) -> None:
        self._idempotency.insert({"scope": scope, "key": key, "at": time.time(), "answer": answer})

    def _prune_idempotency(self) -> None:
        cutoff = time.time() - IDEMPOTENCY_TTL_S
        self._idempotency.remove(Query().at < cutoff)

    def close(self) -> None:
        self.db.close()
