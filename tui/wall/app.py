"""The war-room wall: a read-only Textual app on the same state and stream as the console.

Read-only by construction: it has no session, no journal, no outbox and no hub
client (an import-linter contract keeps it so), and its only keys are quit and
paging. What it draws is worked out in :mod:`services.console.wall`; this module
keeps the stream worker, the redraw timer, the bell and the layout.

It always redacts PII (categories A and B, and C when configured), whatever the
config's ``redact`` says: nobody at a wall can be asked whether they may see it.
"""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, TypeVar, cast

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Digits, Static

from services.console.settings import ConsoleSettings
from services.console.state import ConsoleState, StreamStatus
from services.console.stream_client import StreamClient
from services.console.wall import (
    Urgent,
    WallPager,
    data_moment,
    digits,
    most_urgent,
    next_escalation,
    stopped_packs,
)
from services.domain.models import Envelope, ModelError
from services.domain.timeutil import Clock, format_duration, utcnow
from tui.terminal_input import on_hangup
from tui.theme import WARROOM_THEME
from widgets.connection_bar import ConnectionBar
from widgets.incident_band import IncidentBand
from widgets.safe_text import safe_text, set_redaction
from widgets.stale_overlay import StaleOverlay

__all__ = ["WallApp"]

W = TypeVar("W", bound=Widget)

FLUSH_INTERVAL_S = 0.25
BAND_LINES = 3  # two lines of text and a gap


@dataclass
class _Envelope(Message):
    envelope: Envelope
    received_at: datetime


@dataclass
class _Status(Message):
    status: StreamStatus

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, _Status)


WALL_ALERTS = 200
WALL_RESOLVED = 20


