"""One owner per data folder: an exclusive ``flock`` on a lock file that names its PID.

Two hubs on one folder would both acknowledge writes and one would overwrite the
other's file. The lock is held as long as the owner's file descriptor is open, and
the kernel drops it when the process dies, however it dies: no stale lock to clear.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class FolderLocked(RuntimeError):
    """Another process owns the folder; the message names its PID."""


class FolderLock:
    """``FOLDER/NAME`` locked exclusively by this process until :meth:`release`."""

    def __init__(self, folder: Path, name: str, what: str) -> None:
        self.path = Path(folder) / name
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(self._fd)
            raise FolderLocked(
                f"{what} in {folder} is in use by another process (PID {holder}); "
                "stop it, or use another folder"
            ) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode("ascii"), 0)

    def release(self) -> None:
        """Give the folder up (idempotent)."""
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1
