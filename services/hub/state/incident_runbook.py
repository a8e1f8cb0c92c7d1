"""The runbook on an incident: its checklist, the root cause chosen, retrospective answers.

A layer between :class:`~services.hub.state.incident_records.IncidentRecords` and
the desk's rules: every check and cause is validated against the hub's own runbook
(``[hub] runbook``, else the shipped one) and written before it is announced, as an
``incident.updated`` (the incident carries its checklist) and a ``timeline.entry``.
"""

from __future__ import annotations

from services.domain.checklist import check_text, retrospective_questions
from services.domain.models import ChecklistMark
from services.domain.runbook import Runbook, load_runbook
from services.domain.timeutil import Clock
from services.hub.errors import Invalid
from services.hub.state.common import Actor
from services.hub.state.events import EventLog
from services.hub.state.incident_records import Answer, IncidentRecords
from storage.hub_store import HubStore


class IncidentRunbook(IncidentRecords):
    """Checklist marks and root causes on incidents, checked against ``runbook``."""

    def __init__(
        self, store: HubStore, events: EventLog, clock: Clock, runbook: Runbook | None = None
    ) -> None:
        super().__init__(store, events, clock)
        self.runbook = runbook if runbook is not None else load_runbook()

    def check(self, incident_id: str, item_id: str, done: bool, actor: Actor) -> Answer:
        """Check (or uncheck) a checklist item; the same state again changes nothing.

        Kept on a resolved incident too (Post-incident's items come after resolving),
        where it is not progress.
        """
        incident = self.get(incident_id)
        try:
            item = self.runbook.item(item_id)
        except ValueError as error:
            raise Invalid(f"item: {error}") from None
        mark = incident.checklist.get(item_id)
        if (mark.done if mark is not None else False) == done:
            return self._answer(incident, None)
        entry = self._entry(incident.id, "checklist", check_text(item, done), actor.user)
        entry.detail = item_id
        incident.checklist[item_id] = ChecklistMark(done=done, by=actor.user, at=entry.at)
        self._commit(incident, [entry], progress=incident.is_open)
        return self._answer(incident, entry)

    def set_cause(
        self, incident_id: str, cause: str | None, root_cause: str | None, actor: Actor
    ) -> Answer:
        """The root cause identified: a runbook cause, words, or both (Investigate)."""
        incident = self._open_one(incident_id)
        if cause is None and root_cause is None:
            raise Invalid("cause: give a runbook cause, a root_cause in words, or both")
        label = None
        if cause is not None:
            try:
                label = self.runbook.cause(cause).text
            except ValueError as error:
                raise Invalid(f"cause: {error}") from None
        words = root_cause if root_cause is not None else incident.root_cause
        if (incident.cause, incident.root_cause) == (cause, words):
            return self._answer(incident, None)
        incident.cause = cause
        incident.root_cause = words
        text = "root cause: " + " — ".join(part for part in (label, root_cause) if part)
        entry = self._entry(incident.id, "cause", text, actor.user)
        self._commit(incident, [entry])
        return self._answer(incident, entry)

    def retrospective_question(self, question: str) -> str:
        """``question`` if it is one of the runbook's retrospective questions; else 422."""
        questions = retrospective_questions(self.runbook)
        if question not in questions:
            known = "; ".join(questions)
            raise Invalid(f"question: {question!r} is not a retrospective question ({known})")
        return question
