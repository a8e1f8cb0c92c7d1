"""A partial repaint writes the changed span only, not the line up to it; bytes counted.

Textual (8.2) writes a partial update line by line: for each changed span
``x1..x2`` of a line it writes each widget's strip *from the widget's left
edge* to ``x2``. A response timer ticking near the right of the incident list
rewrote the whole row up to it, and the age at the row's end the whole row
again: about 700 bytes a second per incident at 120 columns, where the
changed text is a dozen characters. Over SSH that is the budget.

:func:`install` replaces ``ChopsUpdate.render_segments`` with one that starts
each write at the first segment that reaches ``x1`` (a segment boundary, so a
wide character is never cut in half) and ends it at ``x2`` as before. What
is written for a span is the same cells, in the same styles, at the same
place; only the unchanged cells before it are no longer sent.

Each span is also written with a style only where it changes: Textual
writes every segment as ``ESC[codes m text ESC[0m``, and a table row's
segments mostly share one style (they differ in their mouse metadata, which
the terminal never sees), so a feed row was two thirds escape codes.
:func:`render_strip` writes the same characters in the same styles with one
``ESC[codes m`` per run of equal codes.

It also counts what every screen update writes (``OUTPUT``), which the
redraw pacer reads to keep the console within its byte budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rich.color import ColorSystem
from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.strip import Strip

from services.console.redraw import OUTPUT

__all__ = ["install", "render_chops", "render_strip"]

U = TypeVar("U", bound=CompositorUpdate)

_installed = False


def _from_span_start(strip: Strip, x: int, x1: int) -> tuple[int, Strip]:
    """``strip`` (drawn at ``x``) without its whole segments that end at or before
    ``x1``; the new start and the rest."""
    offset = 0
    for segment in strip:
        width = segment.cell_length
        if x + offset + width > x1:
            break
        offset += width
    return x + offset, strip.crop(offset) if offset else strip


def render_strip(strip: Strip, console: Console) -> str:
    """``strip`` as terminal sequences, a style written once per run of equal codes."""
    color_system = console._color_system or ColorSystem.TRUECOLOR
    out: list[str] = []
    append = out.append
    current = ""  # the codes in force ("" after a reset)
    for text, style, _control in strip:
        if style is None:
            codes = ""
        elif style._link:
            # A link: written as Textual writes it, alone.
            if current:
                append("\x1b[0m")
                current = ""
            append(Strip.render_style(style, text, color_system))
            continue
        else:
            cached = style._ansi
            codes = cached if cached is not None else Strip.render_ansi(style, color_system)
        if codes != current:
            if current:
                append("\x1b[0m")
            if codes:
                append(f"\x1b[{codes}m")
            current = codes
        append(text)
    if current:
        append("\x1b[0m")
    return "".join(out)


def render_chops(self: ChopsUpdate, console: Console) -> str:
    """What Textual's ``ChopsUpdate.render_segments`` writes, each chop cut to its span."""
    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    chops = self.chops
    chop_ends = self.chop_ends
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items(), strict=False):
            if strip is None or x >= x2 or end <= x1:
                continue
            if end > x2:
                strip = strip.crop(0, x2 - x)
            if x < x1:
                x, strip = _from_span_start(strip, x, x1)
            append(move_to(x, y).segment.text)
            append(render_strip(strip, console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


def _counted(render: Callable[[U, Console], str]) -> Callable[[U, Console], str]:
    def counted(update: U, console: Console) -> str:
        text = render(update, console)
        OUTPUT.add(len(text.encode("utf-8", "replace")))
        return text

    return counted


def install() -> None:
    """Write partial updates span by span and count every update's bytes (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    layout_render = LayoutUpdate.render_segments
    ChopsUpdate.render_segments = _counted(render_chops)  # type: ignore[method-assign, assignment]
    LayoutUpdate.render_segments = _counted(layout_render)  # type: ignore[method-assign, assignment]
