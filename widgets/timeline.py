"""An incident's timeline: notes and automatic entries, newest first, keyed by entry id.

Rows come from the hub's entries and from this console's own notes still in its
outbox. A note not yet answered shows ``pending`` under the key
``pending:<idempotency key>``; once the hub answers, the row's key becomes the
entry id the hub gave it, so the same sync that adds the hub's entry drops the
pending one: a note never shows twice and never vanishes. A refused note stays,
marked ``refused`` with the hub's reason. The newest entry is on top and the
cursor stays there as entries arrive (follows live); moving down scrolls back,
and then the cursor stays on its entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from services.domain.models import TimelineEntry
from services.domain.timeutil import parse_optional
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable
from widgets.safe_text import safe_text

__all__ = ["Timeline", "TimelineRow"]


@dataclass(frozen=True)
class TimelineRow:
    """One row: a hub entry, or a note of ours (``state`` pending/refused)."""

    key: str
    at: str
    author: str
    kind: str
    text: str
    state: str = "confirmed"  # confirmed | pending | refused
    reason: str = ""

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineRow:
        """A row for an entry the hub recorded."""
        return cls(entry.id, entry.at, entry.author, entry.kind, entry.text)


def _order(row: TimelineRow) -> tuple[str, int, str]:
    # Same instant: the hub's ids (TL-9 < TL-10) break the tie numerically.
    digits = "".join(ch for ch in row.key if ch.isdigit())
    return (row.at, int(digits) if digits and row.state == "confirmed" else 0, row.key)


class Timeline(KeyedTable):
    """The incident screen's timeline."""

    DEFAULT_CSS = """
    Timeline > .timeline--pending { text-style: italic; }
    Timeline > .timeline--refused { text-style: bold strike; }
    Timeline > .timeline--auto { text-style: dim; }
    """

    COMPONENT_CLASSES = {"timeline--pending", "timeline--refused", "timeline--auto"}

    COLUMNS = (
        ColumnSpec("at", "Time", 8),
        ColumnSpec("author", "By", 12),
        ColumnSpec("kind", "What", 13),
        ColumnSpec("text", "Entry"),
    )
    FOLLOW_TOP = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows_shown: list[TimelineRow] = []
        """The rows as last shown, newest first (tests read them)."""

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"timeline--{name}", partial=True)

    def row(self, item: TimelineRow, text_filter: Callable[[str], str]) -> Cells:
        """The cells of one row."""
        try:
            moment = parse_optional(item.at)
        except ValueError:
            moment = None
        base = Style()
        if item.state in ("pending", "refused"):
            base = self._style(item.state)
        elif item.author == "hub":
            base = self._style("auto")
        kind = item.state if item.state != "confirmed" else item.kind
        text = safe_text(text_filter(item.text), base, max_length=500)
        if item.state == "refused" and item.reason:
            text.append(" — refused: ")
            text.append_text(safe_text(item.reason, max_length=200))
        return (
            Text(f"{moment:%H:%M:%S}" if moment else "--:--:--", style=base, end=""),
            safe_text(item.author, base, max_length=40),
            safe_text(kind, base, max_length=20),
            text,
        )

    def show_rows(self, rows: Iterable[TimelineRow]) -> None:
        """Show ``rows`` newest first (one per key)."""
        unique = {row.key: row for row in rows}
        ordered = sorted(unique.values(), key=_order, reverse=True)
        self.rows_shown = ordered
        self.sync([(row.key, self.row(row, self.text_filter)) for row in ordered])
