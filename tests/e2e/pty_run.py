"""Running warroom in a real pseudo-terminal and keeping every byte it writes.

tmux shows what a terminal would draw; this keeps what the program *sent*, so tests
can count bell bytes and scan for escape sequences that must never come from data.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

WARROOM = Path(sys.executable).with_name("warroom")

# An OSC sequence (title, clipboard, link…) ends with BEL or ST: its BEL is no bell.
_OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def bells(raw: bytes) -> int:
    """How many times ``raw`` rings the bell (BEL outside OSC sequences)."""
    return _OSC.sub(b"", raw).count(b"\x07")


class PtyProgram:
    """``warroom ARGS`` in a pty of ``width`` x ``height``; :attr:`output` grows as it writes."""

    def __init__(self, args: list[str], width: int = 120, height: int = 40) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(width), "LINES": str(height)}
        env.pop("TEXTUAL", None)
        self.process = subprocess.Popen(
            [str(WARROOM), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._lock = threading.Lock()
        self._output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                with self._lock:
                    self._output += chunk
            elif self.process.poll() is not None:
                return

    @property
    def output(self) -> bytes:
        """Every byte written so far."""
        with self._lock:
            return bytes(self._output)

    def type(self, keys: str) -> None:
        """Type ``keys`` (raw bytes as a str: ``"\\r"`` for Enter)."""
        os.write(self.master, keys.encode())

    def wait_for(self, needle: bytes, timeout: float = 30.0, start: int = 0) -> int:
        """The offset just past ``needle`` once it was written after ``start``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.output.find(needle, start)
            if found >= 0:
                return found + len(needle)
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        tail = self.output[-2000:]
        raise AssertionError(f"{needle!r} not written within {timeout} s; last bytes: {tail!r}")

    def stop(self) -> None:
        """Quit (SIGTERM, then SIGKILL) and close the pty."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        os.close(self.master)
