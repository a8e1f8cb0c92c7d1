"""An incident's runbook checklist: the items of its step, and what people did with them.

Pure rules shared by the hub (which records a check as a timeline entry) and the
console (which shows the current step's items). The items come from the runbook
(:mod:`services.domain.runbook`) for the incident's category group; Remediate's
are the chosen cause's remediation once a cause is known. What was done lives on
the incident: ``Incident.checklist`` maps an item id to its last mark.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.domain.models import ChecklistMark, Incident
from services.domain.runbook import Item, Runbook, group_of

__all__ = [
    "ChecklistLine",
    "check_text",
    "checklist_lines",
    "current_step",
    "retrospective_questions",
    "step_items",
]

# The incident's status names its runbook step, but for the one after resolving.
POST_INCIDENT = "post-incident"


@dataclass(frozen=True)
class ChecklistLine:
    """One item of a step's checklist and its mark (``None``: never touched)."""

    item: Item
    mark: ChecklistMark | None

    @property
    def done(self) -> bool:
        """Checked, and not unchecked since."""
        return self.mark is not None and self.mark.done


def current_step(incident: Incident) -> str:
    """The runbook step the incident is in: its status, or post-incident once resolved."""
    return POST_INCIDENT if incident.status == "resolved" else incident.status


def step_items(runbook: Runbook, incident: Incident, step: str) -> list[Item]:
    """``step``'s items for ``incident``'s category (every item when the category is one
    this runbook does not know), Remediate's for its chosen cause when there is one."""
    cause = incident.cause if step == "remediate" else None
    if cause is not None and cause not in {c.id for c in runbook.causes}:
        cause = None  # a cause the hub's runbook knows and this one does not
    try:
        group_of(incident.category)
    except ValueError:
        return runbook.checklist(step, None, cause)
    return runbook.checklist(step, incident.category, cause)


def checklist_lines(
    runbook: Runbook, incident: Incident, step: str | None = None
) -> list[ChecklistLine]:
    """The checklist of ``step`` (the incident's current one by default), with marks."""
    name = step or current_step(incident)
    return [
        ChecklistLine(item, incident.checklist.get(item.id))
        for item in step_items(runbook, incident, name)
    ]


def check_text(item: Item, done: bool) -> str:
    """The timeline entry's text for a check: ``checked: Acknowledge the incident``."""
    return f"{'checked' if done else 'unchecked'}: {item.text}"


def retrospective_questions(runbook: Runbook) -> tuple[str, ...]:
    """Post-incident's retrospective questions (what went well, what could improve,
    action items), as the runbook words them."""
    item = next((i for i in runbook.all_items() if i.action == "retrospective"), None)
    return item.details if item is not None else ()
