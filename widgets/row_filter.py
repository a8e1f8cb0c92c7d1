"""Which rows a ``/`` filter lets through: those whose text holds it, in any case.

A row's text is its cells' full text (before fitting to the column), joined by
spaces: a word cut off by an ellipsis still matches.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

__all__ = ["matching_rows", "row_text"]


def row_text(cells: Sequence[Text]) -> str:
    """What a row says, cell after cell."""
    return " ".join(cell.plain for cell in cells)


def matching_rows(
    rows: Sequence[tuple[str, tuple[Text, ...]]], needle: str
) -> Sequence[tuple[str, tuple[Text, ...]]]:
    """The rows (key, cells) whose text holds ``needle`` in any case; all when it is blank."""
    wanted = needle.strip().casefold()
    if not wanted:
        return rows
    return [(key, cells) for key, cells in rows if wanted in row_text(cells).casefold()]
