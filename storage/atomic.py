"""A TinyDB storage that survives ``kill -9`` at any instant.

TinyDB rewrites its whole file on every write. ``AtomicJSONStorage`` writes the
new content to a temporary file in the same folder, fsyncs it, renames it over
the old file (``os.replace`` is atomic on POSIX) and fsyncs the folder, so a
reader sees either the old file or the new one, never half of one.

A file that is not valid JSON is never silently emptied: it is moved aside to
``NAME.corrupt-TIMESTAMP`` and the store starts empty, with the quarantine
recorded so the owner can report it.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from storage.files import fsync_dir

# Paths of files quarantined in this process, for the owner to report and count.
QUARANTINED: list[Path] = []


def encode(data: Any) -> bytes:
    """The file's bytes for ``data``.

    ASCII with escapes: a lone surrogate sent by a client (``"\\ud800"``) cannot be
    encoded as UTF-8, and must not make the file unwritable for everyone after it.
    """
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode("ascii")


class AtomicJSONStorage(Storage):
    """JSON storage with atomic, durable writes and quarantine of corrupt files."""

    def __init__(self, path: str | os.PathLike[str], fsync: bool = True) -> None:
        super().__init__()
        self.path = Path(path)
        self.fsync = fsync
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("top level is not an object")
        except ValueError:
            self._quarantine()
            return None
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.write_payload(encode(data))

    def write_payload(self, payload: bytes) -> None:
        """Write already-encoded content (see :func:`encode`) atomically and durably."""
        fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                if self.fsync:
                    os.fsync(handle.fileno())
            os.replace(tmp_name, self.path)
        except BaseException:
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass
            raise
        if self.fsync:
            fsync_dir(self.path.parent)

    def close(self) -> None:
        pass

    def _quarantine(self) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
        os.replace(self.path, target)
        QUARANTINED.append(target)


def open_db(path: str | os.PathLike[str], fsync: bool = True) -> TinyDB:
    """Open a TinyDB at ``path`` with :class:`AtomicJSONStorage`."""
    return TinyDB(path, storage=AtomicJSONStorage, fsync=fsync)
