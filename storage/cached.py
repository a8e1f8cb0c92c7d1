"""A TinyDB storage for a file with one owner: cached in memory, rolled back on failure.

The content is read once and kept in memory; every write goes through to the file at
once, except inside :meth:`CachedStorage.batch`, where writes only mark the content
dirty and the file is written once when the outermost batch ends.

Nothing takes effect before it is durable: when the file write fails (a full or
read-only disk, an I/O error), or the batch ends with an error, the cache goes back
to the last content that reached the disk and :class:`~storage.errors.StorageFailed`
(or the error) is raised, so a retry starts from what a restart would see.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tinydb.storages import Storage

from storage.atomic import AtomicJSONStorage, encode
from storage.errors import StorageFailed

Data = dict[str, dict[str, Any]]


class CachedStorage(Storage):
    """TinyDB storage over :class:`AtomicJSONStorage`, with rollback to the durable content.

    ``writes`` counts the file writes and ``changes`` the writes to the cache, for tests,
    benchmarks and callers that need to know whether a block changed anything.
    ``on_rollback`` is called after the cache went back (TinyDB's tables keep caches of
    their own that must be dropped).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fsync: bool = True,
        file: AtomicJSONStorage | None = None,
        recover: bool = False,
    ) -> None:
        super().__init__()
        self._file = (
            file if file is not None else AtomicJSONStorage(path, fsync=fsync, recover=recover)
        )
        self._data: Data | None = None
        # The encoded content last known to be on disk: what a rollback returns to.
        self._durable: bytes | None = None
        self._loaded = False
        self._depth = 0
        self._dirty = False
        self.writes = 0
        self.changes = 0
        self.on_rollback: Callable[[], None] | None = None

    @property
    def recovery(self) -> str | None:
        """What was recovered from a corrupt file, and what was lost (None: nothing was)."""
        return self._file.recovery

    def read(self) -> Data | None:
        # TinyDB updates the dict it read in place and writes it back; handing out
        # the cached dict itself is what makes a read free.
        if not self._loaded:
            self._data = self._file.read()
            self._durable = encode(self._data) if self._data is not None else None
            self._loaded = True
        return self._data

    def write(self, data: Data) -> None:
        self._data = data
        self._loaded = True
        self.changes += 1
        if self._depth:
            self._dirty = True
        else:
            self._flush()

    def _flush(self) -> None:
        self._dirty = False
        if self._data is None:
            return
        try:
            payload = encode(self._data)
            self._file.write_payload(payload)
        except OSError as error:
            self.rollback()
            raise StorageFailed(error) from error
        except BaseException:
            self.rollback()
            raise
        self._durable = payload
        self.writes += 1

    def rollback(self) -> None:
        """Forget every change not yet on disk: the cache is the file's content again."""
        self._dirty = False
        self._data = json.loads(self._durable) if self._durable is not None else None
        if self.on_rollback is not None:
            self.on_rollback()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes inside reach the file once, when the outermost batch ends; an error
        inside undoes them all (the cache returns to the file's content)."""
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0 and self._dirty:
                self.rollback()
            raise
        self._depth -= 1
        if self._depth == 0 and self._dirty:
            self._flush()

    def close(self) -> None:
        if self._dirty:
            self._flush()
