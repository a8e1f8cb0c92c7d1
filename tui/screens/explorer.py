"""The event explorer: the runbook's Investigate step.

Every event this console has seen (the session's :class:`EventHistory`), the hub's
audit entries (fetched on open) and the alerts, newest first, in a windowed list
(:class:`widgets.event_list.EventList`: only visible rows are drawn, so 100,000
records stay smooth). The filter line takes ``pack:`` ``agent:`` ``level:``
``type:`` ``label:`` and free words (searched in messages, run ids, fingerprints,
labels); ``t`` cycles the time range (all, 1 h, 6 h, 24 h, 7 d). The highlighted
record's details show below, with everything sharing its run id or fingerprint.
``EventExplorer(session, packs=[...])`` opens filtered to those packs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Static

from services.console.events import (
    RANGES,
    EventFilter,
    EventRecord,
    alert_record,
    audit_record,
    parse_filter,
)
from services.console.hub_client import HubCallError
from tui.session import Session
from widgets.event_list import EventList, event_row
from widgets.fit_footer import FitFooter
from widgets.safe_text import safe_text

__all__ = ["EventExplorer"]

CORRELATED_SHOWN = 8


class EventExplorer(Screen[None]):
    """Events, audit and alerts: filter, search, correlate."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="explorer.back"),
        Binding("q", "app.quit", "Quit", id="explorer.quit"),
        Binding("slash", "search", "Filter", id="explorer.search", key_display="/"),
        Binding("t", "cycle_range", "Time range", id="explorer.range"),
        Binding("question_mark", "app.help", "Help", id="explorer.help"),
    ]

    KEY_HINTS: ClassVar[dict[str, tuple[int, str]]] = {
        "explorer.search": (1, "Filter"),
        "explorer.range": (2, "Range"),
        "explorer.back": (3, "Back"),
        "explorer.quit": (4, "Quit"),
    }

    def __init__(self, session: Session, packs: list[str] | None = None) -> None:
        super().__init__()
        self.session = session
        self.packs = list(packs or [])
        self.range = "all"
        self.records: list[EventRecord] = []
        """Everything held, newest first."""
        self.shown: list[EventRecord] = []
        """What the filter lets through, newest first."""
        self._audit: list[EventRecord] = []
        self._by_run: dict[str, list[EventRecord]] = {}
        self._by_fingerprint: dict[str, list[EventRecord]] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="ex-summary", markup=False)
        query = " ".join(f"pack:{p}" for p in self.packs)
        yield Input(
            query,
            placeholder="pack:NAME agent:ID level:SEV1 type:alert label:k=v words… (/)",
            id="ex-query",
        )
        yield EventList(id="ex-list")
        yield Static(id="ex-detail", markup=False)
        yield FitFooter()

    def on_mount(self) -> None:
        self.rebuild()
        self.query_one(EventList).focus()
        if self.session.connect:
            self.fetch_audit()

    @work(exclusive=True, group="explorer-audit", exit_on_error=False)
    async def fetch_audit(self) -> None:
        """The hub's audit entries (kill switches, silences), once, when the screen opens."""
        try:
            async with self.session.hub() as hub:
                rows = await hub.audit(limit=10_000)
        except HubCallError as error:
            self.notify(f"audit not fetched: {error}", severity="warning")
            return
        self._audit = [r for r in (audit_record(row) for row in rows) if r is not None]
        self.rebuild()

    def rebuild(self) -> None:
        """Gather the history, the audit and the alerts, index them, and filter."""
        alerts = (alert_record(a) for a in self.session.state.alerts.values())
        merged: Iterable[EventRecord] = [
            *self.session.events.records,
            *self._audit,
            *(r for r in alerts if r is not None),
        ]
        self.records = sorted(merged, key=lambda r: r.at, reverse=True)
        self._by_run, self._by_fingerprint = {}, {}
        for record in self.records:
            if record.run_id:
                self._by_run.setdefault(record.run_id, []).append(record)
            if record.fingerprint:
                self._by_fingerprint.setdefault(record.fingerprint, []).append(record)
        self.refilter()

    def current_filter(self) -> EventFilter:
        """The filter line and the time range, as a filter."""
        return parse_filter(self.query_one("#ex-query", Input).value, RANGES[self.range])

    def refilter(self) -> None:
        """Apply the filter to everything held and show the result."""
        self.shown = self.current_filter().apply(self.records, self.session.hub_now())
        self.query_one(EventList).show(self.shown)
        dropped = self.session.events.dropped
        note = f" · {dropped} older let go" if dropped else ""
        summary = f"{len(self.shown)} of {len(self.records)} · range {self.range}{note}"
        self.query_one("#ex-summary", Static).update(Text(summary))

    @on(Input.Changed, "#ex-query")
    def _typed(self) -> None:
        self.refilter()

    @on(Input.Submitted, "#ex-query")
    def _submitted(self) -> None:
        self.query_one(EventList).focus()

    def correlated(self, record: EventRecord) -> list[EventRecord]:
        """Every other record with the same run id or fingerprint, newest first."""
        found = {
            id(r): r
            for r in (
                *self._by_run.get(record.run_id, ()),
                *self._by_fingerprint.get(record.fingerprint, ()),
            )
            if r is not record
        }
        return sorted(found.values(), key=lambda r: r.at, reverse=True)

    @on(EventList.Highlighted)
    def show_detail(self, event: EventList.Highlighted) -> None:
        """The highlighted record's fields and what correlates with it."""
        record = event.record
        detail = self.query_one("#ex-detail", Static)
        if record is None:
            detail.update(Text("Nothing matches."))
            return
        text = Text(end="")
        fields = (
            ("at", f"{record.at:%Y-%m-%d %H:%M:%S}"),
            ("type", record.type),
            ("source", record.source),
            ("pack", record.pack),
            ("agent", record.agent),
            ("level", record.level),
            ("run", record.run_id),
            ("fingerprint", record.fingerprint),
            ("incident", record.incident_id),
        )
        shown = [f"{name} {value}" for name, value in fields if value]
        text.append_text(safe_text(" · ".join(shown), max_length=400))
        text.append("\n")
        text.append_text(safe_text(record.message, max_length=600))
        if record.labels:
            text.append("\n")
            text.append_text(safe_text(" ".join(record.labels), "dim", max_length=400))
        related = self.correlated(record)
        text.append(f"\nSame run or fingerprint: {len(related)}", style="bold")
        for other in related[:CORRELATED_SHOWN]:
            row = event_row(other)
            row.truncate(max(20, self.size.width - 2))  # one line each, even at 80 columns
            text.append("\n")
            text.append_text(row)
        detail.update(text)

    def action_search(self) -> None:
        """``/``: to the filter line."""
        self.query_one("#ex-query", Input).focus()

    def action_cycle_range(self) -> None:
        """``t``: all → 1 h → 6 h → 24 h → 7 d → all."""
        names = list(RANGES)
        self.range = names[(names.index(self.range) + 1) % len(names)]
        self.refilter()

    def action_back(self) -> None:
        """Back; from the filter line, first back to the list."""
        if self.focused is self.query_one("#ex-query", Input):
            self.query_one(EventList).focus()
        else:
            self.dismiss()
