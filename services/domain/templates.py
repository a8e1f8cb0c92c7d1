"""The runbook's three Communication Templates, filled from an incident.

The output is plain text for an incident channel (copied over OSC 52), so every
value is squeezed onto one line: a note's newline cannot forge a ``STATUS:`` line,
and control characters (terminal escapes) are shown as visible symbols. Free text
from the incident and its timeline is PII-redacted (categories A and B) unless
``redact=False``; ``lead`` and ``bridge`` are typed by the user and kept as given.
Times are UTC ``HH:MM``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from services.domain.models import Incident, TimelineEntry
from services.domain.policy import Policy
from services.domain.redaction import redact as redact_text
from services.domain.textsafe import make_visible
from services.domain.timeutil import format_duration, parse_optional, parse_rfc3339

TemplateKind = Literal["initial", "status", "resolution"]

STATUS_WORDS = {
    "triage": "Investigating",
    "contain": "Containing",
    "investigate": "Investigating",
    "remediate": "Remediating",
    "recover": "Recovering",
    "resolved": "Resolved",
}
# Timeline kinds that describe work being done (not alerts or bookkeeping).
ACTION_KINDS = frozenset({"note", "killswitch", "status", "severity", "action"})
MAX_ACTIONS = 3
MAX_ITEM = 120

_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\x80-\x9f]")
_SPACES = re.compile(r"[ \t]+")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (ESC shows as ␛)
    return "\u2421" if code == 0x7F else "\ufffd"


def one_line(text: str | None, limit: int | None = None) -> str:
    """``text`` as one safe line: line breaks become spaces, control characters become
    visible symbols (``ESC`` → ``␛``), runs of blanks collapse; cut to ``limit`` with ``…``."""
    if not text:
        return ""
    flat = _CONTROL.sub(_visible, _BREAKS.sub(" ", text))
    flat = make_visible(_SPACES.sub(" ", flat).strip())  # bidi and zero-width too
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def hhmm(moment: datetime) -> str:
    """``18:42`` (the moment in UTC)."""
    return moment.strftime("%H:%M")


def stamp(moment: datetime) -> str:
    """``2026-11-28 18:42 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def retrospective_line(incident: Incident, policy: Policy) -> str:
    """The retrospective follow-up: its due date, or why there is none yet."""
    if not policy.retrospective_required(incident.severity):
        return f"no retrospective required ({incident.severity})"
    due = policy.retrospective_due(incident.severity, parse_optional(incident.resolved_at))
    hours = policy.retrospective_hours
    if due is None:
        return f"retrospective due {hours} h after resolution"
    return f"retrospective due {stamp(due)} ({hours} h after resolution)"


def recent_actions(timeline: Iterable[TimelineEntry], limit: int = MAX_ACTIONS) -> list[str]:
    """The latest work on the incident, oldest first: ``18:12 pack support stopped``."""
    picked = [entry for entry in timeline if entry.kind in ACTION_KINDS][-limit:]
    lines = []
    for entry in picked:
        try:
            when = hhmm(parse_rfc3339(entry.at)) + " "
        except ValueError:
            when = ""
        lines.append(when + one_line(entry.text, MAX_ITEM))
    return lines


def render_template(
    kind: TemplateKind,
    incident: Incident,
    now: datetime,
    *,
    lead: str | None,
    bridge: str | None,
    timeline: list[TimelineEntry],
    policy: Policy,
    actions_in_progress: list[str] | None = None,
    eta: str | None = None,
    redact: bool = True,
) -> str:
    """The ``kind`` template (initial, status, resolution) filled from ``incident``.

    Unknown values read ``TBD`` (ETA: ``Investigating``). The status update's actions
    come from the latest timeline work when ``actions_in_progress`` is not given. The
    resolution's duration runs to ``resolved_at`` (or ``now`` if not resolved yet).
    Whatever field a value came from (packs, status, id, lead), the text returned has
    no control or format character but its line breaks: it is copied to a clipboard
    and pasted where people read it.
    """
    text = _render(
        kind,
        incident,
        now,
        lead=lead,
        bridge=bridge,
        timeline=timeline,
        policy=policy,
        actions_in_progress=actions_in_progress,
        eta=eta,
        redact=redact,
    )
    return make_visible(text, keep_newlines=True)


def _render(
    kind: TemplateKind,
    incident: Incident,
    now: datetime,
    *,
    lead: str | None,
    bridge: str | None,
    timeline: list[TimelineEntry],
    policy: Policy,
    actions_in_progress: list[str] | None = None,
    eta: str | None = None,
    redact: bool = True,
) -> str:
    def free(text: str | None, limit: int | None = None) -> str:
        line = one_line(text, limit)
        return redact_text(line) if redact else line

    status = STATUS_WORDS.get(incident.status, incident.status.capitalize())
    title = free(incident.title) or incident.id
    impact = free(incident.impact)
    if not impact:
        packs = free(", ".join(incident.packs))
        impact = f"TBD (affected packs: {packs})" if packs else "TBD"
    if kind == "initial":
        return "\n".join(
            [
                f"INCIDENT: {title}",
                f"SEVERITY: {incident.severity}",
                f"STATUS: {status}",
                f"IMPACT: {impact}",
                f"LEAD: {one_line(lead or incident.lead) or 'TBD'}",
                f"BRIDGE: {one_line(bridge) or 'TBD'}",
            ]
        )
    if kind == "status":
        actions = (
            [free(a, MAX_ITEM) for a in actions_in_progress]
            if actions_in_progress is not None
            else [free(a) for a in recent_actions(timeline)]
        )
        opened = parse_rfc3339(incident.opened_at)
        open_for = format_duration((now - opened).total_seconds(), "words")
        state = f"{title}; open {open_for}; impact: {impact}"
        return "\n".join(
            [
                f"UPDATE {hhmm(now)} UTC: {status}",
                f"- Current state: {state}",
                f"- Actions in progress: {'; '.join(a for a in actions if a) or 'Investigating'}",
                f"- ETA to resolution: {one_line(eta) or 'Investigating'}",
            ]
        )
    if kind == "resolution":
        opened = parse_rfc3339(incident.opened_at)
        end = parse_optional(incident.resolved_at) or now
        follow_up = retrospective_line(incident, policy)
        return "\n".join(
            [
                f"RESOLVED: {title}",
                f"DURATION: {format_duration((end - opened).total_seconds(), 'words')}",
                f"ROOT CAUSE: {free(incident.root_cause) or 'TBD'}",
                f"FOLLOW-UP: {incident.id}: {follow_up[0].upper()}{follow_up[1:]}",
            ]
        )
    raise ValueError(f"unknown template {kind!r}; choose initial, status or resolution")
