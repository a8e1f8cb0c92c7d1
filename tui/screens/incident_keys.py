"""The incident actions: each one posted to the app (``SubmitAction``), journalled, then sent.

:class:`IncidentKeys` holds the incident screen's ``action_*`` methods; the
module functions are shared with the dashboard (``n`` writes a note for the
selected incident, ``o`` opens an incident from the selected alert) and the
kill-switch screen (``n``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from textual.screen import Screen
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from services.console.hub_client import hub_path
from services.domain.export import export_markdown
from services.domain.models import Alert, Incident, TimelineEntry
from services.domain.templates import TemplateKind, render_template
from storage.files import write_text_atomic
from tui.messages import SubmitAction
from tui.screens.confirm_text import ConfirmText
from tui.screens.note_editor import NoteEditor
from tui.screens.resolve import ResolveScreen
from tui.screens.silence import silence_key
from tui.screens.status_picker import SETTABLE_STATUSES, StatusPicker
from tui.screens.templates import TemplatesScreen
from tui.session import Session
from widgets.keyed_table import KeyedTable

__all__ = ["IncidentKeys", "open_from_alert", "selected_key", "write_note"]


def selected_key(table: DataTable[Any] | KeyedTable) -> str | None:
    """The key of the row under the cursor, if any."""
    if not table.row_count:
        return None
    try:
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
    except CellDoesNotExist:
        return None


def write_note(
    screen: Screen[Any], session: Session, incident_id: str, question: str | None = None
) -> None:
    """Open the note editor for ``incident_id``; Enter journals the note, then sends it.

    With ``question`` (one of the runbook's retrospective questions) the note answers
    it. Escape with text, "keep", leaves it in the session's drafts for the next time.
    """
    drafts = session.drafts
    key = incident_id if question is None else f"{incident_id} · {question}"
    title = None if question is None else f"Retrospective on {incident_id} · {question}"
    editor = NoteEditor(incident_id, drafts.get(key, ""), title=title)

    def done(text: str | None) -> None:
        if text:
            drafts.pop(key, None)
            path = hub_path("api", "incidents", incident_id, "notes")
            body = {"text": text} if question is None else {"text": text, "question": question}
            kind = "note" if question is None else "retrospective"
            screen.post_message(SubmitAction(kind, path, body, incident_id))
        elif editor.kept_draft is not None:
            if editor.kept_draft:
                drafts[key] = editor.kept_draft
            else:
                drafts.pop(key, None)

    screen.app.push_screen(editor, done)


def open_from_alert(screen: Screen[Any], session: Session, alert: Alert) -> None:
    """``POST /api/incidents`` with the alert's fingerprint (the hub links the alert)."""
    body = {
        "title": alert.title,
        "severity": alert.severity,
        "category": alert.category,
        "alert_fingerprint": alert.fingerprint,
    }
    screen.post_message(SubmitAction("open", hub_path("api", "incidents"), body))
    if session.outbox is not None:  # else the app says why nothing was sent
        screen.notify("Opening an incident from the alert…", title="Incident")


def export_name(hub_url: str, incident_id: str) -> str:
    """``http://10.0.0.5:8080`` and ``INC-3`` → ``10.0.0.5_8080-INC-3.md`` (safe as a file name)."""
    hub = urlsplit(hub_url).netloc or hub_url
    safe_hub = re.sub(r"[^A-Za-z0-9.-]+", "_", hub).strip("_") or "hub"
    return f"{safe_hub}-{incident_id}.md"


class IncidentKeys(Screen[None]):
    """The incident screen's actions (:class:`IncidentScreen` draws it)."""

    def __init__(self, session: Session, incident_id: str) -> None:
        super().__init__()
        self.session = session
        self.incident_id = incident_id
        self._asked_status: str | None = None

    def incident(self) -> Incident | None:
        """The incident as this console knows it (the screen's)."""
        raise NotImplementedError

    def entries(self) -> list[TimelineEntry]:
        """The incident's timeline entries as this console knows them (the screen's)."""
        raise NotImplementedError

    def pending_status(self) -> str | None:
        """The step this console asked for that the hub has not answered yet, if any."""
        outbox = self.session.outbox
        if outbox is None:
            return None  # nothing can be sent: nothing is on its way
        asked = [i for i in outbox.store.items(self.incident_id) if i.kind == "status"]
        latest = str(asked[-1].body.get("status")) if asked else None
        if self._asked_status is not None and latest != self._asked_status:
            return self._asked_status  # asked, not journalled yet (the app does it next)
        return latest if asked and asked[-1].state == "pending" else None

    def _submit(self, kind: str, suffix: str, body: dict[str, Any]) -> None:
        if kind == "status":
            self._asked_status = str(body.get("status"))
        path = hub_path("api", "incidents", self.incident_id, suffix)
        self.post_message(SubmitAction(kind, path, body, self.incident_id))

    def action_silence(self) -> None:
        """``x``: silence the incident's firing alerts in Alertmanager (through the hub)."""
        silence_key(self, self.session, None, self.incident_id)

    def action_ack(self) -> None:
        """Acknowledge; from triage the runbook's next step is containment, so move there."""
        incident = self.incident()
        self._submit("ack", "ack", {})
        if incident is not None and incident.status == "triage":
            self._submit("status", "status", {"status": "contain"})

    def action_severity(self, severity: str) -> None:
        """Set the severity (may go down as well as up)."""
        self._submit("severity", "severity", {"severity": severity})

    def action_advance_status(self) -> None:
        """Move to the runbook's next step (resolving needs ``r`` and a root cause)."""
        incident = self.incident()
        if incident is None:
            return
        # From the step already asked for: `s s` on a slow link moves two steps.
        status = self.pending_status() or incident.status
        order = list(SETTABLE_STATUSES)
        index = order.index(status) if status in order else -1
        if index + 1 >= len(order):
            self.notify("Last step before resolving: r resolves.", title="Status")
            return
        self._submit("status", "status", {"status": order[index + 1]})

    def action_pick_status(self) -> None:
        """Choose any status but resolved."""
        incident = self.incident()
        if incident is None:
            return

        def chosen(status: str | None) -> None:
            if status and status != incident.status:
                self._submit("status", "status", {"status": status})

        self.app.push_screen(StatusPicker(incident.status), chosen)

    def action_note(self) -> None:
        """A one-line note (journalled before sending)."""
        write_note(self, self.session, self.incident_id)

    def action_breach(self) -> None:
        """Data breach confirmed: legal is notified; the incident id must be typed."""
        prompt = (
            f"Confirm a DATA BREACH on {self.incident_id}? Legal is notified at once "
            "(GDPR: 72 hours to notify). This cannot be withdrawn."
        )
        screen = ConfirmText("Data breach", prompt, self.incident_id, action_label="Confirm")

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._submit("breach", "breach", {"confirmed": True})

        self.app.push_screen(screen, confirmed)

    def action_resolve(self) -> None:
        """Resolve with a one-line root cause."""

        def resolved(root_cause: str | None) -> None:
            if root_cause:
                self._submit("resolve", "resolve", {"root_cause": root_cause})

        self.app.push_screen(ResolveScreen(self.incident_id), resolved)

    def action_templates(self, kind: str | None = None) -> None:
        """Communication templates: fill, edit, copy (OSC 52), record as sent.

        ``kind`` (initial, status, resolution) is the one shown first; by default the
        one the incident is at."""
        session = self.session
        lead = session.identity.user if session.identity is not None else None

        def render(kind: TemplateKind) -> str:
            incident = self.incident()
            if incident is None:
                return ""
            return render_template(
                kind,
                incident,
                session.hub_now(),
                lead=incident.lead or lead,
                bridge=None,
                timeline=sorted(self.entries(), key=lambda e: e.at),
                policy=session.policy,
            )

        incident = self.incident()
        first: TemplateKind = "initial"
        if incident is not None and not incident.is_open:
            first = "resolution"
        elif incident is not None and incident.last_status_update_at:
            first = "status"
        if kind in ("initial", "status", "resolution"):
            first = cast(TemplateKind, kind)

        def copied(result: tuple[str, str] | None) -> None:
            if result is not None:
                kind, text = result
                self._submit("status_update", "status-update", {"kind": kind, "text": text})
                self.notify("Copied to the clipboard (OSC 52); recorded as sent.", title=kind)

        self.app.push_screen(TemplatesScreen(self.incident_id, render, first), copied)

    def action_export(self) -> None:
        """The post-incident document (PII redacted), written atomically to the data folder."""
        incident = self.incident()
        if incident is None:
            return
        session = self.session
        entries = sorted(self.entries(), key=lambda e: e.at)
        now = session.hub_now()
        document = export_markdown(
            incident, entries, session.policy, now, redact=True, runbook=session.runbook
        )
        # Named with the hub: INC-3 of one hub is not INC-3 of another.
        path = (
            Path(session.settings.data_dir)
            / "exports"
            / export_name(session.settings.hub_url, incident.id)
        )
        try:
            write_text_atomic(path, document)
        except OSError as error:
            self.notify(str(error), title="Export failed", severity="error", markup=False)
            return
        self.notify(f"Written to {path}", title="Post-incident document", markup=False)
