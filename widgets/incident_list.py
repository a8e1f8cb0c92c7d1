"""Open incidents, most severe first, then the longest waiting.

One row per incident, keyed by its id: severity badge (``SEV1``…, text not
only colour), id, what it is (category · packs · title), response step, age.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.style import Style
from rich.text import Text

from services.models import Incident, category_label
from services.timeutil import format_duration, parse_optional
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable
from widgets.safe_text import safe_text
from widgets.severity_badge import severity_badge, severity_class

__all__ = ["IncidentList"]


class IncidentList(KeyedTable):
    """The dashboard's open incidents."""

    DEFAULT_CSS = """
    IncidentList > .incident-list--sev1 { background: $error; color: $text; text-style: bold; }
    IncidentList > .incident-list--sev2 { background: $warning; color: $text; text-style: bold; }
    IncidentList > .incident-list--sev3 { color: $text-primary; text-style: bold; }
    IncidentList > .incident-list--sev4 { text-style: bold; }
    IncidentList > .incident-list--sevx { text-style: dim; }
    """

    COMPONENT_CLASSES = {
        "incident-list--sev1",
        "incident-list--sev2",
        "incident-list--sev3",
        "incident-list--sev4",
        "incident-list--sevx",
    }

    COLUMNS = (
        ColumnSpec("sev", "Sev", 4),
        ColumnSpec("id", "ID", 7),
        ColumnSpec("what", "Incident"),
        ColumnSpec("status", "Step", 11),
        ColumnSpec("age", "Age", 8, "right"),
    )

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"incident-list--{name}", partial=True)

    def row(self, incident: Incident, hub_now: datetime) -> Cells:
        """The cells for one incident at hub time ``hub_now``."""
        badge = severity_badge(
            incident.severity, self._style(severity_class(incident.severity)[1:])
        )
        what = Text(end="")
        what.append(category_label(incident.category), style="bold")
        if incident.packs:
            what.append(" · ")
            what.append_text(safe_text(", ".join(incident.packs), max_length=60))
        what.append(" · ")
        what.append_text(safe_text(self.text_filter(incident.title), max_length=300))
        try:
            opened = parse_optional(incident.opened_at)
        except ValueError:
            opened = None
        age = format_duration((hub_now - opened).total_seconds()) if opened else "?"
        status = safe_text(incident.status, max_length=20)
        if incident.acknowledged_at is None:
            status.append(" !", style="bold")  # not yet acknowledged
        return (
            badge,
            safe_text(incident.id, max_length=12),
            what,
            status,
            Text(age, end=""),
        )

    def show_incidents(self, incidents: Sequence[Incident], hub_now: datetime) -> None:
        """Show ``incidents`` in this order (already sorted by the state)."""
        self.sync([(incident.id, self.row(incident, hub_now)) for incident in incidents])
