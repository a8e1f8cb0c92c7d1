"""The terminal's input may hold bytes that are not UTF-8; the console must not die of it.

Textual's Linux driver decodes standard input with a strict incremental UTF-8
decoder in its input thread: one byte of a binary paste, or a terminal sending
8-bit Meta (``0xE9`` for Meta-i), raised ``UnicodeDecodeError`` there and ended
the console. :func:`tolerate_invalid_utf8` makes that decoder replace such bytes
with U+FFFD, so the person sees that something unreadable arrived and goes on.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import Any


def _replacing(encoding: str) -> Callable[..., Any]:
    factory = codecs.getincrementaldecoder(encoding)

    def make(errors: str = "replace") -> codecs.IncrementalDecoder:
        return factory(errors="replace")

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
