"""The runbook's response steps as one line, the current one marked and timed.

``triage ✓ > contain ● 3:12 left > investigate > remediate > recover > post-incident``.
Past the current step's window the line says ``overrun +2:05`` and the widget
takes the ``-overrun`` class. Done steps carry a check, the current one a dot:
the marks say it without colour. A step this console asked for and the hub has
not confirmed yet is shown as current with ``sending…``: the step left behind
no longer counts down (after ``s`` the tracker never marks one step while the
old one's window still runs).
"""

from __future__ import annotations

from datetime import datetime

from msgspec.structs import replace
from rich.text import Text
from textual.widgets import Static

from services.domain.models import Incident
from services.domain.policy import Policy
from services.domain.timers import StepState, current_step
from services.domain.timeutil import format_duration

__all__ = ["StepTracker", "step_line"]

_MARKS = {"done": " ✓", "current": " ●", "todo": ""}


def step_line(step: StepState, sending: bool = False) -> Text:
    """The tracker's text for ``step`` (``sending``: asked for, not yet confirmed)."""
    text = Text(end="")
    for index, (name, mark) in enumerate(step.steps()):
        if index:
            text.append(" > ", style="dim")
        style = {"done": "dim", "current": "bold reverse", "todo": ""}[mark]
        text.append(name + _MARKS[mark], style=style)
        if mark == "current" and sending:
            text.append(" sending…", style="italic")
        elif mark == "current" and step.remaining_s is not None:
            if step.overrun:
                text.append(f" overrun +{format_duration(-step.remaining_s)}", style="bold")
            else:
                text.append(f" {format_duration(step.remaining_s)} left")
    return text


class StepTracker(Static):
    """Where the incident is in the runbook (triage 0-5 min, contain 5-15, …)."""

    DEFAULT_CSS = """
    StepTracker { height: auto; padding: 0 1; }
    StepTracker.-overrun { text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._shown = ""

    def show(
        self, incident: Incident, policy: Policy, hub_now: datetime, pending: str | None = None
    ) -> None:
        """Redraw for ``incident`` at hub time ``hub_now`` when the words changed;
        ``pending`` is a step asked for that the hub has not confirmed yet."""
        sending = pending is not None and pending != incident.status and incident.is_open
        if sending:
            incident = replace(incident, status=str(pending))
        step = current_step(incident, policy, hub_now)
        self.set_class(step.overrun and not sending, "-overrun")
        text = step_line(step, sending)
        if text.plain != self._shown:
            self._shown = text.plain
            self.update(text)
