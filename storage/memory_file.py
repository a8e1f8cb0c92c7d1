"""A stand-in for the hub's file that keeps its content in memory.

A hub replica of a cluster holds no durable state of its own: the cluster's
replicated log is the durable copy, and the replica rebuilds its store from it
at every start. :class:`MemoryFile` takes the place of the atomic file under a
:class:`~storage.hub_store.TinyHubStore`, so the replica keeps the store's
transactions and rollbacks without writing a disk.
"""

from __future__ import annotations

import json
from typing import Any

from tinydb.storages import Storage

from storage.atomic import AtomicJSONStorage


class MemoryFile(AtomicJSONStorage):
    """The last content "written", in memory; nothing survives the process."""

    def __init__(self) -> None:  # no path, no folder: nothing of the file's own
        Storage.__init__(self)
        self.recovery = None
        self.fsync = False
        self.recover = False
        self.removed_temp_files = 0
        self._payload: bytes | None = None
        self.writes = 0

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._payload is None:
            return None
        data: dict[str, dict[str, Any]] = json.loads(self._payload)
        return data

    def write_payload(self, payload: bytes) -> None:
        self._payload = payload
        self.writes += 1
