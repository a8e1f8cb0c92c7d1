"""Who an incident has been escalated to, and the countdown to the next escalation.

``escalation_summary`` gives the words for a dashboard cell (compact at 80
columns: ``sec lead · EM 29:12``); ``EscalationCountdown`` is the incident
screen's block: each escalation done (role, action, when, why) and each one
still to come with its countdown, plus when the next status update is due.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from services.domain.escalation import escalated_roles, escalation_countdowns, role_label
from services.domain.models import Incident
from services.domain.policy import Policy
from services.domain.timers import next_status_update
from services.domain.timeutil import format_duration, parse_optional
from widgets.safe_text import safe_text

__all__ = ["EscalationCountdown", "escalation_summary"]

_COMPACT_ROLES = {"security lead": "sec lead", "engineering manager": "EM", "legal": "legal"}


def escalation_summary(
    incident: Incident, policy: Policy, hub_now: datetime, *, compact: bool = False
) -> tuple[str, bool]:
    """``escalated: security lead · EM escalation in 29:12`` and whether one is due now."""
    roles = escalated_roles(incident)
    countdowns = escalation_countdowns(incident, policy, hub_now)
    parts: list[str] = []
    if roles:
        if compact:
            parts.append(", ".join(_COMPACT_ROLES.get(r, r) for r in roles))
        else:
            parts.append("escalated: " + ", ".join(roles))
    due = False
    for countdown in countdowns:
        due = due or countdown.overdue
        if compact:
            left = "now" if countdown.overdue else format_duration(countdown.remaining_s)
            parts.append(f"{countdown.label.split(' ', 1)[0]} {left}")
        else:
            parts.append(countdown.label)
    return " · ".join(parts), due


def _when(at: object) -> str:
    try:
        moment = parse_optional(str(at)) if at else None
    except ValueError:
        moment = None
    return f"{moment:%H:%M:%S}" if moment else "--:--:--"


class EscalationCountdown(Static):
    """The incident screen's escalations: done, to come, and the next status update."""

    DEFAULT_CSS = """
    EscalationCountdown { height: auto; padding: 0 1; }
    EscalationCountdown.-due { text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._shown = ""

    def describe(self, incident: Incident, policy: Policy, hub_now: datetime) -> Text:
        """What the block shows for ``incident`` at hub time ``hub_now``."""
        text = Text(end="")
        text.append("Escalations", style="bold")
        # What comes next first, then what happened, newest first: in a short
        # terminal the block is cut from the bottom, and the timeline has it all.
        for countdown in escalation_countdowns(incident, policy, hub_now):
            text.append("\n ⏱ ")
            text.append(countdown.label, style="bold reverse" if countdown.overdue else "bold")
        update = next_status_update(
            incident, parse_optional(incident.last_status_update_at), policy, hub_now
        )
        text.append("\n ✉ ")
        text.append(update.label, style="bold reverse" if update.overdue else "")
        for item in reversed(incident.escalations):
            if not isinstance(item, Mapping):
                continue
            text.append(f"\n {_when(item.get('at'))} ")
            text.append_text(safe_text(role_label(str(item.get("role", "?"))), "bold"))
            text.append(" ")
            text.append_text(safe_text(item.get("action", "page"), max_length=12))
            text.append(": ")
            text.append_text(safe_text(item.get("reason", ""), max_length=120))
        if not incident.escalations:
            text.append("\n none yet")
        return text

    def show(self, incident: Incident, policy: Policy, hub_now: datetime) -> None:
        """Redraw when the words changed."""
        text = self.describe(incident, policy, hub_now)
        _, due = escalation_summary(incident, policy, hub_now)
        self.set_class(due, "-due")
        if text.plain != self._shown:
            self._shown = text.plain
            self.update(text)
