"""Open incidents, most severe first, then the longest waiting.

One row per incident, keyed by its id: severity badge (``SEV1``…, text not
only colour), id, what it is (category · packs · title), the response timer
(``14:32 to respond``, ``+3:12 overdue``), escalations (done and the next
countdown); from 120 columns also the response step and the age, and from 180
the timer and escalations in full words (``responded in 0:48 — met``). Below
120 the step and age columns are dropped, never the timer. Timers come from the
hub's clock each second (the table diffs, so only changed cells redraw).

The age is coarse (``<1 min``, ``12 min``, ``3 h``): the timer and the
countdowns say what is due to the second; an age ticking every second beside
them cost each incident's row bytes every second over SSH and told no one
anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual import events

from services.domain.models import Incident, category_label
from services.domain.policy import Policy
from services.domain.timers import response_timer
from services.domain.timeutil import format_duration, parse_optional
from widgets.escalation_countdown import escalation_summary
from widgets.keyed_table import Cells, ColumnSpec, KeyedTable
from widgets.response_timer import compact_label, timer_state
from widgets.safe_text import safe_text
from widgets.severity_badge import severity_badge, severity_class

__all__ = ["IncidentList", "incident_age"]


def incident_age(seconds: float) -> str:
    """How long an incident has been open, to the minute: ``<1 min``, ``1 min``,
    ``119 min``, then ``2 h``, ``3 d`` (its text changes at most once a minute)."""
    if seconds < 60:
        return "<1 min"
    if seconds < 120:
        return "1 min"
    return format_duration(seconds, "short")


class IncidentList(KeyedTable):
    """The dashboard's open incidents."""

    DEFAULT_CSS = """
    IncidentList > .incident-list--sev1 { background: $error; color: $text; text-style: bold; }
    IncidentList > .incident-list--sev2 {
        background: $warning-darken-2; color: $text; text-style: bold;
    }
    IncidentList > .incident-list--sev3 { color: $text-primary; text-style: bold; }
    IncidentList > .incident-list--sev4 { text-style: bold; }
    IncidentList > .incident-list--sevx { text-style: dim; }
    IncidentList > .incident-list--overdue { text-style: bold; }
    IncidentList > .incident-list--breached { text-style: bold; }
    IncidentList > .incident-list--urgent { text-style: bold; }
    IncidentList > .incident-list--met { text-style: dim; }
    IncidentList > .incident-list--due { text-style: bold; }
    """

    COMPONENT_CLASSES = {
        "incident-list--sev1",
        "incident-list--sev2",
        "incident-list--sev3",
        "incident-list--sev4",
        "incident-list--sevx",
        "incident-list--running",
        "incident-list--urgent",
        "incident-list--overdue",
        "incident-list--met",
        "incident-list--breached",
        "incident-list--due",
    }

    # Below 120 columns: the timer and escalations keep their room, step and age go.
    NARROW_COLUMNS = (
        ColumnSpec("sev", "Sev", 4),
        ColumnSpec("id", "ID", 7),
        ColumnSpec("what", "Incident"),
        ColumnSpec("timer", "Response", 16),
        ColumnSpec("escalation", "Escalation", 19),
    )
    WIDE_COLUMNS = (
        ColumnSpec("sev", "Sev", 4),
        ColumnSpec("id", "ID", 7),
        ColumnSpec("what", "Incident"),
        ColumnSpec("status", "Step", 13),  # "investigate !" (not acked)
        ColumnSpec("timer", "Response", 16),
        ColumnSpec("escalation", "Escalation", 22),
        ColumnSpec("age", "Age", 8, "right"),
    )
    # From 180 columns (a 200-column wall or bridge screen) the escalations are not cut.
    XWIDE_COLUMNS = (
        ColumnSpec("sev", "Sev", 4),
        ColumnSpec("id", "ID", 7),
        ColumnSpec("what", "Incident"),
        ColumnSpec("status", "Step", 13),
        ColumnSpec("timer", "Response", 26),
        ColumnSpec("escalation", "Escalation", 64),
        ColumnSpec("age", "Age", 8, "right"),
    )
    WIDE_MIN_WIDTH = 118
    XWIDE_MIN_WIDTH = 178
    COLUMNS = NARROW_COLUMNS

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._last: tuple[Sequence[Incident], datetime, Policy] | None = None

    def on_resize(self, event: events.Resize) -> None:
        """Switch between the narrow, the wide and the widest set of columns, then re-fit."""
        width = event.size.width
        columns: tuple[ColumnSpec, ...]
        if width >= self.XWIDE_MIN_WIDTH:
            columns = self.XWIDE_COLUMNS
        else:
            columns = self.WIDE_COLUMNS if width >= self.WIDE_MIN_WIDTH else self.NARROW_COLUMNS
        if self.set_columns(columns):
            # Rebuilt at once from the last incidents shown.
            if self._last is not None:
                self.show_incidents(*self._last)
            return
        super().on_resize(event)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"incident-list--{name}", partial=True)

    def row(self, incident: Incident, hub_now: datetime, policy: Policy) -> Cells:
        """The cells for one incident at hub time ``hub_now`` under the hub's ``policy``."""
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
        age = incident_age((hub_now - opened).total_seconds()) if opened else "?"
        status = safe_text(incident.status, max_length=20)
        if incident.acknowledged_at is None:
            status.append(" !", style="bold")  # not yet acknowledged
        # Short words below 180 columns: the incident's title gets the room.
        compact = self.COLUMNS is not self.XWIDE_COLUMNS
        try:
            timer = response_timer(incident, policy, hub_now)
            label = compact_label(timer) if compact else timer.label()
            timer_cell = Text(label, style=self._style(timer_state(timer)[1:]), end="")
        except ValueError:
            timer_cell = Text("?", end="")
        escalation, due = escalation_summary(incident, policy, hub_now, compact=compact)
        cells = {
            "sev": badge,
            "id": safe_text(incident.id, max_length=12),
            "what": what,
            "status": status,
            "timer": timer_cell,
            "escalation": Text(escalation, style=self._style("due") if due else "", end=""),
            "age": Text(age, end=""),
        }
        return tuple(cells[column.key] for column in self.COLUMNS)

    def show_incidents(
        self, incidents: Sequence[Incident], hub_now: datetime, policy: Policy
    ) -> None:
        """Show ``incidents`` in this order (already sorted by the state); timers and
        escalations follow ``policy``, the hub's."""
        self._last = (incidents, hub_now, policy)
        self.sync([(incident.id, self.row(incident, hub_now, policy)) for incident in incidents])
