"""The runbook on the incident screen: its checklist's keys, the root cause, the
retrospective, and the runbook's text (``R``).

Space or ``x`` on a checklist item records it (``POST …/checklist``, journalled like
a note); Enter runs what warroom can do for the item, through the screen's own
actions so a read-only console or a resolved incident refuses it the same way.
"""

from __future__ import annotations

import importlib
from typing import Any

from textual import on

from services.domain.checklist import current_step, retrospective_questions
from tui.screens.cause_picker import CauseChoice, CausePicker
from tui.screens.choice_picker import ChoicePicker
from tui.screens.incident_keys import IncidentKeys, write_note
from tui.screens.restore import RestoreScreen
from tui.screens.runbook_view import RunbookView
from widgets.checklist import Checklist
from widgets.timeline import Timeline

__all__ = ["EXPLORER_MODULE", "RunbookKeys", "open_explorer"]

# Where the event explorer lives once it is built (issue 10); until then Enter on
# "gather logs" says so. This is the one place that opens it.
EXPLORER_MODULE = "tui.screens.explorer"

# A checklist item's ``action`` → the screen action Enter runs (``check_action`` applies).
ITEM_ACTIONS: dict[str, str] = {
    "ack": "ack",
    "severity": "severity_hint",
    "initial-notification": "templates('initial')",
    "killswitch": "app.killswitch",
    "killswitch-global": "app.killswitch",
    "breach": "breach",
    "explorer": "explorer",
    "timeline": "focus_timeline",
    "root-cause": "cause",
    "remediation": "cause",
    "restore": "restore",
    "status-update": "templates('status')",
    "export": "export",
    "retrospective": "retrospective",
}

# Actions that are the item itself, done at once: Enter also checks the item.
DONE_BY_ACTION = frozenset({"ack"})


def open_explorer(screen: IncidentKeys, packs: list[str]) -> None:
    """The event explorer filtered to ``packs``, or a notice when this build has none."""
    try:
        module: Any = importlib.import_module(EXPLORER_MODULE)
    except ImportError:
        screen.notify(
            "The event explorer is not in this build. Gather logs with the AgentOS "
            "Audit Explorer, filtered by " + (", ".join(packs) or "the affected packs") + ".",
            title="Gather logs",
        )
        return
    screen.app.push_screen(module.EventExplorer(screen.session, packs=packs))


class RunbookKeys(IncidentKeys):
    """The incident screen's runbook actions (:class:`IncidentScreen` draws it)."""

    @on(Checklist.Toggled)
    def _toggled(self, message: Checklist.Toggled) -> None:
        message.stop()
        if not self.session.may("incident.write"):
            self.notify("This console is read-only: it cannot check items.", title="Checklist")
            return
        self._submit("checklist", "checklist", {"item": message.item_id, "done": message.done})

    @on(Checklist.Act)
    async def _act(self, message: Checklist.Act) -> None:
        message.stop()
        action = ITEM_ACTIONS.get(message.action)
        if action is None:
            self.notify(f"warroom cannot do {message.action!r} (yet).", title="Checklist")
            return
        if not await self.app.run_action(action, self):
            self.notify("Not possible here: read-only, or the incident is resolved.")
        elif message.action in DONE_BY_ACTION:
            # Done the moment it is sent (and journalled): the item says so too.
            self._submit("checklist", "checklist", {"item": message.item_id, "done": True})

    def action_severity_hint(self) -> None:
        """Assess severity: the keys 1-4 set it."""
        self.notify("1, 2, 3 or 4 sets SEV1 … SEV4.", title="Severity")

    def action_focus_timeline(self) -> None:
        """Review the timeline: the keyboard moves to it (tab comes back)."""
        self.query_one(Timeline).focus()

    def action_explorer(self) -> None:
        """Gather logs: the event explorer, filtered to the incident's packs."""
        incident = self.incident()
        open_explorer(self, list(incident.packs) if incident is not None else [])

    def action_restore(self) -> None:
        """Gradually restore service: the guided restore, one pack at a time."""
        self.app.push_screen(RestoreScreen(self.session, self.incident_id))

    def action_cause(self) -> None:
        """Identify root cause: one of the runbook's causes, words, or both."""
        incident = self.incident()
        if incident is None:
            return
        causes = self.session.runbook.causes
        picker = CausePicker(causes, incident.cause, incident.root_cause or "")

        def chosen(choice: CauseChoice | None) -> None:
            if choice is None:
                return
            cause, words = choice
            body: dict[str, Any] = {"cause": cause, "root_cause": words}
            self._submit("cause", "cause", {k: v for k, v in body.items() if v is not None})
            root = self.session.runbook.all_items()
            item = next((i for i in root if i.action == "root-cause"), None)
            mark = incident.checklist.get(item.id) if item is not None else None
            if item is not None and not (mark is not None and mark.done):
                self._submit("checklist", "checklist", {"item": item.id, "done": True})

        self.app.push_screen(picker, chosen)

    def action_retrospective(self) -> None:
        """The retrospective: pick one of its questions, then answer it in a note."""
        questions = retrospective_questions(self.session.runbook)
        if not questions:
            self.notify("This runbook asks no retrospective questions.", title="Retrospective")
            return

        def chosen(question: str | None) -> None:
            if question:
                write_note(self, self.session, self.incident_id, question)

        self.app.push_screen(ChoicePicker("Retrospective: which question?", questions), chosen)

    def action_runbook(self) -> None:
        """The runbook's text, at the incident's step (the hub's, else the shipped copy)."""
        runbook = self.session.runbook
        incident = self.incident()
        heading = None
        if incident is not None:
            try:
                heading = runbook.step(current_step(incident)).heading
            except ValueError:
                heading = None
        self.app.push_screen(RunbookView(runbook.markdown, heading))
