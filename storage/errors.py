"""The one error a store raises when its durable write failed."""

from __future__ import annotations

import os


class StorageFailed(Exception):
    """A write did not reach the disk (ENOSPC, EROFS, EIO, …); nothing was changed.

    The message is what an answer may show: ``storage: No space left on device``.
    """

    def __init__(self, error: OSError) -> None:
        reason = error.strerror or (os.strerror(error.errno) if error.errno else str(error))
        super().__init__(f"storage: {reason}")
        self.errno = error.errno
        self.message = f"storage: {reason}"
