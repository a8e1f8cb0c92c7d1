"""One incident, live: severity, status, timers, runbook step, escalations, timeline.

Enter on an incident in the dashboard opens it. The app calls
:meth:`IncidentScreen.show_state` on each flush, like the dashboard's; every
clock is computed from the hub's time (skew-corrected) at that moment, under
the hub's policy. Every action is posted to the app (``SubmitAction``:
journalled, then sent). Without the
``incident.write`` permission the mutating bindings are absent, not greyed:
``check_action`` removes them from the footer, help and the key map, and the
screen says READ-ONLY.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal
from textual.widgets import Static

from services.console.hub_client import HubCallError
from services.console.state import ConsoleState
from services.domain.checklist import checklist_lines, current_step
from services.domain.models import Incident, ModelError, TimelineEntry, category_label
from services.domain.runbook import group_of
from tui.screens.detail_views import entry_detail
from tui.screens.incident_runbook import RunbookKeys
from tui.screens.live_state import FROZEN_ID, show_live_state
from tui.session import Session
from widgets.checklist import Checklist
from widgets.connection_bar import ConnectionBar
from widgets.escalation_countdown import EscalationCountdown
from widgets.filter_bar import FilterBar
from widgets.fit_footer import FitFooter
from widgets.keyed_table import KeyedTable
from widgets.response_timer import ResponseTimer
from widgets.safe_text import safe_text
from widgets.severity_badge import SeverityBadge
from widgets.step_tracker import StepTracker
from widgets.timeline import Timeline, TimelineRow
from widgets.titles import retitle, set_border_title

__all__ = ["IncidentScreen", "timeline_rows"]

_SEVERITY = Binding.Group("Severity")
_STATUS = Binding.Group("Status")
# Actions that change the incident: absent without incident.write, and on a
# resolved incident (the hub answers 409). Notes and status updates are kept
# after resolving, so those two only need the permission.
CHANGES = frozenset(
    {"ack", "severity", "advance_status", "pick_status", "breach", "resolve", "cause"}
)
WRITES = CHANGES | {"note", "templates", "retrospective"}
WIDE_MIN_COLUMNS = 120
# Below this many rows the screen is short (``-short``): see tui/app.tcss.
SHORT_MAX_ROWS = 32
ALERTS_SHOWN = 3


# Our own actions whose hub entry is shown from the answer when the stream has not
# brought it yet; the ones carrying a person's words are shown while pending, too.
ANSWERED_KINDS = frozenset({"note", "retrospective", "checklist", "cause"})
WORDS_KINDS = frozenset({"note", "retrospective"})


def timeline_rows(
    entries: list[TimelineEntry],
    items: list[Any],
    me: str,
    unsaved: frozenset[str] = frozenset(),
) -> list[TimelineRow]:
    """The hub's entries plus this console's notes (``OutboxItem``s) not yet among them.

    A note whose key is in ``unsaved`` is still being written to the journal: it
    shows ``saving``, and ``pending`` only once its fsync completed.

    A delivered note is matched to its entry by the id in the hub's answer, so it
    is shown once whether the stream or the answer came first.
    """
    rows = {entry.id: TimelineRow.of(entry) for entry in entries}
    for item in items:
        if item.kind not in ANSWERED_KINDS:
            continue
        text = str(item.body.get("text", ""))
        if item.state == "done":
            entry = (item.answer or {}).get("entry")
            if isinstance(entry, dict) and entry.get("id") not in rows:
                try:
                    row = TimelineRow.of(TimelineEntry.from_dict(entry))
                except ModelError:
                    continue
                rows[row.key] = row
        elif item.kind not in WORDS_KINDS:
            continue
        elif item.state == "pending":
            key = f"pending:{item.key}"
            state = "saving" if item.key in unsaved else "pending"
            rows[key] = TimelineRow(key, item.created_at, me, item.kind, text, state)
        else:
            key = f"refused:{item.key}"
            reason = str(item.last_error or "refused")
            rows[key] = TimelineRow(key, item.created_at, me, item.kind, text, "refused", reason)
    return list(rows.values())


class IncidentScreen(RunbookKeys):
    """The incident screen."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="incident.back"),
        Binding("q", "app.quit", "Quit", id="incident.quit"),
        Binding("a", "ack", "Ack", id="incident.ack"),
        Binding("1", "severity('SEV1')", "SEV1", id="incident.sev1", group=_SEVERITY),
        Binding("2", "severity('SEV2')", "SEV2", id="incident.sev2", group=_SEVERITY),
        Binding("3", "severity('SEV3')", "SEV3", id="incident.sev3", group=_SEVERITY),
        Binding("4", "severity('SEV4')", "SEV4", id="incident.sev4", group=_SEVERITY),
        Binding("s", "advance_status", "Next step", id="incident.advance", group=_STATUS),
        Binding("S", "pick_status", "Set status", id="incident.status", group=_STATUS),
        Binding("n", "note", "Note", id="incident.note"),
        Binding("c", "templates", "Templates", id="incident.templates"),
        Binding("b", "breach", "Breach", id="incident.breach"),
        Binding("r", "resolve", "Resolve", id="incident.resolve"),
        Binding("e", "export", "Export", id="incident.export"),
        Binding("k", "app.killswitch", "Kill switch", id="incident.killswitch"),
        # Not in the footer (no room at 120 columns): in help, and the palette.
        Binding("X", "silence", "Silence", id="incident.silence", show=False),
        Binding("l", "explorer", "Events", id="incident.events", show=False),
        Binding("R", "runbook", "Runbook", id="incident.runbook"),
        Binding("N", "retrospective", "Retro note", id="incident.retrospective", show=False),
        # Priority: `/` and what follows it in one burst land in the filter line.
        # Not in the footer (no room at 120 columns): in help.
        Binding(
            "slash",
            "filter",
            "Filter timeline",
            id="incident.filter",
            key_display="/",
            priority=True,
            show=False,
        ),
        Binding("question_mark", "app.help", "Help", id="incident.help"),
    ]
    # The footer's order and its labels at narrow widths (widgets/fit_footer.py).
    KEY_HINTS: ClassVar[dict[str, tuple[int, str]]] = {
        "incident.ack": (1, "Ack"),
        "incident.killswitch": (2, "Kill"),
        "incident.note": (3, "Note"),
        "incident.advance": (4, "Step"),
        "incident.templates": (5, "Tmpl"),
        "incident.sev1": (6, "Sev"),
        "incident.runbook": (7, "Runbk"),
        "incident.resolve": (8, "Resolv"),
        "incident.back": (9, "Back"),
        "incident.breach": (10, "Breach"),
        "incident.export": (11, "Exp"),
        "incident.quit": (12, "Quit"),
    }

    def __init__(self, session: Session, incident_id: str) -> None:
        super().__init__(session, incident_id)
        self.history: dict[str, TimelineEntry] = {}
        """Entries fetched from the hub on open (older than the stream's snapshot)."""
        self._fetched: Incident | None = None
        self._writable: bool | None = None
        self._redraw_timeline = True
        self._binding_facts: tuple[str | None, str] | None = None
        self._ready = False

    def compose(self) -> ComposeResult:
        yield ConnectionBar(id="inc-conn")
        yield Static(id=FROZEN_ID, markup=False)
        with Horizontal(id="inc-head"):
            yield SeverityBadge(id="inc-sev")
            yield Static(id="inc-title", markup=False)
            yield Static("READ-ONLY", id="inc-readonly", markup=False)
        with Horizontal(id="inc-clocks"):
            yield ResponseTimer(id="inc-timer")
            yield Static(id="inc-status", markup=False)
        yield StepTracker(id="inc-steps")
        yield Checklist(id="inc-checklist")
        with Container(id="inc-info"):
            yield Static(id="inc-facts", markup=False)
            yield EscalationCountdown(id="inc-escalations")
        yield Timeline(id="inc-timeline")
        yield FilterBar(id="filter")
        yield FitFooter()

    def on_mount(self) -> None:
        self._fit(self.app.size.width, self.app.size.height)
        set_border_title(self.query_one(Timeline), "Timeline · newest first")
        self.query_one(Checklist).focus()
        self._ready = True
        self.show_state(self.session.state, self.session.clock(), {"timeline"})
        if self.session.connect:
            self.fetch_history()

    def on_resize(self, event: events.Resize) -> None:
        """Facts and escalations side by side from 120 columns; short below 32 rows."""
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        self.query_one("#inc-info").set_class(width >= WIDE_MIN_COLUMNS, "-wide")
        # At 24 rows the checklist and the facts give way, so the timeline keeps rows.
        self.set_class(height < SHORT_MAX_ROWS, "-short")

    @work(exclusive=True, group="incident-history", exit_on_error=False)
    async def fetch_history(self) -> None:
        """The whole timeline from the hub: the stream only holds open incidents' recent ones."""
        try:
            async with self.session.hub() as hub:
                data = await hub.incident(self.incident_id)
            entries = [TimelineEntry.from_dict(row) for row in data.get("timeline", [])]
            self._fetched = Incident.from_dict(data.get("incident"))
        except (HubCallError, ModelError):
            return  # the live entries still show; the stream fills in the rest
        self.history = {entry.id: entry for entry in entries}
        self._redraw_timeline = True
        self.show_state(self.session.state, self.session.clock(), set())

    # -- drawing --------------------------------------------------------------

    @property
    def writable(self) -> bool:
        """True when our token holds ``incident.write`` (unknown counts as no)."""
        return self.session.may("incident.write")

    def incident(self) -> Incident | None:
        """The incident as the stream last told it (else as fetched on open)."""
        return self.session.state.incidents.get(self.incident_id) or self._fetched

    def entries(self) -> list[TimelineEntry]:
        """The hub's entries for this incident: fetched history plus the live ones."""
        merged = dict(self.history)
        for entry in self.session.state.timeline.get(self.incident_id, ()):
            merged[entry.id] = entry
        return list(merged.values())

    def _text(self, value: str) -> str:
        # Redaction is safe_text's, with the categories the app set: one filter everywhere.
        return value

    def show_state(self, state: ConsoleState, now: datetime, dirty: set[str]) -> None:
        """Draw the incident at local time ``now`` (timers from the hub's clock)."""
        if not self._ready or not self.is_attached:
            return  # not composed yet, or already closed
        incident = self.incident()
        if incident is None:
            show_live_state(self, state, now)
            self.query_one("#inc-title", Static).update(
                safe_text(f"{self.incident_id}: not known to this console (yet)")
            )
            return
        show_live_state(self, state, now)
        hub_now = state.data_now(now)  # frozen while STALE: no countdown ticks on
        policy = state.policy
        if self.writable != self._writable:
            self._writable = self.writable
            self.query_one("#inc-readonly").display = not self._writable
            self.refresh_bindings()
        if (incident.acknowledged_at, incident.status) != self._binding_facts:
            self._binding_facts = (incident.acknowledged_at, incident.status)
            self.refresh_bindings()  # `a` leaves the footer once acked
        self.query_one(SeverityBadge).severity = incident.severity
        self.query_one("#inc-title", Static).update(self._title(incident))
        self.query_one(ResponseTimer).show(incident, policy, hub_now)
        self.query_one("#inc-status", Static).update(self._status(incident))
        self.query_one(StepTracker).show(incident, policy, hub_now, self.pending_status())
        self.query_one("#inc-facts", Static).update(self._facts(incident, state))
        self.query_one(EscalationCountdown).show(incident, policy, hub_now)
        if self._redraw_timeline or dirty & {"timeline", "incidents"}:
            self._redraw_timeline = False
            self.show_timeline()
            self.show_checklist(incident)

    def show_checklist(self, incident: Incident) -> None:
        """The current step's checklist; checks still in the outbox show as ``[~]``."""
        outbox = self.session.outbox
        items = outbox.store.items(self.incident_id) if outbox is not None else []
        pending = {
            str(item.body.get("item"))
            for item in items
            if item.kind == "checklist" and item.state == "pending"
        }
        runbook = self.session.runbook
        step = current_step(incident)
        title = step.capitalize()
        try:
            title += f" · {group_of(incident.category)} incident"
        except ValueError:
            pass
        if step == "remediate" and incident.cause:
            try:
                remedy = runbook.remediation(incident.cause)
                title += f" · {remedy.issue}: {remedy.text}"
            except ValueError:
                pass
        title += " · space checks, ⏎ does it"
        lines = checklist_lines(runbook, incident, step)
        self.query_one(Checklist).show(lines, pending, safe_text(title).plain)

    def on_keyed_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        """Enter on a timeline row: the entry in full."""
        key = str(event.row_key.value)
        row = next((r for r in self._timeline_rows() if r.key == key), None)
        if isinstance(event.data_table, Timeline) and row is not None:
            entry = next((e for e in self.entries() if e.id == key), None)
            # Redaction is safe_text's, on every render path (the detail screen too).
            self.app.push_screen(entry_detail(row, entry))

    def _timeline_rows(self) -> list[TimelineRow]:
        outbox = self.session.outbox
        items = outbox.store.items(self.incident_id) if outbox is not None else []
        unsaved = frozenset(i.key for i in items if outbox and not outbox.store.is_saved(i.key))
        return timeline_rows(self.entries(), items, self.session.me, unsaved)

    def show_timeline(self) -> None:
        """Redraw the timeline rows (hub entries and our own notes)."""
        self.query_one(Timeline).show_rows(self._timeline_rows())

    def _title(self, incident: Incident) -> Text:
        text = safe_text(incident.id, "bold")
        text.append(" · ")
        text.append(category_label(incident.category), style="bold")
        text.append(" · ")
        text.append_text(safe_text(self._text(incident.title), max_length=300))
        return text

    def _status(self, incident: Incident) -> Text:
        text = Text("status ", end="")
        text.append_text(safe_text(incident.status, "bold", max_length=20))
        if incident.acknowledged_by:
            text.append(" · acked by ")
            text.append_text(safe_text(incident.acknowledged_by, max_length=40))
        if incident.breach_confirmed:
            text.append(" · DATA BREACH CONFIRMED", style="bold")
        if incident.root_cause:
            text.append(" · root cause: ")
            text.append_text(safe_text(self._text(incident.root_cause), max_length=200))
        return text

    def _facts(self, incident: Incident, state: ConsoleState) -> Text:
        text = Text("Packs ", style="bold", end="")
        text.append_text(safe_text(", ".join(incident.packs) or "none", max_length=200))
        count = max(incident.alert_count, len(incident.alert_fingerprints))
        text.append(f"\nAlerts ({count})", style="bold")
        for fingerprint in incident.alert_fingerprints[-ALERTS_SHOWN:][::-1]:
            alert = state.alerts.get(fingerprint)
            text.append("\n ")
            if alert is None:
                text.append_text(safe_text(fingerprint, "dim", max_length=40))
                continue
            text.append_text(safe_text(alert.status, max_length=10))
            text.append(" ")
            text.append_text(safe_text(self._text(alert.title), max_length=160))
            if alert.repeat_count > 1:
                text.append(f" \u00d7{alert.repeat_count}")
        return text

    # -- keys -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Mutating actions are absent when read-only, and changes on a resolved incident;
        every key is text while the timeline's filter line has focus."""
        if isinstance(self.focused, FilterBar):
            return False
        if action in WRITES and not self.writable:
            return False
        if action == "silence":
            return self.session.may("silence.write")
        if action in CHANGES:
            incident = self.incident()
            if incident is None or not incident.is_open:
                return False
            if action == "ack" and incident.acknowledged_at:
                return False  # one meaning per key: `a` is gone once there is nothing to ack
        return True

    def action_filter(self) -> None:
        """``/``: narrow the timeline to the entries that say what is typed."""
        self.query_one(FilterBar).open_for(self.query_one(Timeline))

    def action_back(self) -> None:
        """Back to the dashboard; a filtered timeline first shows all its entries again."""
        timeline = self.query_one(Timeline)
        if timeline.row_filter:
            timeline.set_row_filter("")
            retitle(timeline)
            return
        self.dismiss()
