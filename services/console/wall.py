"""What the war-room wall shows, worked out without drawing anything.

The wall is read from across a room by people who cannot touch it, so its
rules are about calm and honesty rather than interaction:

* a fixed order (severity, then the oldest first) that is re-sorted only when
  the pages turn, so a row never moves under the viewer's eye when its data
  changes; an incident opened meanwhile joins at the end, a resolved one stays
  (marked resolved) until the turn;
* pages of ``rows`` bands, turned every ``page_seconds``;
* the most urgent response timer and the next escalation, computed at the hub
  time the data is from: while the data is stale that time stops, so no
  countdown ticks on as if live;
* a bell once per incident that becomes SEV1 after the wall first saw the hub
  (the SEV1s already open when it starts are known, not news).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from services.console.state import ConsoleState, PackSummary
from services.domain.escalation import escalation_countdowns
from services.domain.models import SEVERITIES, Incident
from services.domain.policy import Policy
from services.domain.timers import response_timer
from services.domain.timeutil import parse_optional

__all__ = [
    "PackLine",
    "Urgent",
    "WallPager",
    "data_moment",
    "digits",
    "most_urgent",
    "next_escalation",
    "stopped_packs",
]

_SEV_RANK = {sev: rank for rank, sev in enumerate(SEVERITIES)}


def _sort_key(incident: Incident) -> tuple[int, datetime | str, str]:
    try:
        opened: datetime | str = parse_optional(incident.opened_at) or ""
    except ValueError:
        opened = ""
    return (_SEV_RANK.get(incident.severity, len(SEVERITIES)), opened, incident.id)


def data_moment(state: ConsoleState, now: datetime) -> datetime:
    """The hub time the wall's numbers are computed at: now while live, the moment the
    last frame arrived once the data is stale (so countdowns stop, not tick on)."""
    return state.data_now(now)


@dataclass(frozen=True)
class Urgent:
    """One countdown for the big digits: which incident, what, and seconds left."""

    incident_id: str
    severity: str
    what: str
    remaining_s: float


def most_urgent(incidents: list[Incident], policy: Policy, at: datetime) -> Urgent | None:
    """The open incident nobody has responded to with the least time left (or most overdue)."""
    best: Urgent | None = None
    for incident in incidents:
        if not incident.is_open:
            continue
        try:
            timer = response_timer(incident, policy, at)
        except ValueError:
            continue
        if timer.responded:
            continue
        if best is None or timer.remaining_s < best.remaining_s:
            best = Urgent(incident.id, incident.severity, "to respond", timer.remaining_s)
    return best


def next_escalation(incidents: list[Incident], policy: Policy, at: datetime) -> Urgent | None:
    """The escalation due soonest among open incidents (``EM escalation``…)."""
    best: Urgent | None = None
    for incident in incidents:
        try:
            countdowns = escalation_countdowns(incident, policy, at)
        except ValueError:
            continue
        for countdown in countdowns:
            if best is None or countdown.remaining_s < best.remaining_s:
                what = countdown.label.split(" in ", 1)[0].removesuffix(" due now")
                best = Urgent(incident.id, incident.severity, what, countdown.remaining_s)
    return best


def digits(seconds: float) -> str:
    """``14:32``, ``1:02:03``, or ``-3:12`` when overdue: what ``Digits`` can draw."""
    sign = "-" if seconds < 0 else ""
    total = math.ceil(abs(seconds)) if seconds >= 0 else math.floor(abs(seconds))
    hours, rest = divmod(int(total), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes:02d}:{secs:02d}"


@dataclass(frozen=True)
class PackLine:
    """A pack the wall names: stopped (every agent stopped) or stopping, unconfirmed."""

    pack: str
    still_running: int

    @property
    def confirmed(self) -> bool:
        """True once no agent of the stopped pack is still running."""
        return self.still_running == 0


def stopped_packs(summaries: list[PackSummary]) -> list[PackLine]:
    """Packs whose switch is off, with how many of their agents still run."""
    lines = []
    for summary in summaries:
        if not summary.enabled:
            running = summary.total - summary.counts.get("stopped", 0)
            lines.append(PackLine(summary.pack, max(0, running)))
    return lines


@dataclass
class WallPager:
    """The bands' order and paging; see the module's rules."""

    rows: int = 6
    page_seconds: float = 10.0
    order: list[str] = field(default_factory=list)
    page: int = 0
    turned_at: float | None = None
    sev1_seen: set[str] = field(default_factory=set)
    primed: bool = False

    def update(self, incidents: dict[str, Incident], clock_s: float) -> list[str]:
        """The ids to show now (``clock_s``: a monotonic second count for the turns)."""
        open_ids = {i.id for i in incidents.values() if i.is_open}
        if self.turned_at is None:
            self.turned_at = clock_s
            self._resort(incidents, open_ids)
        elif clock_s - self.turned_at >= self.page_seconds:
            self.turned_at = clock_s
            self.page += 1
            if self.page >= self.pages:
                self.page = 0
                self._resort(incidents, open_ids)
        # Newly opened ones join at the end; nothing already shown moves.
        known = set(self.order)
        extra = [i for i in incidents.values() if i.id in open_ids and i.id not in known]
        self.order += [i.id for i in sorted(extra, key=_sort_key)]
        self.page = min(self.page, self.pages - 1)
        start = self.page * self.rows
        return self.order[start : start + self.rows]

    def _resort(self, incidents: dict[str, Incident], open_ids: set[str]) -> None:
        self.order = [i.id for i in sorted((incidents[x] for x in open_ids), key=_sort_key)]

    @property
    def pages(self) -> int:
        """How many pages the current order fills (at least one)."""
        return max(1, math.ceil(len(self.order) / max(1, self.rows)))

    def turn(self, step: int) -> None:
        """Page by hand (``step`` is +1 or -1); the automatic turn starts over."""
        self.page = (self.page + step) % self.pages

    def new_sev1(self, incidents: dict[str, Incident]) -> list[str]:
        """SEV1 incidents not seen as SEV1 before: ring for each, once.

        The first call only learns what is already open (a wall started mid-incident
        does not ring for old news)."""
        current = {i.id for i in incidents.values() if i.is_open and i.severity == "SEV1"}
        fresh = sorted(current - self.sev1_seen)
        # Forget incidents the state has let go of: a wall runs for days.
        self.sev1_seen = (self.sev1_seen & incidents.keys()) | current
        if not self.primed:
            self.primed = True
            return []
        return fresh
