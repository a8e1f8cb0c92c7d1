"""Finding incidents: every recent one, open and resolved, and a jump to one by id.

``l`` on the dashboard lists the incidents the console knows merged with the
hub's full list (a resolved incident leaves the live view, but not this one);
``g`` asks for ``INC-n`` and opens it, asking the hub when the console has not
seen it. Enter on a row opens the incident.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from services.console.hub_client import HubCallError
from services.domain.models import Incident, ModelError
from tui.screens.goto_incident import GotoIncident
from tui.screens.incident import IncidentScreen
from tui.session import Session
from widgets.filter_bar import FilterBar
from widgets.fit_footer import FitFooter
from widgets.keyed_table import KeyedTable
from widgets.recent_incidents import RecentIncidents
from widgets.titles import retitle, set_border_title

__all__ = ["RecentIncidentsScreen", "ask_and_open", "open_incident"]


async def open_incident(screen: Screen[Any], session: Session, incident_id: str) -> bool:
    """Open ``incident_id`` if the console or the hub knows it; else say it does not."""
    if incident_id not in session.state.incidents and session.connect:
        try:
            async with session.hub() as hub:
                await hub.incident(incident_id)
        except HubCallError as error:
            screen.notify(
                f"{incident_id}: {error}", title="Not opened", severity="warning", markup=False
            )
            return False
    elif incident_id not in session.state.incidents:
        screen.notify(f"No incident {incident_id} here.", severity="warning", markup=False)
        return False
    screen.app.push_screen(IncidentScreen(session, incident_id))
    return True


def ask_and_open(screen: Screen[Any], session: Session) -> None:
    """Ask for an incident id (``g``) and open it."""

    def chosen(incident_id: str | None) -> None:
        if incident_id is not None:
            screen.run_worker(open_incident(screen, session, incident_id), group="goto")

    screen.app.push_screen(GotoIncident(), chosen)


class RecentIncidentsScreen(Screen[None]):
    """Recent incidents, open and resolved; Enter opens one."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="incidents.back"),
        # Priority: `/` and what follows it in one burst land in the filter line.
        Binding("slash", "filter", "Filter", id="incidents.filter", key_display="/", priority=True),
        Binding("g", "goto", "Go to INC-n", id="incidents.goto"),
        Binding("q", "app.quit", "Quit", id="incidents.quit"),
        Binding("question_mark", "app.help", "Help", id="incidents.help"),
    ]
    KEY_HINTS: ClassVar[dict[str, tuple[int, str]]] = {
        "incidents.filter": (1, "Filt"),
        "incidents.goto": (2, "INC-n"),
        "incidents.back": (3, "Back"),
        "incidents.quit": (4, "Quit"),
    }

    def __init__(self, session: Session, text_filter: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.session = session
        self._text_filter = text_filter
        self.fetched: dict[str, Incident] = {}
        """Incidents the hub listed when the screen opened."""

    def compose(self) -> ComposeResult:
        yield RecentIncidents(id="recent")
        yield FilterBar(id="filter")
        yield FitFooter()

    def on_mount(self) -> None:
        table = self.query_one(RecentIncidents)
        if self._text_filter is not None:
            table.text_filter = self._text_filter
        table.focus()
        self.refresh_rows()
        if self.session.connect:
            self.run_worker(self._fetch(), group="recent", exclusive=True, exit_on_error=False)

    async def _fetch(self) -> None:
        try:
            async with self.session.hub() as hub:
                rows = await hub.incidents()
            fetched = {i.id: i for i in (Incident.from_dict(row) for row in rows)}
        except (HubCallError, ModelError) as error:
            self.notify(f"The hub's list: {error}", severity="warning", markup=False)
            return
        self.fetched = fetched
        self.refresh_rows()

    def incidents(self) -> list[Incident]:
        """The hub's list, updated by what the stream says since."""
        return list({**self.fetched, **self.session.state.incidents}.values())

    def refresh_rows(self) -> None:
        """Redraw the table from what is known now."""
        incidents = self.incidents()
        table = self.query_one(RecentIncidents)
        table.show_incidents(incidents)
        open_count = sum(1 for i in incidents if i.is_open)
        set_border_title(
            table, f"Incidents · {open_count} open · {len(incidents) - open_count} resolved"
        )

    def on_keyed_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        """Enter opens the incident."""
        self.app.push_screen(IncidentScreen(self.session, str(event.row_key.value)))

    def action_goto(self) -> None:
        """``g``: ask for an incident id and open it."""
        ask_and_open(self, self.session)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the filter line has focus its keys are text, not commands."""
        return not isinstance(self.focused, FilterBar)

    def action_filter(self) -> None:
        """``/``: narrow the list to the rows that say what is typed."""
        self.query_one(FilterBar).open_for(self.query_one(RecentIncidents))

    def action_back(self) -> None:
        """Back to the dashboard; a filtered list first shows all its rows again."""
        table = self.query_one(RecentIncidents)
        if table.row_filter:
            table.set_row_filter("")
            retitle(table)
            return
        self.dismiss()
