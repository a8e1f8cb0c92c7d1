"""The dashboard: everything that matters at a glance, on one screen.

Connection state and hub clock on top, the global-stop banner when engaged,
open incidents, the alert feed and the packs. Below 120 columns the panels
stack; from 120 they sit in two columns (the ``-wide`` class). The screen
only draws: the app owns the state and calls :meth:`DashboardScreen.show_state`
a few times a second with the areas that changed; actions are posted to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.screen import Screen
from textual.widget import Widget

from services.console.containment import Violation
from services.console.silences import pending_silences
from services.console.state import ConsoleState
from tui.screens.alert_detail import AlertDetail
from tui.screens.detail_views import agent_detail, pack_detail
from tui.screens.explorer import EventExplorer
from tui.screens.incident import IncidentScreen
from tui.screens.incident_keys import open_from_alert, selected_key, write_note
from tui.screens.incidents import RecentIncidentsScreen, ask_and_open
from tui.screens.runbook_view import RunbookView
from tui.screens.silence import silence_key
from tui.session import Session
from widgets.agent_table import AgentTable
from widgets.alert_feed import AlertFeed, feed_order
from widgets.connection_bar import ConnectionBar
from widgets.filter_bar import FilterBar
from widgets.fit_footer import FitFooter
from widgets.global_banner import GlobalBanner
from widgets.incident_list import IncidentList
from widgets.keyed_table import KeyedTable
from widgets.killswitch_warning import KillswitchWarning
from widgets.titles import retitle, set_border_title

__all__ = ["WIDE_MIN_COLUMNS", "XWIDE_MIN_COLUMNS", "DashboardScreen"]

WIDE_MIN_COLUMNS = 120
# From here the packs column widens so agent names are not cut.
XWIDE_MIN_COLUMNS = 160
PANELS = {"incidents": "#incidents", "alerts": "#alerts", "packs": "#packs"}
# The footer shows each group as one entry: "tab ⇧tab Panel", "i f p Go to".
_CYCLE = Binding.Group("Panel")
_JUMP = Binding.Group("Go to")


class DashboardScreen(Screen[None]):
    """The live dashboard."""

    class Ready(Message):
        """The dashboard's widgets exist: whatever arrived before can be drawn now."""

    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="dashboard.quit"),
        Binding("question_mark", "app.help", "Help", id="dashboard.help"),
        Binding("tab", "app.focus_next", "Next panel", id="dashboard.next_panel", group=_CYCLE),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous panel",
            id="dashboard.previous_panel",
            key_display="⇧tab",
            group=_CYCLE,
        ),
        # Priority (taken when typed, not after the keys before them are handled): in
        # one burst, `f Enter` opens the alert and `/disk` lands in the filter line.
        Binding(
            "i",
            "focus_panel('incidents')",
            "Incidents",
            id="dashboard.incidents",
            group=_JUMP,
            priority=True,
        ),
        Binding(
            "f",
            "focus_panel('alerts')",
            "Alert feed",
            id="dashboard.alerts",
            group=_JUMP,
            priority=True,
        ),
        Binding(
            "p", "focus_panel('packs')", "Packs", id="dashboard.packs", group=_JUMP, priority=True
        ),
        Binding("n", "note", "Note", id="dashboard.note"),
        Binding("o", "open_from_alert", "Open incident", id="dashboard.open_incident"),
        Binding("k", "app.killswitch", "Kill switch", id="dashboard.killswitch"),
        Binding("x", "silence", "Silence", id="dashboard.silence"),
        Binding("l", "explore", "Events", id="dashboard.events"),
        Binding("g", "goto", "Go to INC-n", id="dashboard.goto"),
        Binding("I", "recent", "All incidents", id="dashboard.recent"),
        Binding("A", "toggle_agents", "Agents", id="dashboard.agents"),
        Binding("slash", "filter", "Filter", id="dashboard.filter", key_display="/", priority=True),
        # Escape clears the focused table's filter (the filter line's own Escape too).
        Binding("escape", "clear_filter", "Clear filter", id="dashboard.unfilter", show=False),
        # Not in the footer (it would not fit at 80 columns): in help, and the palette.
        Binding("R", "runbook", "Runbook", id="dashboard.runbook", show=False),
    ]
    # The footer's order and its labels at narrow widths (widgets/fit_footer.py).
    KEY_HINTS: ClassVar[dict[str, tuple[int, str]]] = {
        "dashboard.killswitch": (1, "Kill"),
        "dashboard.open_incident": (2, "Open"),
        "dashboard.note": (3, "Note"),
        "dashboard.silence": (4, "Silnc"),
        "dashboard.filter": (5, "Filt"),
        "dashboard.events": (6, "Evts"),
        "dashboard.incidents": (7, "Go"),
        "dashboard.next_panel": (8, "Panel"),
        "dashboard.quit": (9, "Quit"),
        "dashboard.goto": (10, "INC-n"),
        "dashboard.recent": (11, "All"),
        "dashboard.agents": (12, "Agts"),
    }

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """As Textual's, without repainting the whole screen when the focus moves: the panels
    losing and gaining it repaint themselves (their styles change), and with 5,000 agents
    listed a whole-screen repaint held each Tab 0.1-0.3 s (issue 12)."""

    stale: reactive[bool] = reactive(False)
    """True while the data is STALE; dims the panels (``-stale``)."""

    engaged: reactive[bool] = reactive(False)
    """True while the global kill switch is engaged (``-engaged``)."""

    wide: reactive[bool] = reactive(False)
    """True at 120 columns or more: two columns (``-wide``)."""

    def __init__(self, session: Session, text_filter: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.session = session
        self._text_filter = text_filter
        self._who = ""
        self.layout_changed = False
        """Set when the layout switches; the next ``show_state`` redraws the packs."""
        self.ready = False
        """True once the widgets exist and ``show_state`` may be called."""
        self.agents_shown: bool | None = None
        """Whether the packs list their agents: ``A`` toggles; None until then, when they
        do from 160 columns (the panel has the room) and not below."""

    def compose(self) -> ComposeResult:
        yield ConnectionBar(id="connection")
        yield GlobalBanner(id="banner")
        yield KillswitchWarning(id="ks-warning")
        # Stacked below 120 columns; from 120 a grid: incidents across the
        # top, the feed and the packs (with their agents) side by side below.
        with Container(id="panels"):
            yield IncidentList(id="incidents")
            yield AlertFeed(id="alerts")
            yield AgentTable(id="packs")
        yield FilterBar(id="filter")
        yield FitFooter()

    def on_mount(self) -> None:
        self._fit_width(self.app.size.width)
        self.query_one(ConnectionBar).who = self._who
        if self._text_filter is not None:
            for table in self.query(KeyedTable):
                table.text_filter = self._text_filter
            self.query_one(GlobalBanner).text_filter = self._text_filter
        self.query_one(IncidentList).focus()
        self.ready = True
        self.post_message(self.Ready())

    def on_resize(self, event: events.Resize) -> None:
        """Switch between the stacked and the two-column layout."""
        self._fit_width(event.size.width)

    def _fit_width(self, width: int) -> None:
        self.wide = width >= WIDE_MIN_COLUMNS
        panels = self.query_one("#panels")
        if panels.has_class("-xwide") != (width >= XWIDE_MIN_COLUMNS):
            panels.set_class(width >= XWIDE_MIN_COLUMNS, "-xwide")
            self.layout_changed = True

    def listing_agents(self) -> bool:
        """True when the packs panel lists each pack's agents under it."""
        if self.agents_shown is not None:
            return self.agents_shown
        return self.query_one("#panels").has_class("-xwide")

    def action_toggle_agents(self) -> None:
        """``A``: each pack's agents under it, or one row per pack."""
        self.agents_shown = not self.listing_agents()
        self.show_state(self.session.state, self.session.clock(), {"packs"})

    def watch_wide(self, wide: bool) -> None:
        """Toggle the ``-wide`` class on the panels (the feed beside the packs)."""
        self.query_one("#panels").set_class(wide, "-wide")
        self.layout_changed = True

    def watch_stale(self, stale: bool) -> None:
        """Toggle the ``-stale`` class on the panels."""
        self.query_one("#panels").set_class(stale, "-stale")

    def watch_engaged(self, engaged: bool) -> None:
        """Toggle the ``-engaged`` class on the screen."""
        self.set_class(engaged, "-engaged")

    def on_keyed_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        """Enter on an incident opens it; on an alert, a pack or an agent, its detail."""
        key = str(event.row_key.value)
        state = self.session.state
        if isinstance(event.data_table, IncidentList):
            self.app.push_screen(IncidentScreen(self.session, key))
        elif isinstance(event.data_table, AlertFeed):
            self.app.push_screen(AlertDetail(self.session, key))
        elif isinstance(event.data_table, AgentTable) and key.startswith("agent:"):
            self.app.push_screen(agent_detail(state, key[6:], self._text_filter))
        elif isinstance(event.data_table, AgentTable) and key.startswith("pack:"):
            self.app.push_screen(pack_detail(state, key[5:], self._text_filter))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Notes and opening incidents are absent without ``incident.write``; silences
        without ``silence.write``; every key but Escape while the filter line has focus."""
        if isinstance(self.focused, FilterBar):
            # On the filter line keys are text; the footer offers Escape there.
            return action == "clear_filter"
        if action in ("note", "open_from_alert"):
            return self.session.may("incident.write")
        if action == "silence":
            return self.session.may("silence.write")
        return True

    def action_silence(self) -> None:
        """``x``: silence the highlighted alert (the feed) or incident's firing alerts (the
        incident list); on a silenced alert, offer to expire its silence."""
        feed = self.query_one(AlertFeed)
        if self.focused is feed:
            alert = self.session.state.alerts.get(selected_key(feed) or "")
            if alert is None:
                self.notify("No alert selected.", severity="warning")
                return
            silence_key(self, self.session, alert, None)
            return
        incident_id = selected_key(self.query_one(IncidentList))
        if incident_id is None:
            self.notify("Select an incident (i) or an alert (f) first.", severity="warning")
            return
        silence_key(self, self.session, None, incident_id)

    def action_note(self) -> None:
        """``n``: a note on the highlighted incident."""
        incident_id = selected_key(self.query_one(IncidentList))
        if incident_id is None:
            self.notify("No incident selected.", severity="warning")
            return
        write_note(self, self.session, incident_id)

    def action_open_from_alert(self) -> None:
        """``o``: the highlighted alert's open incident, else a new one from the alert."""
        state = self.session.state
        alert = state.alerts.get(selected_key(self.query_one(AlertFeed)) or "")
        linked = state.incidents.get(alert.incident_id or "") if alert is not None else None
        if alert is None:
            self.notify("Select an alert in the feed (f) first.", severity="warning")
        elif linked is not None and linked.is_open:
            self.app.push_screen(IncidentScreen(self.session, linked.id))
        else:
            open_from_alert(self, self.session, alert)

    def action_explore(self) -> None:
        """``l``: the event explorer (every event, the audit, the alerts)."""
        self.app.push_screen(EventExplorer(self.session))

    def action_goto(self) -> None:
        """``g``: ask for an incident id (``INC-n``, any case) and open it."""
        ask_and_open(self, self.session)

    def action_recent(self) -> None:
        """``I``: every recent incident, open and resolved."""
        self.app.push_screen(RecentIncidentsScreen(self.session, self._text_filter))

    def action_runbook(self) -> None:
        """``R``: the runbook's text (the hub's, else the copy shipped with warroom)."""
        self.app.push_screen(RunbookView(self.session.runbook.markdown))

    def _front_table(self) -> KeyedTable:
        focused = self.focused
        return focused if isinstance(focused, KeyedTable) else self.query_one(IncidentList)

    def action_filter(self) -> None:
        """``/``: filter the focused table's rows (any case, over what the row says)."""
        self.query_one(FilterBar).open_for(self._front_table())

    def action_clear_filter(self) -> None:
        """Escape: the focused table shows all its rows again."""
        table = self._front_table()
        table.set_row_filter("")
        retitle(table)

    def action_focus_panel(self, panel: str) -> None:
        """Focus one of the three panels by name, at once: Enter typed right after
        ``i`` (a paste, a slow link) must land on the incidents, not the panel before."""
        self.set_focus(self.query_one(PANELS[panel]))

    def set_who(self, who: str) -> None:
        """Show ``user@hub`` in the connection bar."""
        self._who = who
        if self.ready:
            self.query_one(ConnectionBar).who = who

    def selected_incident(self) -> str | None:
        """The id of the highlighted incident, if any (``k`` preselects its pack)."""
        return selected_key(self.query_one(IncidentList))

    def show_violations(self, violations: Sequence[Violation]) -> None:
        """The 30-second rule's warning, on top while any stopped agent still runs."""
        # query, not query_one: the screen may be tearing down when the app exits.
        for warning in self.query(KillswitchWarning):
            warning.show(violations)

    def show_state(self, state: ConsoleState, now: datetime, dirty: set[str]) -> None:
        """Draw the areas in ``dirty`` from ``state`` at local time ``now``."""
        hub_now = state.hub_now(now)
        if self.layout_changed:
            self.layout_changed = False
            dirty = dirty | {"layout"}
        incidents = self.query_one(IncidentList)
        feed = self.query_one(AlertFeed)
        packs = self.query_one(AgentTable)
        if dirty & {"connection", "clock"}:
            self.stale = state.is_stale(now)
            self.query_one(ConnectionBar).show(
                state.connection_view(now), f"{hub_now:%H:%M:%S} UTC", state.anomalies()
            )
        if "banner" in dirty:
            self.query_one(GlobalBanner).show_switch(state.global_switch())
            self.engaged = state.global_engaged
        if dirty & {"incidents", "clock"} or incidents.restyle_pending:
            open_incidents = state.open_incidents()
            incidents.show_incidents(open_incidents, state.data_now(now), state.policy)
            unacked = sum(1 for i in open_incidents if i.acknowledged_at is None)
            title = f"Incidents · {len(open_incidents)} open"
            set_border_title(incidents, title + (f" · {unacked} not acked" if unacked else ""))
        if "alerts" in dirty or feed.restyle_pending:
            alerts = feed_order(state.alerts.values())
            outbox = self.session.outbox
            waiting = outbox.pending(saving_too=True) if outbox else None
            pending = pending_silences(waiting, state.alerts) if waiting is not None else None
            feed.show_alerts(alerts, pending)
            firing = sum(1 for a in state.alerts.values() if a.status == "firing")
            set_border_title(feed, f"Alerts · {len(state.alerts)} · {firing} firing")
        if dirty & {"packs", "banner", "layout"} or packs.restyle_pending:
            summaries = state.pack_summaries()
            packs.show_packs(
                summaries, state.global_engaged, state.agents_by_pack(), self.listing_agents()
            )
            stopped = sum(1 for p in summaries if not p.enabled)
            if state.global_engaged:
                set_border_title(packs, "Packs · GLOBAL STOP")
            elif not summaries:
                set_border_title(packs, "Packs · no data yet")
            else:
                set_border_title(
                    packs, f"Packs · {stopped} stopped" if stopped else "Packs · all on"
                )
