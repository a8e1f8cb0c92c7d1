"""The post-incident document (runbook "Post-Incident"), as Markdown or a JSON dict.

Both come from one function, :func:`export_json`, so they always say the same thing;
:func:`export_markdown` only lays that dict out.

Durations, each ``None`` (``—``) when it did not happen:

* to acknowledge: ``opened_at`` → ``acknowledged_at``.
* to contain: ``opened_at`` → the **first stop**: the earliest kill-switch ``stop`` in
  the audit for this incident, or ``killswitch`` timeline entry that is not a
  re-enable (judged by the text before its ``:``, where the hub puts the verb).
  Moving the status to *contain* only starts that runbook step; it is not
  containment, so it does not count.
* to resolve: ``opened_at`` → ``resolved_at``.

Actions taken are the kill-switch audit records of the incident (by ``incident_id``,
or unlinked ones on the global switch or the incident's packs while it was open) and
the ``status``/``severity`` timeline entries; ``killswitch`` timeline entries are
listed only when no audit is given, since they mirror the audit. Every free-text
field (title, impact, root cause, notes, reasons) is PII-redacted (categories A and
B) unless ``redact=False``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from services.domain.escalation import role_label
from services.domain.export_runbook import checklist_json, retrospective_json, runbook_markdown
from services.domain.models import AuditRecord, Incident, TimelineEntry, category_label
from services.domain.policy import Policy
from services.domain.redaction import redact as redact_text
from services.domain.runbook import Runbook, load_runbook
from services.domain.templates import one_line, retrospective_line, stamp
from services.domain.textsafe import make_visible
from services.domain.timeutil import format_duration, parse_optional, parse_rfc3339, to_rfc3339

ACTION_KINDS = ("status", "severity")
_REENABLE = re.compile(r"\b(?:re-?enabled?|enabled?|restored?|resumed?)\b", re.IGNORECASE)


def _since(opened: datetime, moment: datetime | None) -> float | None:
    return None if moment is None else max(0.0, (moment - opened).total_seconds())


def _when(text: str) -> datetime | None:
    try:
        return parse_optional(text)
    except ValueError:
        return None


def _incident_audit(incident: Incident, audit: list[AuditRecord]) -> list[AuditRecord]:
    """The audit records that belong to ``incident``, oldest first."""
    opened = parse_rfc3339(incident.opened_at)
    closed = parse_optional(incident.resolved_at)
    targets = {"global", *(f"pack:{pack}" for pack in incident.packs)}
    mine = []
    for record in audit:
        at = _when(record.at)
        during = at is not None and opened <= at and (closed is None or at <= closed)
        unlinked = record.incident_id is None and record.target in targets
        if record.incident_id == incident.id or (unlinked and during):
            mine.append(record)
    return sorted(mine, key=lambda r: r.at)


def _first_stop(
    timeline: list[TimelineEntry], audit: list[AuditRecord]
) -> tuple[datetime | None, str]:
    # The audit names the target; at the same instant it wins over its timeline echo.
    stops = [(_when(r.at), 0, r.target) for r in audit if r.action == "stop"]
    stops += [
        (_when(e.at), 1, "kill switch")
        for e in timeline
        # The hub writes "pack X stopped by U: REASON" / "… re-enabled by U: …"; only the
        # part before the reason says which, so a reason like "restore order" is no hint.
        if e.kind == "killswitch" and not _REENABLE.search(e.text.partition(":")[0])
    ]
    known = sorted((at, rank, what) for at, rank, what in stops if at is not None)
    return (known[0][0], known[0][2]) if known else (None, "")


def _follow_ups(incident: Incident, policy: Policy) -> list[str]:
    items = [retrospective_line(incident, policy)]
    if incident.breach_confirmed:
        # DESIGN.md "PII": GDPR gives 72 hours from awareness to notify the regulator.
        items.append("data breach confirmed: regulator notification within 72 h (GDPR), with legal")
    items.append("update the runbooks with what was learned")
    return items


def export_json(
    incident: Incident,
    timeline: list[TimelineEntry],
    policy: Policy,
    now: datetime,
    *,
    redact: bool = True,
    audit: list[AuditRecord] | None = None,
    runbook: Runbook | None = None,
) -> dict[str, Any]:
    """The post-incident document as a JSON-serialisable dict (see the module docstring).

    ``runbook`` (the hub's; the shipped one by default) gives the checklist's items and
    the retrospective's questions (:mod:`services.domain.export_runbook`). Control and
    bidi characters (U+009B, U+202E…) are made visible in every string: the JSON is
    printed with ``ensure_ascii=False`` and read in terminals and editors.
    """
    doc = _document(incident, timeline, policy, now, redact=redact, audit=audit, runbook=runbook)
    visible: dict[str, Any] = _visible_tree(doc)
    return visible


def _document(
    incident: Incident,
    timeline: list[TimelineEntry],
    policy: Policy,
    now: datetime,
    *,
    redact: bool,
    audit: list[AuditRecord] | None,
    runbook: Runbook | None,
) -> dict[str, Any]:
    book = runbook if runbook is not None else load_runbook()

    def free(text: str | None) -> str:
        return redact_text(text) if (redact and text) else (text or "")

    opened = parse_rfc3339(incident.opened_at)
    acked = parse_optional(incident.acknowledged_at)
    resolved = parse_optional(incident.resolved_at)
    entries = sorted(timeline, key=lambda e: e.at)
    records = _incident_audit(incident, audit or [])
    contained, contained_by = _first_stop(entries, records)
    durations = {
        "to_acknowledge_s": _since(opened, acked),
        "to_contain_s": _since(opened, contained),
        "to_resolve_s": _since(opened, resolved),
    }
    actions = [
        {
            "at": r.at,
            "actor": r.user,
            "kind": "killswitch",
            "text": free(f"{r.action} {r.target}: {r.reason}"),
            "source": f"audit {r.id}",
        }
        for r in records
    ]
    kinds = ACTION_KINDS if audit is not None else (*ACTION_KINDS, "killswitch")
    actions += [
        {"at": e.at, "actor": e.author, "kind": e.kind, "text": free(e.text), "source": e.id}
        for e in entries
        if e.kind in kinds
    ]
    actions.sort(key=lambda a: a["at"])
    due = policy.retrospective_due(incident.severity, resolved)
    state = "resolved" if resolved else f"open ({incident.status})"
    length = format_duration((resolved or now).timestamp() - opened.timestamp(), "words")
    summary = (
        f"{incident.severity} {category_label(incident.category)} incident"
        f"{' in ' + ', '.join(incident.packs) if incident.packs else ''}, "
        f"opened {stamp(opened)}, {state} after {length}."
    )
    return {
        "id": incident.id,
        "title": free(incident.title),
        "summary": summary,
        "severity": incident.severity,
        "category": incident.category,
        "status": incident.status,
        "packs": list(incident.packs),
        "impact": free(incident.impact),
        "lead": incident.lead,
        "opened_at": incident.opened_at,
        "acknowledged_at": incident.acknowledged_at,
        "acknowledged_by": incident.acknowledged_by,
        "resolved_at": incident.resolved_at,
        "contained_at": to_rfc3339(contained) if contained else None,
        "contained_by": contained_by or None,
        "durations": durations,
        "timeline": [
            {"at": e.at, "author": e.author, "kind": e.kind, "text": free(e.text)} for e in entries
        ],
        "root_cause": free(incident.root_cause) or None,
        "actions": actions,
        "escalations": [
            {
                "at": str(item.get("at", "")),
                "role": str(item.get("role", "")),
                "action": str(item.get("action", "")),
                "reason": free(str(item.get("reason", ""))),
            }
            for item in incident.escalations
            if isinstance(item, dict)
        ],
        "retrospective_due": to_rfc3339(due) if due else None,
        "checklist": checklist_json(book, incident),
        "retrospective": retrospective_json(book, policy, incident, entries, free),
        "follow_ups": _follow_ups(incident, policy),
        "redaction": {"redacted": redact, "categories": ["A", "B"] if redact else []},
        "generated_at": to_rfc3339(now),
    }


# ``[text](url)``, ``![alt](url)``, ``[text][ref]`` and ``[ref]: url`` from an alert
# would become a link or an image (fetched when the document is viewed: a tracking
# pixel) in the post-incident document; their brackets are escaped.
_LINK = re.compile(r"(!?)\[([^\]\n]*)\](?=[(\[:])")


def _no_links(text: str) -> str:
    return _LINK.sub(lambda m: (m.group(1) and "\\!") + "\\[" + m.group(2) + "\\]", text)


def _visible_tree(value: Any) -> Any:
    """Every string in a JSON document with control and bidi characters made visible."""
    if isinstance(value, str):
        return make_visible(value, keep_newlines=True)
    if isinstance(value, list):
        return [_visible_tree(item) for item in value]
    if isinstance(value, dict):
        return {key: _visible_tree(item) for key, item in value.items()}
    return value


def _cell(text: str | None) -> str:
    """A Markdown table cell: backslashes and pipes escaped, line breaks as ``<br>``, ``<``
    and ``>`` as entities so no one's note becomes HTML, control characters visible."""
    if not text:
        return "—"
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    lines = [one_line(line) for line in re.split(r"\r\n|[\r\n\v\f\x85\u2028\u2029]", text)]
    return _no_links("<br>".join(lines).strip()) or "—"


_BLOCK_START = re.compile(r"^(?:[#>*+=|`~-]|\d+[.)])")


def _inline(text: str | None) -> str:
    """Free text in a paragraph or list item: one line, no raw HTML, and a leading
    ``#``, ``-``, ``>``, ``1.`` escaped so it cannot start a heading, list or quote."""
    line = _no_links(one_line(text).replace("<", "&lt;").replace(">", "&gt;"))
    return ("\\" + line if _BLOCK_START.match(line) else line) or "—"


def _time(at: str) -> str:
    moment = _when(at)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else _inline(at)


def _duration(seconds: float | None) -> str:
    return "—" if seconds is None else format_duration(seconds, "words")


def _items(rows: list[dict[str, Any]], who: str, what: str, text: str) -> list[str]:
    """``- 2026-11-25 18:12:00 UTC, alice (killswitch): stop pack:support: PII``."""
    return [
        f"- {_time(r['at'])} UTC, {_inline(r[who])} ({_inline(r[what])}): {_inline(r[text])}"
        for r in rows
    ] or ["- —"]


def export_markdown(
    incident: Incident,
    timeline: list[TimelineEntry],
    policy: Policy,
    now: datetime,
    *,
    redact: bool = True,
    audit: list[AuditRecord] | None = None,
    runbook: Runbook | None = None,
) -> str:
    """The post-incident document in Markdown: the same content as :func:`export_json`."""
    # The raw document: its line breaks become <br> and the rest is made visible below.
    doc = _document(incident, timeline, policy, now, redact=redact, audit=audit, runbook=runbook)
    notice = "PII redacted (categories A and B)." if redact else "PII NOT redacted (--no-redact)."
    d = doc["durations"]
    acked_by = f" by {_inline(doc['acknowledged_by'])}" if doc["acknowledged_by"] else ""
    rows = [
        ("Severity", doc["severity"]),
        ("Category", category_label(doc["category"])),
        ("Status", doc["status"]),
        ("Packs", ", ".join(doc["packs"]) or "—"),
        ("Lead", doc["lead"] or "—"),
        ("Impact", doc["impact"] or "—"),
        ("Opened", f"{_time(doc['opened_at'])} UTC"),
        (
            "Acknowledged",
            f"{_time(doc['acknowledged_at'])} UTC{acked_by}" if doc["acknowledged_at"] else "—",
        ),
        ("Resolved", f"{_time(doc['resolved_at'])} UTC" if doc["resolved_at"] else "—"),
    ]
    out = [
        f"# {_inline(doc['id'])}: {_inline(doc['title'])}",
        "",
        f"_{notice}_ Generated {_time(doc['generated_at'])} UTC.",
        "",
        "## Summary",
        "",
        _inline(doc["summary"]),
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {_cell(value)} |" for name, value in rows),
        "",
        "## Durations",
        "",
        "| | |",
        "|---|---|",
        f"| Time to acknowledge | {_duration(d['to_acknowledge_s'])} |",
        f"| Time to contain (first stop) | {_duration(d['to_contain_s'])} |",
        f"| Time to resolve | {_duration(d['to_resolve_s'])} |",
        "",
        "## Timeline",
        "",
        "| Time (UTC) | Author | Kind | Text |",
        "|---|---|---|---|",
        *(
            f"| {_time(e['at'])} | {_cell(e['author'])} | {_cell(e['kind'])} | {_cell(e['text'])} |"
            for e in doc["timeline"]
        ),
        "",
        "## Root cause",
        "",
        _inline(doc["root_cause"]),
        "",
        "## Actions taken",
        "",
        *_items(doc["actions"], "actor", "kind", "text"),
        "",
        "## Escalations",
        "",
        *_items(
            [{**e, "role": role_label(e["role"])} for e in doc["escalations"]],
            "role",
            "action",
            "reason",
        ),
        "",
        *runbook_markdown(doc, _inline, _time),
        "## Follow-ups",
        "",
        *(f"- {_inline(item)[0].upper()}{_inline(item)[1:]}" for item in doc["follow_ups"]),
        "",
        "---",
        "",
        notice,
        "",
    ]
    return "\n".join(out)
