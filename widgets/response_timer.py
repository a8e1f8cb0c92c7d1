"""The response timer of an incident: time left to respond, overdue, or met/breached.

``timer_state`` names the state as a CSS class (``-running``, ``-urgent``,
``-overdue``, ``-met``, ``-breached``) so the dashboard's table cells and the
incident screen's widget style it the same way; the words of
:meth:`services.domain.timers.ResponseReading.label` say it without colour. Everything
is computed from the hub's clock on each repaint, never by counting ticks.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from services.domain.models import Incident
from services.domain.policy import Policy
from services.domain.timers import ResponseReading, response_timer
from services.domain.timeutil import format_duration

__all__ = ["TIMER_STATES", "ResponseTimer", "compact_label", "timer_state"]

TIMER_STATES = ("-running", "-urgent", "-overdue", "-met", "-breached")
# Under this many seconds left the timer is urgent (the last fifth of a SEV1's 15 min).
URGENT_S = 180


def timer_state(timer: ResponseReading) -> str:
    """The CSS class for a timer's state."""
    if timer.responded:
        return "-met" if timer.met else "-breached"
    if timer.overdue:
        return "-overdue"
    return "-urgent" if timer.remaining_s < URGENT_S else "-running"


def compact_label(timer: ResponseReading) -> str:
    """The label in 16 columns: running and overdue as they are, a response shortened
    (``met in 0:28``, ``breached 1:02:03``)."""
    if timer.took_s is None:
        return timer.label()
    verdict = "met in" if timer.met else "breached"
    return f"{verdict} {format_duration(timer.took_s)}"


class ResponseTimer(Static):
    """One incident's response timer; its class (``-overdue``…) carries the style."""

    DEFAULT_CSS = """
    ResponseTimer { width: auto; height: 1; padding: 0 1; text-style: bold; }
    ResponseTimer.-urgent { color: $text-warning; }
    ResponseTimer.-overdue, ResponseTimer.-breached {
        background: $error; color: $text; text-style: bold reverse;
    }
    ResponseTimer.-met { color: $text-success; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.label = ""
        """The words shown, e.g. ``14:32 to respond``."""

    def show(self, incident: Incident, policy: Policy, hub_now: datetime) -> None:
        """Show ``incident``'s timer at hub time ``hub_now`` (changes only what differs)."""
        timer = response_timer(incident, policy, hub_now)
        state = timer_state(timer)
        if not self.has_class(state):
            self.remove_class(*TIMER_STATES)
            self.add_class(state)
        label = timer.label()
        if label != self.label:
            self.label = label
            self.update(Text(label, end=""))
