"""A TinyDB storage that survives ``kill -9`` at any instant.

TinyDB rewrites its whole file on every write. ``AtomicJSONStorage`` writes the
new content to a temporary file in the same folder, fsyncs it, renames it over
the old file (``os.replace`` is atomic on POSIX) and fsyncs the folder, so a
reader sees either the old file or the new one, never half of one.

The content it replaces is kept as ``NAME.1``, the previous generation. A file
that is not valid JSON is never silently emptied: opening it is refused, naming
what a recovery would start from, until the owner asks to recover; then it is moved
aside to ``NAME.corrupt-TIMESTAMP`` and the previous generation takes its place.
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


class CorruptFile(Exception):
    """The file is not valid JSON; the message says what a recovery would use and lose."""


def _load(raw: bytes) -> dict[str, Any]:
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("top level is not an object")
    return data


def _describe(data: dict[str, Any]) -> str:
    counts = ", ".join(f"{len(rows)} {table}" for table, rows in sorted(data.items()) if rows)
    return counts or "nothing"


class AtomicJSONStorage(Storage):
    """JSON storage with atomic, durable writes, one previous generation kept
    (``NAME.1``), and recovery from it.

    A corrupt file is never silently emptied: reading it raises :class:`CorruptFile`
    unless ``recover`` is set; then the file is moved aside to
    ``NAME.corrupt-TIMESTAMP``, the previous generation (if it is good) takes its
    place, and :attr:`recovery` says what was recovered and what was lost. Temporary
    files left by a process killed mid-write are removed when the storage opens.
    """

    def __init__(
        self, path: str | os.PathLike[str], fsync: bool = True, recover: bool = False
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.fsync = fsync
        self.recover = recover
        self.recovery: str | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.generation = self.path.with_name(f"{self.path.name}.1")
        self.removed_temp_files = self._remove_temp_files()

    def _remove_temp_files(self) -> int:
        removed = 0
        for leftover in self.path.parent.glob(f".{self.path.name}.*"):
            # Only ours: mkstemp's names; the folder has one owner (a lock).
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raw = None
        if raw is None and not self.generation.exists():
            return None
        if raw is not None and not raw.strip() and not self.generation.exists():
            return None
        try:
            if raw is None or not raw.strip():
                raise ValueError("missing or empty, but an older generation exists")
            return _load(raw)
        except ValueError as error:
            return self._corrupt(str(error))

    def _previous(self) -> tuple[dict[str, Any] | None, str]:
        try:
            raw = self.generation.read_bytes()
            data = _load(raw)
        except (OSError, ValueError) as error:
            return None, f"the previous generation {self.generation.name} is not usable ({error})"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.generation.stat().st_mtime))
        return data, f"the previous generation {self.generation.name} (written {stamp})"

    def _corrupt(self, why: str) -> dict[str, dict[str, Any]] | None:
        previous, which = self._previous()
        if not self.recover:
            offer = (
                f"{which} holds {_describe(previous)}; `warroom hub --recover` starts from it"
                if previous is not None
                else f"{which}; `warroom hub --recover` starts EMPTY"
            )
            raise CorruptFile(f"{self.path} is corrupt: {why}. {offer}, keeping the corrupt file")
        kept = self._quarantine() if self.path.exists() else None
        aside = f"; the corrupt file is kept as {kept.name}" if kept else ""
        if previous is None:
            self.recovery = (
                f"{self.path.name} was corrupt ({why}) and {which}: started EMPTY; every "
                f"stored incident, switch and audit record is lost{aside}"
            )
            return None
        self.recovery = (
            f"{self.path.name} was corrupt ({why}): recovered {which} with "
            f"{_describe(previous)}; what was written after it is lost{aside}"
        )
        self.write_payload(encode(previous))
        return previous

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
            if self.path.exists():
                # The content being replaced becomes the previous generation: a file
                # corrupted later (a disk, a person) can be recovered from it.
                link = f"{tmp_name}.prev"
                os.link(self.path, link)
                os.rename(link, self.generation)  # (os.replace is the commit point)
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

    def _quarantine(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
        os.replace(self.path, target)
        QUARANTINED.append(target)
        return target


def open_db(path: str | os.PathLike[str], fsync: bool = True, recover: bool = False) -> TinyDB:
    """Open a TinyDB at ``path`` with :class:`AtomicJSONStorage`."""
    return TinyDB(path, storage=AtomicJSONStorage, fsync=fsync, recover=recover)
