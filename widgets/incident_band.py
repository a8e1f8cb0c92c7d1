"""One incident on the wall: a full-width band in its severity's colour.

``SEV1 · INC-7 · PII exposure · support — title`` on the first line, its response
timer, ``NOT ACKNOWLEDGED`` while it is not, escalation, age and step on the
second. The band's class (``-sev1``…) carries the colour, the words carry the
meaning; ``-stale`` dims it while the data is old, and ``-resolved`` marks one
resolved since the order was last sorted (it stays in place until the page turns,
so nothing moves under the viewer's eye).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from services.domain.models import Incident, category_label
from services.domain.policy import Policy
from services.domain.timers import response_timer
from services.domain.timeutil import format_duration, parse_optional
from widgets.escalation_countdown import escalation_summary
from widgets.safe_text import safe_text
from widgets.severity_badge import severity_class, severity_label

__all__ = ["IncidentBand", "band_text"]

_CLASSES = ("-sev1", "-sev2", "-sev3", "-sev4", "-sevx", "-resolved")


def band_text(incident: Incident, policy: Policy, at: datetime) -> Text:
    """The band's two lines at hub time ``at`` (untrusted fields shown literally)."""
    text = Text(end="", no_wrap=True, overflow="ellipsis")
    text.append(f" {severity_label(incident.severity)} ", style="bold reverse")
    text.append(" ")
    text.append_text(safe_text(incident.id, "bold", max_length=16))
    text.append(" · ")
    text.append(category_label(incident.category), style="bold")
    if incident.packs:
        text.append(" · ")
        text.append_text(safe_text(", ".join(incident.packs), max_length=40))
    text.append(" — ")
    text.append_text(safe_text(incident.title, max_length=200))
    text.append("\n")
    if not incident.is_open:
        text.append(" RESOLVED", style="bold")
        return text
    try:
        timer = response_timer(incident, policy, at)
        text.append(f" {timer.label()}", style="bold")
    except ValueError:
        text.append(" response time unknown")
    # Right after the timer: on an 80-column wall the end of the line is cut.
    if incident.acknowledged_at is None:
        text.append(" · NOT ACKNOWLEDGED", style="bold")
    escalation, _ = escalation_summary(incident, policy, at)
    if escalation:
        text.append(f" · {escalation}")
    try:
        opened = parse_optional(incident.opened_at)
    except ValueError:
        opened = None
    if opened is not None:
        text.append(f" · open {format_duration((at - opened).total_seconds())}")
    text.append(" · ")
    text.append_text(safe_text(incident.status, max_length=20))
    return text


class IncidentBand(Static):
    """A band; :meth:`show` redraws it only when its text or class changed."""

    DEFAULT_CSS = """
    IncidentBand {
        height: 2; width: 1fr; padding: 0 1; margin-bottom: 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    IncidentBand.-sev1 { background: $error; color: $text; text-style: bold; }
    IncidentBand.-sev2 { background: $warning-darken-2; color: $text; }
    IncidentBand.-sev3 { background: $primary-darken-1; color: $text; }
    IncidentBand.-sev4 { background: $panel; color: $text; }
    IncidentBand.-sevx { background: $panel; color: $text; }
    IncidentBand.-resolved { background: $panel; color: $text-muted; text-style: none; }
    IncidentBand.-stale { text-opacity: 60%; }
    """

    def __init__(self, incident_id: str) -> None:
        super().__init__(markup=False)
        self.incident_id = incident_id
        self._shown: tuple[str, str] | None = None

    def rebind(self, incident_id: str) -> None:
        """Show another incident from now on (the wall reuses its bands)."""
        self.incident_id = incident_id
        self._shown = None

    def show(self, incident: Incident, policy: Policy, at: datetime, stale: bool) -> None:
        """Draw ``incident`` at hub time ``at``; ``stale`` dims it."""
        text = band_text(incident, policy, at)
        css = "-resolved" if not incident.is_open else severity_class(incident.severity)
        if self._shown != (text.plain, css):
            self._shown = (text.plain, css)
            self.remove_class(*_CLASSES)
            self.add_class(css)
            self.update(text)
        self.set_class(stale, "-stale")
