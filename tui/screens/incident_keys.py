"""The incident actions: each one journalled through ``app.submit_action`` then sent.

:class:`IncidentKeys` holds the incident screen's ``action_*`` methods; the
module functions are shared with the dashboard (``n`` writes a note for the
selected incident, ``o`` opens an incident from the selected alert).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from weakref import WeakKeyDictionary

from textual.app import App
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from services.domain.export import export_markdown
from services.domain.models import Alert, Incident, TimelineEntry
from services.domain.templates import TemplateKind, render_template
from storage.files import write_text_atomic
from tui.screens.confirm_text import ConfirmText
from tui.screens.note_editor import NoteEditor
from tui.screens.resolve import ResolveScreen
from tui.screens.status_picker import SETTABLE_STATUSES, StatusPicker
from tui.screens.templates import TemplatesScreen
from widgets.response_timer import default_policy

if TYPE_CHECKING:
    from tui.app import WarroomApp

__all__ = ["IncidentKeys", "can_write", "open_from_alert", "selected_key", "write_note"]

# Notes kept as drafts (Escape, "keep"), per app and incident, until sent or discarded.
_DRAFTS: WeakKeyDictionary[App[Any], dict[str, str]] = WeakKeyDictionary()


def can_write(app: WarroomApp) -> bool:
    """True when the hub said our token holds ``incident.write`` (unknown counts as no)."""
    identity = app.identity
    return identity is not None and "incident.write" in identity.permissions


def selected_key(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor, if any."""
    if not table.row_count:
        return None
    try:
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
    except CellDoesNotExist:
        return None


def write_note(app: WarroomApp, incident_id: str, after: Any = None) -> None:
    """Open the note editor for ``incident_id``; Enter journals the note, then sends it."""
    drafts = _DRAFTS.setdefault(app, {})
    editor = NoteEditor(incident_id, drafts.get(incident_id, ""))

    def done(text: str | None) -> None:
        if text:
            drafts.pop(incident_id, None)
            path = f"/api/incidents/{incident_id}/notes"
            app.submit_action("note", path, {"text": text}, incident_id=incident_id)
        elif editor.kept_draft is not None:
            if editor.kept_draft:
                drafts[incident_id] = editor.kept_draft
            else:
                drafts.pop(incident_id, None)
        if after is not None:
            after()

    app.push_screen(editor, done)


def open_from_alert(app: WarroomApp, alert: Alert) -> None:
    """``POST /api/incidents`` with the alert's fingerprint (the hub links the alert)."""
    body = {
        "title": alert.title,
        "severity": alert.severity,
        "category": alert.category,
        "alert_fingerprint": alert.fingerprint,
    }
    if app.submit_action("open", "/api/incidents", body) is not None:
        app.notify("Opening an incident from the alert…", title="Incident")


class IncidentKeys:
    """The incident screen's actions (mixed into :class:`IncidentScreen`)."""

    incident_id: str

    if TYPE_CHECKING:

        def incident(self) -> Incident | None: ...
        def entries(self) -> list[TimelineEntry]: ...
        def redraw(self) -> None: ...

        app: App[Any]

    @property
    def warroom(self) -> WarroomApp:
        """The app, typed."""
        return cast("WarroomApp", self.app)

    def _submit(self, kind: str, suffix: str, body: dict[str, Any]) -> None:
        path = f"/api/incidents/{self.incident_id}/{suffix}"
        self.warroom.submit_action(kind, path, body, incident_id=self.incident_id)
        self.redraw()

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
        order = list(SETTABLE_STATUSES)
        index = order.index(incident.status) if incident.status in order else -1
        if index + 1 >= len(order):
            self.warroom.notify("Last step before resolving: r resolves.", title="Status")
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

        self.warroom.push_screen(StatusPicker(incident.status), chosen)

    def action_note(self) -> None:
        """A one-line note (journalled before sending)."""
        write_note(self.warroom, self.incident_id, after=self.redraw)

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

        self.warroom.push_screen(screen, confirmed)

    def action_resolve(self) -> None:
        """Resolve with a one-line root cause."""

        def resolved(root_cause: str | None) -> None:
            if root_cause:
                self._submit("resolve", "resolve", {"root_cause": root_cause})

        self.warroom.push_screen(ResolveScreen(self.incident_id), resolved)

    def action_templates(self) -> None:
        """Communication templates: fill, edit, copy (OSC 52), record as sent."""
        app = self.warroom
        lead = app.identity.user if app.identity is not None else None

        def render(kind: TemplateKind) -> str:
            incident = self.incident()
            if incident is None:
                return ""
            now = app.state.hub_now(app.clock())
            return render_template(
                kind,
                incident,
                now,
                lead=incident.lead or lead,
                bridge=None,
                timeline=sorted(self.entries(), key=lambda e: e.at),
                policy=default_policy(),
            )

        incident = self.incident()
        first: TemplateKind = "initial"
        if incident is not None and not incident.is_open:
            first = "resolution"
        elif incident is not None and incident.last_status_update_at:
            first = "status"

        def copied(result: tuple[str, str] | None) -> None:
            if result is not None:
                kind, text = result
                self._submit("status_update", "status-update", {"kind": kind, "text": text})
                app.notify("Copied to the clipboard (OSC 52); recorded as sent.", title=kind)

        app.push_screen(TemplatesScreen(self.incident_id, render, first), copied)

    def action_export(self) -> None:
        """The post-incident document (PII redacted), written atomically to the data folder."""
        incident = self.incident()
        if incident is None:
            return
        app = self.warroom
        now = app.state.hub_now(app.clock())
        entries = sorted(self.entries(), key=lambda e: e.at)
        document = export_markdown(incident, entries, default_policy(), now, redact=True)
        path = Path(app.settings.data_dir) / "exports" / f"{incident.id}.md"
        try:
            write_text_atomic(path, document)
        except OSError as error:
            app.notify(str(error), title="Export failed", severity="error", markup=False)
            return
        app.notify(f"Written to {path}", title="Post-incident document", markup=False)