class WallApp(App[None]):
    """The wall. ``connect=False`` leaves the hub alone (tests feed envelopes)."""

    CSS_PATH = "wall.tcss"
    TITLE = "warroom wall"
    # Nothing here may change anything: no command palette (it offers theme and
    # screenshot commands), and no key but quit and paging.
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="wall.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="wall.quit_anywhere"),
        Binding("right,n,pagedown", "page(1)", "Next page", id="wall.next"),
        Binding("left,p,pageup", "page(-1)", "Previous page", id="wall.previous"),
    ]

    def __init__(
        self,
        settings: ConsoleSettings,
        clock: Clock = utcnow,
        *,
        connect: bool = True,
        monotonic: Clock | None = None,
        end_on_hangup: bool = False,
    ) -> None:
        super().__init__()
        self.end_on_hangup = end_on_hangup
        """End when the terminal hangs up (the ``warroom wall`` command; not in tests)."""
        self.settings = replace(settings, wall=True, redact=True)
        set_redaction(self.settings.redacted_categories())
        self.clock = clock
        self.connect = connect
        self._monotonic = monotonic
        # The wall shows no timeline and no alert list, and resolved incidents only
        # until they leave the page: small bounds, filled within the first hour, keep
        # its memory flat for days (the console's own bounds take ~3 days to fill).
        self.state = ConsoleState(
            stale_after_heartbeats=settings.stale_after_heartbeats,
            timeline_limit=1,
            alert_limit=WALL_ALERTS,
            resolved_limit=WALL_RESOLVED,
        )
        """Everything the wall knows from the stream."""
        self.pager = WallPager(page_seconds=settings.wall_page_seconds)
        """The bands' order and pages."""
        self.bells = 0
        """How many times the bell rang (once per new SEV1)."""
        self._bands: dict[str, IncidentBand] = {}
        self._spare: list[IncidentBand] = []
        """Bands whose incident left the page, hidden until another incident needs one."""
        self._shown_ids: list[str] = []
        self._found: dict[str, Widget] = {}

    # -- layout ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ConnectionBar(id="wall-conn")
        with Horizontal(id="wall-digits"):
            with Vertical(classes="wall-timer", id="wall-urgent"):
                yield Static(id="wall-urgent-label", markup=False)
                yield Digits("--:--", id="wall-urgent-digits")
            with Vertical(classes="wall-timer", id="wall-escalation"):
                yield Static(id="wall-escalation-label", markup=False)
                yield Digits("--:--", id="wall-escalation-digits")
        yield Vertical(id="wall-bands")
        yield Static(id="wall-packs", markup=False)
        yield Static(id="wall-footer", markup=False)
        yield StaleOverlay(id="wall-stale")

    def _find(self, selector: str, kind: type[W]) -> W:
        # Each widget is looked up once: Textual caches every query by the DOM's update
        # count too, so querying on each redraw made new entries whenever bands came
        # and went (1024 of them per node before that cache levels off, after a day).
        found = self._found.get(selector)
        if found is None:
            found = self._found[selector] = self.query_one(selector, kind)
        return cast(W, found)

    def on_mount(self) -> None:
        self.register_theme(WARROOM_THEME)
        self.theme = WARROOM_THEME.name
        self._find("#wall-conn", ConnectionBar).who = self.settings.hub_url.split("://", 1)[-1]
        self.set_interval(FLUSH_INTERVAL_S, self.flush)
        self.flush()
        if self.end_on_hangup:
            # A wall whose terminal is gone (its SSH session or tmux pane closed with
            # no SIGHUP reaching it) ends, as a SIGHUP would end it, rather than spin.
            loop = asyncio.get_running_loop()

            def hung_up() -> None:
                loop.call_soon_threadsafe(partial(self.exit, return_code=128 + signal.SIGHUP))

            on_hangup(hung_up)
        if self.connect:
            self.run_stream()

    # -- data ------------------------------------------------------------------

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def run_stream(self) -> None:
        """Keep the stream connected for the wall's lifetime."""
        client = StreamClient(
            self.settings.ws_urls,
            self.settings.token,
            on_envelope=self._post_envelope,
            on_status=self._post_status,
            resume_from=self.state.last_seq,
        )
        await client.run()

    def _post_envelope(self, envelope: Envelope) -> None:
        self.post_message(_Envelope(envelope, self.clock()))

    def _post_status(self, status: StreamStatus) -> None:
        self.post_message(_Status(status))

    def on__envelope(self, message: _Envelope) -> None:
        self.state.apply(message.envelope, message.received_at)

    def on__status(self, message: _Status) -> None:
        self.state.set_status(message.status, self.clock())
        if message.status.replica is not None:  # which of the hub's replicas it is on
            self.query_one(ConnectionBar).who = message.status.replica

    def apply_envelope(self, data: dict[str, Any]) -> bool:
        """Apply one raw envelope as if it came from the stream, and redraw (tests)."""
        try:
            envelope = Envelope.from_dict(data)
        except ModelError:
            return self.state.apply_dict(data, self.clock())
        applied = self.state.apply(envelope, self.clock())
        self.flush()
        return applied

    def set_connection(self, status: StreamStatus) -> None:
        """Set the connection status as if the stream reported it, and redraw (tests)."""
        self.state.set_status(status, self.clock())
        self.flush()

    # -- drawing ---------------------------------------------------------------

    def _seconds(self) -> float:
        if self._monotonic is not None:
            return self._monotonic().timestamp()
        return time.monotonic()

    def flush(self) -> None:
        """Redraw everything from the state (cheap: widgets skip unchanged text)."""
        # Not before it runs, nor while it shuts down (the redraw timer can still fire
        # once its widgets are gone).
        if not self.is_running:
            return
        now = self.clock()
        state = self.state
        has_data = state.last_frame_at is not None and state.snapshots > 0
        stale = state.is_stale(now)
        at = data_moment(state, now)
        with self.batch_update():
            hub_clock = f"{at:%H:%M:%S} UTC" if has_data else "--:--:-- UTC"
            self._find("#wall-conn", ConnectionBar).show(state.connection_view(now), hub_clock, {})
            self._show_timers(at, stale, has_data)
            self._show_bands(at, stale, has_data)
            self._forget_what_left(has_data)
            self._show_packs(has_data)
            self._show_footer(now, stale)
            age = state.data_age(now)
            since = state.hub_now(state.last_frame_at) if state.last_frame_at else None
            self._find("#wall-stale", StaleOverlay).show(stale or not has_data, age, since)
        if has_data:
            for _ in self.pager.new_sev1(state.incidents):
                self.bells += 1
                if self.settings.wall_bell:
                    self.bell()

    def _forget_what_left(self, has_data: bool) -> None:
        # A resolved incident is kept only while its band may still show it (until the
        # page turns and the order is sorted again), not as one of the state's last
        # resolved ones: at a few a day those would go on filling for days.
        incidents = self.state.incidents
        if has_data:
            keep = set(self.pager.order)
            for gone in [i for i, incident in incidents.items() if not incident.is_open]:
                if gone not in keep:
                    del incidents[gone]
        # The wall reads no timeline, and the state keeps one for any incident a note
        # names, even one it has let go of (a late note on an incident resolved days
        # ago): such timelines would pile up for as long as the wall runs.
        timeline = self.state.timeline
        for gone in timeline.keys() - incidents.keys():
            del timeline[gone]

    def _show_timers(self, at: datetime, stale: bool, has_data: bool) -> None:
        incidents = list(self.state.incidents.values())
        urgent = most_urgent(incidents, self.state.policy, at) if has_data else None
        escalation = next_escalation(incidents, self.state.policy, at) if has_data else None
        self._timer("urgent", urgent, "nothing waiting for a response", stale)
        self._timer("escalation", escalation, "no escalation coming", stale)

    def _timer(self, name: str, urgent: Urgent | None, idle: str, stale: bool) -> None:
        label = Text(end="", no_wrap=True, overflow="ellipsis")
        if urgent is None:
            label.append(idle)
            value = "--:--"
        else:
            overdue = urgent.remaining_s < 0
            label.append(f"{urgent.severity} ", style="bold")
            label.append_text(safe_text(urgent.incident_id, "bold", max_length=16))
            label.append(f" · {urgent.what}" + (" · OVERDUE" if overdue else ""))
            value = digits(urgent.remaining_s)
        if stale:
            label.append(" · FROZEN", style="bold")
        box = self._find(f"#wall-{name}", Vertical)
        box.set_class(urgent is not None and urgent.remaining_s < 0, "-overdue")
        box.set_class(urgent is not None and urgent.severity == "SEV1", "-sev1")
        box.set_class(stale, "-stale")
        self._find(f"#wall-{name}-label", Static).update(label)
        number = self._find(f"#wall-{name}-digits", Digits)
        if number.value != value:
            number.update(value)

    def _rows(self) -> int:
        height = self._find("#wall-bands", Vertical).size.height
        if height <= 0:
            return self.pager.rows  # not laid out yet: keep what it was
        return max(1, height // BAND_LINES)

    def on_resize(self) -> None:
        """A new size fits more or fewer bands: redraw once the layout has settled."""
        self.call_after_refresh(self.flush)

    def _show_bands(self, at: datetime, stale: bool, has_data: bool) -> None:
        container = self._find("#wall-bands", Vertical)
        self.pager.rows = self._rows()
        ids = self.pager.update(self.state.incidents, self._seconds()) if has_data else []
        if ids != self._shown_ids:
            # Bands are keyed by incident, and reused: a band whose incident left waits
            # hidden for the next one. Removing and mounting a band per incident kept
            # each removed band's style caches alive (Textual's lru_cache on a method),
            # and the wall's memory grew for days; the pool is as big as a page.
            for gone in set(self._bands) - set(ids):
                band = self._bands.pop(gone)
                band.display = False
                band.rebind("")  # nothing of the incident that left is kept
                band.update("")
                self._spare.append(band)
            new: list[IncidentBand] = []
            for incident_id in ids:
                if incident_id in self._bands:
                    continue
                if self._spare:
                    band = self._spare.pop()
                    band.rebind(incident_id)
                    band.display = True
                else:
                    band = IncidentBand(incident_id)
                    new.append(band)
                self._bands[incident_id] = band
            if new:
                container.mount_all(new)
            for index, incident_id in enumerate(ids):
                container.move_child(self._bands[incident_id], before=index)
            self._shown_ids = list(ids)
        for incident_id in ids:
            incident = self.state.incidents.get(incident_id)
            if incident is not None:
                self._bands[incident_id].show(incident, self.state.policy, at, stale)
        container.border_title = (
            f"Open incidents · page {self.pager.page + 1}/{self.pager.pages}"
            if has_data
            else "Open incidents · waiting for the hub"
        )

    def _show_packs(self, has_data: bool) -> None:
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        state = self.state
        if not has_data:
            text.append("packs: no data yet", style="bold")
            self._find("#wall-packs", Static).update(text)
            return
        if state.global_engaged:
            text.append(" GLOBAL STOP ", style="bold reverse")
            text.append(" all agent execution stopped  ")
        else:
            text.append("GLOBAL on  ", style="bold")
        lines = stopped_packs(state.pack_summaries())
        if not lines:
            text.append(f"· all {len(state.packs)} packs on")
        for line in lines:
            text.append(" · ")
            text.append_text(safe_text(line.pack, "bold", max_length=24))
            if line.confirmed:
                text.append(" STOPPED")
            else:
                text.append(f" STOPPING, unconfirmed: {line.still_running} running", style="bold")
        self._find("#wall-packs", Static).update(text)

    def _show_footer(self, now: datetime, stale: bool) -> None:
        age = self.state.data_age(now)
        words = "no data yet" if age is None else f"data {format_duration(age, 'short')} old"
        if stale:
            words += " · STALE"
        pages = f"page {self.pager.page + 1}/{self.pager.pages}"
        footer = f"{words} · {pages} · q quit · ←/→ page · read-only"
        self._find("#wall-footer", Static).update(Text(footer, end=""))

    # -- keys ------------------------------------------------------------------

    def action_page(self, step: int) -> None:
        """Turn the page by hand."""
        self.pager.turn(step)
        self.flush()
