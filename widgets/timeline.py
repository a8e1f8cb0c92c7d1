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
    """One row: a hub entry, or a note of ours (``state`` saving/pending/refused)."""

    key: str
    at: str
    author: str
    kind: str
    text: str
    state: str = "confirmed"  # confirmed | saving | pending | refused
    reason: str = ""

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineRow:
        """A row for an entry the hub recorded, at the time its note was typed if known."""
        return cls(entry.id, entry.typed_at or entry.at, entry.author, entry.kind, entry.text)


def _order(row: TimelineRow) -> tuple[int, int, str]:
    """The hub's order (its ids, TL-9 < TL-10) for what it recorded, then ours not yet
    there, by time typed. No clock orders the hub's entries: a console's can step back,
    and a note typed during an outage is recorded after what the hub wrote meanwhile."""
    digits = "".join(ch for ch in row.key if ch.isdigit())
    if row.state == "confirmed" and digits:
        return (0, int(digits), "")
    return (1, 0, row.at + row.key)


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
        ColumnSpec("kind", "What", 14),  # stop_confirmed, stop_violation
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
        if item.state in ("saving", "pending", "refused"):
            base = self._style("refused" if item.state == "refused" else "pending")
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
