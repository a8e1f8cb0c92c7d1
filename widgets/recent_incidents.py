"""Every incident the console knows, open and resolved: open first, then newest first.

Where a resolved incident can be reached again (to read it, or to find the id
``warroom export`` needs). One row per incident, keyed by its id.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from services.domain.models import Incident
from services.domain.timeutil import parse_optional
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable
from widgets.safe_text import safe_text
from widgets.severity_badge import severity_badge

__all__ = ["RecentIncidents", "recent_order"]


def _when(text: str | None) -> Text:
    try:
        moment = parse_optional(text)
    except ValueError:
        moment = None
    return Text(f"{moment:%m-%d %H:%M}" if moment else "—", end="")


def recent_order(incidents: Iterable[Incident]) -> list[Incident]:
    """Open incidents first, then resolved; within each, the newest opened first."""
    ordered = sorted(incidents, key=lambda i: (i.opened_at, i.id), reverse=True)
    return sorted(ordered, key=lambda i: not i.is_open)


class RecentIncidents(KeyedTable):
    """The table of recent incidents."""

    DEFAULT_CSS = """
    RecentIncidents { border: round $primary; }
    """

    COLUMNS = (
        ColumnSpec("id", "ID", 7),
        ColumnSpec("sev", "Sev", 4),
        ColumnSpec("status", "Status", 11),
        ColumnSpec("opened", "Opened", 11),
        ColumnSpec("resolved", "Resolved", 11),
        ColumnSpec("what", "Incident"),
    )

    def row(self, incident: Incident) -> Cells:
        """The cells for one incident."""
        return (
            safe_text(incident.id, max_length=12),
            severity_badge(incident.severity),
            safe_text(incident.status, max_length=20),
            _when(incident.opened_at),
            _when(incident.resolved_at),
            safe_text(self.text_filter(incident.title), max_length=300),
        )

    def show_incidents(self, incidents: Iterable[Incident]) -> None:
        """Show ``incidents`` open first, newest first."""
        self.sync([(i.id, self.row(i)) for i in recent_order(incidents)])
