"""The post-incident document's runbook parts: the checklist and the retrospective.

The checklist lists every step's items for the incident's category (Remediate's for
its chosen cause): ``done`` (by whom, when), ``skipped`` (its step is past and it was
never checked, or was unchecked) or ``to do`` (its step is the current one or later).
The retrospective gives its due date (policy ``[retrospective]``: 72 h after
resolution for SEV1/2) and the runbook's three questions, each with the answers
people typed (``retrospective`` timeline entries) or left as a prompt.
:mod:`services.domain.export` puts these in its JSON and lays them out in Markdown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.domain.checklist import current_step, retrospective_questions, step_items
from services.domain.models import Incident, TimelineEntry
from services.domain.policy import Policy
from services.domain.runbook import Runbook
from services.domain.timeutil import parse_optional, to_rfc3339

__all__ = ["checklist_json", "retrospective_json", "runbook_markdown"]

UNANSWERED = "Not answered yet: bring it to the retrospective."


def checklist_json(runbook: Runbook, incident: Incident) -> list[dict[str, Any]]:
    """Each step with its items: id, text, state (done, skipped, to do), by, at."""
    names = [step.name for step in runbook.steps]
    now = current_step(incident)
    reached = names.index(now) if now in names else len(names)
    steps = []
    for index, name in enumerate(names):
        items = []
        for item in step_items(runbook, incident, name):
            mark = incident.checklist.get(item.id)
            done = mark is not None and mark.done
            state = "done" if done else "skipped" if index < reached else "to do"
            items.append(
                {
                    "id": item.id,
                    "text": item.text,
                    "state": state,
                    "by": mark.by if done and mark is not None else None,
                    "at": mark.at if done and mark is not None else None,
                }
            )
        remedy = None
        if name == "remediate" and incident.cause is not None:
            try:
                found = runbook.remediation(incident.cause)
                remedy = f"{found.issue}: {found.text}"
            except ValueError:
                remedy = None
        steps.append({"step": name, "remediation": remedy, "items": items})
    return steps


def retrospective_json(
    runbook: Runbook,
    policy: Policy,
    incident: Incident,
    timeline: list[TimelineEntry],
    free: Callable[[str], str],
) -> dict[str, Any]:
    """Required or not, due when, and each question with its answers (``free``: redaction)."""
    retro = runbook.retrospective(policy, incident.severity, parse_optional(incident.resolved_at))
    questions = retrospective_questions(runbook)
    answers: dict[str, list[dict[str, str]]] = {q: [] for q in questions}
    for entry in sorted(timeline, key=lambda e: e.at):
        if entry.kind == "retrospective" and entry.detail in answers:
            row = {"at": entry.at, "author": entry.author, "text": free(entry.text)}
            answers[entry.detail].append(row)
    return {
        "required": retro.required,
        "due": to_rfc3339(retro.due) if retro.due else None,
        "hours": policy.retrospective_hours,
        "questions": [{"question": q, "answers": answers[q]} for q in questions],
    }


def _due_line(doc: dict[str, Any], time: Callable[[str], str]) -> str:
    retro = doc["retrospective"]
    hours = retro["hours"]
    if not retro["required"]:
        return f"Not required for {doc['severity']}; the questions are worth asking all the same."
    if retro["due"] is None:
        return f"Due {hours} h after resolution ({doc['severity']}); not resolved yet."
    return f"Due {time(retro['due'])} UTC ({hours} h after resolution, {doc['severity']})."


def runbook_markdown(
    doc: dict[str, Any], inline: Callable[[str | None], str], time: Callable[[str], str]
) -> list[str]:
    """The "Runbook checklist" and "Retrospective" sections of the document, as lines."""
    items = [item for step in doc["checklist"] for item in step["items"]]
    done = sum(item["state"] == "done" for item in items)
    skipped = sum(item["state"] == "skipped" for item in items)
    out = ["## Runbook checklist", "", f"{done} of {len(items)} items done, {skipped} skipped."]
    for step in doc["checklist"]:
        heading = step["step"].capitalize()
        if step["remediation"]:
            heading += f" ({inline(step['remediation'])})"
        out += ["", f"### {heading}", ""]
        for item in step["items"]:
            if item["state"] == "done":
                who = f"{inline(item['by'])}, {time(item['at'])} UTC"
                out.append(f"- [x] {inline(item['text'])} — {who}")
            else:
                out.append(f"- [ ] {inline(item['text'])} — {item['state']}")
    out += ["", "## Retrospective", "", _due_line(doc, time)]
    for question in doc["retrospective"]["questions"]:
        out += ["", f"### {inline(question['question'])}", ""]
        out += [
            f"- {time(a['at'])} UTC, {inline(a['author'])}: {inline(a['text'])}"
            for a in question["answers"]
        ] or [f"- _{UNANSWERED}_"]
    return [*out, ""]
