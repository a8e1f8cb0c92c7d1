"""The terminal's input may hold bytes that are not UTF-8, or end; the console must
neither die of the first nor spin on the second.

Textual's Linux driver decodes standard input with a strict incremental UTF-8
decoder in its input thread: one byte of a binary paste, or a terminal sending
8-bit Meta (``0xE9`` for Meta-i), raised ``UnicodeDecodeError`` there and ended
the console. :func:`tolerate_invalid_utf8` makes that decoder replace such bytes
with U+FFFD, so the person sees that something unreadable arrived and goes on.

The same decoder sees the terminal hang up. A terminal in raw mode never reads
zero bytes but at its end: once the terminal is gone (an SSH session or a tmux
pane closed while ``make`` stood between it and the console, so that the
console got no SIGHUP) ``select`` says it is readable forever, and the input
thread spun on empty reads at 40-80 % of a core, the console and its embedded
hub running on unseen. After :data:`HANGUP_READS` empty reads in a row the
handler given to :func:`on_hangup` is called once (the app ends as on SIGHUP),
and each further empty read waits a little instead of spinning.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable
from typing import Any

# Empty reads in a row that mean the terminal is gone (one can be a spurious wakeup).
HANGUP_READS = 3
# How long an empty read waits once the terminal is gone.
GONE_WAIT_S = 0.1

_hangup: Callable[[], None] | None = None


def on_hangup(handler: Callable[[], None] | None) -> None:
    """Call ``handler`` (from the input thread) when the terminal hangs up; None: nobody."""
    global _hangup
    _hangup = handler


class HangupAwareDecoder:
    """An incremental decoder that replaces invalid bytes and notices the terminal's end."""

    def __init__(self, inner: codecs.IncrementalDecoder) -> None:
        self._inner = inner
        self._empty = 0  # only the input thread decodes
        self.hung_up = False
        """True once the terminal was seen gone."""

    def decode(self, data: bytes, final: bool = False) -> str:
        """Decode ``data``; an empty read is counted, not decoded."""
        if data or final:
            self._empty = 0
            return self._inner.decode(data, final)
        self._empty += 1
        if self._empty >= HANGUP_READS and not self.hung_up:
            self.hung_up = True
            if _hangup is not None:
                _hangup()
        if self.hung_up:
            time.sleep(GONE_WAIT_S)
        return ""


def _replacing(encoding: str) -> Callable[..., Any]:
    factory = codecs.getincrementaldecoder(encoding)

    def make(errors: str = "replace") -> HangupAwareDecoder:
        return HangupAwareDecoder(factory(errors="replace"))

    return make


def tolerate_invalid_utf8() -> bool:
    """Make Textual's terminal drivers decode input with ``errors="replace"``.

    The driver looks the decoder up in its own module at the start of its input
    thread; this replaces that one name only. False when the driver is not there
    (another platform, or a Textual that no longer decodes this way).
    """
    try:
        from textual.drivers import linux_driver
    except ImportError:
        return False
    if not hasattr(linux_driver, "getincrementaldecoder"):
        return False
    linux_driver.getincrementaldecoder = _replacing
    return True
