"""The incident's clocks: response timer, runbook step, next status update.

Pure functions of an :class:`~services.domain.models.Incident`, the policy and ``now``
(server time corrected for skew; tests freeze it). Nothing here counts ticks:
call them again on every repaint and they give the right answer.

Durations on screen use one format everywhere, :func:`services.domain.timeutil.format_duration`:
``m:ss`` under an hour, ``h:mm:ss`` above (``14:32 to respond``, ``+3:12 overdue``,
``responded in 0:28 — met``). Everything uses :func:`services.domain.timeutil.format_duration`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from services.domain.models import Incident
from services.domain.policy import POST_INCIDENT, Policy
from services.domain.timeutil import format_duration, parse_optional, parse_rfc3339

StepMark = Literal["done", "current", "todo"]


@dataclass(frozen=True)
class ResponseReading:
    """Time to respond to an incident, per its severity (runbook: Severity Levels).

    ``responded`` is true once the incident is acknowledged, or resolved without an
    ack: resolving is the strongest response, so an unacked incident resolved in time
    has met its response time (``acknowledged`` stays false so the difference shows).
    Once responded the timer stops: ``remaining_s`` is frozen at the response moment.
    """

    deadline: datetime
    remaining_s: float
    acknowledged: bool
    met: bool | None
    took_s: float | None
    responded: bool = False

    @property
    def overdue(self) -> bool:
        """Past the deadline without a response."""
        return not self.responded and self.remaining_s < 0

    def label(self) -> str:
        """``14:32 to respond``, ``+3:12 overdue``, ``responded in 0:28 — met``."""
        if self.took_s is not None:
            verdict = "met" if self.met else "breached"
            return f"responded in {format_duration(self.took_s)} — {verdict}"
        if self.remaining_s < 0:
            return f"+{format_duration(-self.remaining_s)} overdue"
        return f"{format_duration(self.remaining_s)} to respond"


@dataclass(frozen=True)
class StepState:
    """Where the incident stands in the runbook's response steps.

    ``elapsed_s`` is time since opening (frozen at resolution); ``overrun`` is true when
    that is past the current step's window end (triage 5 min, contain 15, investigate 60).
    """

    name: str
    window_start_s: float
    window_end_s: float | None
    overrun: bool
    elapsed_s: float
    order: tuple[str, ...] = ()

    @property
    def remaining_s(self) -> float | None:
        """Seconds left in the step's window (negative when overrun), ``None`` if open-ended."""
        if self.window_end_s is None:
            return None
        return self.window_end_s - self.elapsed_s

    def steps(self) -> list[tuple[str, StepMark]]:
        """Every step in order, marked ``done``, ``current`` or ``todo``, for a tracker row."""
        marks: list[tuple[str, StepMark]] = []
        seen_current = False
        for name in self.order:
            if name == self.name:
                marks.append((name, "current"))
                seen_current = True
            else:
                marks.append((name, "todo" if seen_current else "done"))
        return marks


@dataclass(frozen=True)
class Countdown:
    """Time left until something is due: a status update, an escalation.

    ``active`` is false when nothing is due any more (e.g. a resolved incident's
    updates); ``key`` names what is counted down to (an escalation's dedupe key).
    """

    label: str
    due_at: datetime
    remaining_s: float
    overdue: bool
    active: bool = True
    key: str = ""


def response_timer(incident: Incident, policy: Policy, now: datetime) -> ResponseReading:
    """The response timer of ``incident`` at ``now``.

    The deadline is ``opened_at`` plus the response time of the incident's *current*
    severity, so raising a SEV3 to SEV1 can make it overdue at once: that is what the
    runbook asks of a SEV1.
    """
    opened = parse_rfc3339(incident.opened_at)
    deadline = opened + timedelta(seconds=policy.response_seconds(incident.severity))
    acked = parse_optional(incident.acknowledged_at)
    responded_at = acked or parse_optional(incident.resolved_at)
    if responded_at is None:
        return ResponseReading(
            deadline=deadline,
            remaining_s=(deadline - now).total_seconds(),
            acknowledged=False,
            met=None,
            took_s=None,
        )
    # A responder's clock a little behind the opener's must not give a negative time.
    took = max(0.0, (responded_at - opened).total_seconds())
    return ResponseReading(
        deadline=deadline,
        remaining_s=(deadline - responded_at).total_seconds(),
        acknowledged=acked is not None,
        met=responded_at <= deadline,
        took_s=took,
        responded=True,
    )


def current_step(incident: Incident, policy: Policy, now: datetime) -> StepState:
    """The runbook step the incident is in: its status, or post-incident once resolved.

    Steps without a window start in the policy (recover, post-incident) inherit the
    previous step's start, so the windows stay ordered.
    """
    name = POST_INCIDENT if incident.status == "resolved" else incident.status
    opened = parse_rfc3339(incident.opened_at)
    end = parse_optional(incident.resolved_at) or now
    elapsed = max(0.0, (end - opened).total_seconds())
    start_s = 0
    window: tuple[float, float | None] = (0.0, None)
    for step in policy.steps:
        start_s = step.start_s if step.start_s is not None else start_s
        if step.name == name:
            window = (float(start_s), None if step.end_s is None else float(step.end_s))
    window_end = window[1]
    return StepState(
        name=name,
        window_start_s=window[0],
        window_end_s=window_end,
        overrun=window_end is not None and elapsed > window_end,
        elapsed_s=elapsed,
        order=tuple(step.name for step in policy.steps),
    )


def next_status_update(
    incident: Incident, last_update_at: datetime | None, policy: Policy, now: datetime
) -> Countdown:
    """When the next status update is due: the severity's cadence after the last one sent
    (or after opening when none was). A resolved incident needs no more updates: the
    countdown is inactive, due at the resolution."""
    resolved = parse_optional(incident.resolved_at)
    if not incident.is_open:
        due = resolved or now
        return Countdown(
            label="no update due (resolved)",
            due_at=due,
            remaining_s=0.0,
            overdue=False,
            active=False,
        )
    since = last_update_at or parse_rfc3339(incident.opened_at)
    due = since + timedelta(seconds=policy.status_update_seconds(incident.severity))
    remaining = (due - now).total_seconds()
    if remaining < 0:
        label = f"status update +{format_duration(-remaining)} overdue"
    else:
        label = f"status update in {format_duration(remaining)}"
    return Countdown(label=label, due_at=due, remaining_s=remaining, overdue=remaining < 0)
