"""Storage that fails on demand: the disk faults a test cannot always make for real."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from storage.atomic import AtomicJSONStorage
from storage.hub_store import TinyHubStore


class FaultyFile(AtomicJSONStorage):
    """An atomic JSON file whose writes raise ``OSError(fail)`` while ``fail`` is set."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, fsync=False)
        self.fail: int | None = None
        self.failed = 0

    def write_payload(self, payload: bytes) -> None:
        if self.fail is not None:
            self.failed += 1
            raise OSError(self.fail, os.strerror(self.fail))
        super().write_payload(payload)


def faulty_store(folder: Path) -> tuple[TinyHubStore, FaultyFile]:
    """A hub store on ``folder/hub.json`` whose file fails on demand."""
    file = FaultyFile(folder / "hub.json")
    return TinyHubStore(folder, fsync=False, file=file), file


ENOSPC, EROFS, EIO = errno.ENOSPC, errno.EROFS, errno.EIO
