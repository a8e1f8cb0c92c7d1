"""The console's glyphs and their ASCII stand-ins, for terminals that cannot draw them.

``LANG=C`` (no UTF-8) and ``TERM=linux`` (the kernel console's small font) show
``●``, ``✓``, ``⏱`` or a box corner as garbage; ``--ascii`` (config ``ascii = true``)
does the same on any terminal. :data:`GLYPHS` is the one table; :class:`Glyphs`
is the line filter the app adds so that every widget's lines — literals, borders and
the hub's text alike — are drawn through it, each stand-in as wide as its glyph so
no column moves.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

GLYPHS: dict[str, str] = {
    "●": "*",  # a live dot, an unread mark
    "■": "#",
    "✓": "v",  # done, confirmed
    "✔": "v",
    "✗": "x",
    "⏱": "T",  # a timer
    "✉": "@",  # a note, a message
    "⚠": "!",
    "⏎": "<",
    "␛": "E",
    "⇧": "^",
    "▏": "|",  # a gauge's edge
    "…": ".",
    "·": ".",
    "—": "-",
    "\u2013": "-",  # en dash
    "→": ">",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "▲": "^",
    "▼": "v",
}
"""Each glyph the widgets draw, and what stands for it in ASCII."""

_BOX = {"─": "-", "━": "-", "│": "|", "┃": "|", "╌": "-", "╎": "|"}


@lru_cache(4096)
def ascii_char(char: str) -> str:
    """``char`` in ASCII, as many cells wide as ``char`` itself (so columns stay put)."""
    if char.isascii():
        return char
    width = cell_len(char)
    if width == 0:
        return ""
    stand_in = GLYPHS.get(char) or _BOX.get(char)
    if stand_in is None:
        name = unicodedata.name(char, "")
        if name.startswith("BOX DRAWINGS"):
            stand_in = "+"
        elif name.startswith(("BLOCK", "LEFT ", "RIGHT ", "LOWER ", "UPPER ", "FULL ")):
            stand_in = "#"
        else:
            # é -> e; what has no ASCII letter inside shows as ?.
            bare = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            stand_in = bare or "?"
    # A stand-in wider than its glyph is cut (the column must not move).
    return stand_in[:width].ljust(width)


def to_ascii(text: str) -> str:
    """``text`` with every character in ASCII, cell for cell."""
    if text.isascii():
        return text
    return "".join(ascii_char(char) for char in text)


class Glyphs(LineFilter):
    """A line filter that draws every line in ASCII (added by the app in ASCII mode)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            segment if segment.text.isascii() else Segment(to_ascii(segment.text), *segment[1:])
            for segment in segments
        ]
