"""The warroom console: a Textual app around the hub's event stream.

The stream runs in an async worker that posts typed messages
(:mod:`tui.messages`); their handlers apply envelopes to :class:`ConsoleState`
and nothing else. A timer flushes the areas that changed to the dashboard a
few times a second inside ``batch_update``, so an alert storm costs one
redraw per tick, not one per alert, and the keyboard stays responsive.

Screens get the :class:`tui.session.Session` the app builds once, and post
messages (``SubmitAction``) for the app to act on; the app keeps the glue:
workers, timers, the journal.
"""

from __future__ import annotations

import asyncio
import gc
import signal
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from time import perf_counter
from typing import Any, ClassVar, Literal

from rich.console import RenderableType
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from services.console.hub_client import HubRefused, HubUnreachable
from services.console.identity import Identity
from services.console.killswitches import Killswitches
from services.console.outbox import Outbox
from services.console.redraw import OUTPUT, RedrawPacer
from services.console.replicas import hub_label
from services.console.settings import ConsoleSettings, unknown_key_ids
from services.console.state import (
    ALERTS_COALESCED,
    AREAS,
    BEHIND_RESYNC_S,
    COALESCED,
    RESYNC_COOLDOWN_S,
    ConsoleState,
    StreamStatus,
)
from services.console.stream_client import MAX_DELAY_S, StreamClient
from services.domain.models import Envelope, ModelError
from services.domain.timeutil import Clock, utcnow
from storage.console_store import OutboxItem
from tui.commands import WarroomCommands
from tui.journal import ActionJournal
from tui.messages import (
    ConnectionChanged,
    EnvelopeReceived,
    IdentityKnown,
    LiveStateWanted,
    OutboxDelivered,
    SubmitAction,
)
from tui.partial_paint import install as install_partial_paint
from tui.screens.alert_detail import AlertDetail
from tui.screens.dashboard import PANELS, DashboardScreen
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen, screen_keys
from tui.screens.incident import IncidentScreen
from tui.screens.killswitch import KillswitchScreen
from tui.screens.live_state import show_live_state
from tui.screens.restore import RestoreScreen
from tui.screens.runbook_view import RunbookView
from tui.session import Session
from tui.terminal_input import on_hangup
from tui.theme import WARROOM_THEME
from widgets.glyphs import Glyphs
from widgets.keyed_table import KeyedTable
from widgets.safe_text import set_redaction, shown

__all__ = ["APPLY_CHUNK", "BUILD_WHEN_QUIET", "FLUSH_INTERVAL_S", "WarroomApp"]

# Redraws per second at most; the state absorbs everything in between.
FLUSH_INTERVAL_S = 0.25
STREAM_RESTART_S = 2.0
# How often unanswered actions are tried again while the stream is live.
OUTBOX_RETRY_S = 5.0
# Envelopes applied in one go: a larger batch is applied a chunk at a time, the
# event loop free between chunks (drawing, keys, the reader), so no batch holds it
# for long (about 3 ms a chunk in a storm).
APPLY_CHUNK = 250
# Explorer records built per redraw tick while no envelope arrived since the last
# tick (~10 ms): a storm's events are kept unbuilt, and built once it is over.
BUILD_WHEN_QUIET = 2000


def _subclasses(cls: type) -> Iterable[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def known_binding_ids() -> set[str]:
    """Every binding id the console declares (the app's and its screens'), for ``[keys]``."""
    owners = [WarroomApp, *(c for c in _subclasses(Screen) if c.__module__.startswith("tui."))]
    return {
        binding.id
        for owner in owners
        for binding in getattr(owner, "BINDINGS", [])
        if isinstance(binding, Binding) and binding.id
    }


class WarroomApp(App[None]):
    """The console. ``connect=False`` leaves the hub alone (snapshot tests feed envelopes)."""

    CSS_PATH = "app.tcss"
    TITLE = "warroom"
    COMMANDS = App.COMMANDS | {WarroomCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
    ]

    def __init__(
        self,
        settings: ConsoleSettings,
        clock: Clock = utcnow,
        *,
        connect: bool = True,
        backoff_cap: float = MAX_DELAY_S,
        handle_signals: bool = False,
    ) -> None:
        install_partial_paint()  # partial updates write the changed spans only
        super().__init__()
        self.handle_signals = handle_signals
        """End on SIGTERM and SIGHUP like a quit (the ``warroom`` command; not in tests)."""
        self.settings = settings
        self.clock = clock
        self.connect = connect
        self.backoff_cap = backoff_cap
        state = ConsoleState(stale_after_heartbeats=settings.stale_after_heartbeats)
        self.session = Session(settings, clock, state, journal=self._journal, connect=connect)
        """What every screen is given."""
        # Every widget redacts through safe_text: B stays redacted until the hub has
        # recorded that a role holding pii.view turned it off (see reveal_pii).
        set_redaction(settings.redacted_categories())
        self.dashboard = DashboardScreen(self.session)
        self.journal = ActionJournal(self, self.session)
        """Where every action is written before it is sent."""
        self._stream: StreamClient | None = None
        self._shown_second: int | None = None
        self._batch: list[tuple[Envelope, datetime]] | None = None
        self._unapplied = 0
        self._quiet = True  # no envelope applied since the last redraw tick
        self._settle: Literal["", "applied", "drawn"] = ""
        """How far the first snapshot is: its objects are frozen once it is drawn."""
        self.settled = False
        """True once the first snapshot was drawn in full and the objects then alive
        moved out of the garbage collector's way (see :meth:`_settled`)."""
        self._fills_frozen = 0
        self.pacer = RedrawPacer(meter=OUTPUT)
        """When the dirty areas are drawn: 4 Hz while someone types, 1 Hz otherwise, the
        feed every 2 s (8 s over the byte budget) while nobody types."""
        self.crashed = False
        """True once the console ended on an error (its exit code says so)."""
        self.exit_message: str | None = None
        """What to print once the terminal is back (undelivered actions), if anything."""
        self._ascii = Glyphs()
        self.ended_by: int | None = None
        """The signal (SIGTERM, SIGHUP) that ended the console, if one did."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, and the ASCII glyphs when the terminal wants them."""
        filters = super().get_line_filters()
        return [*filters, self._ascii] if self.settings.ascii else filters

    def panic(self, *renderables: RenderableType) -> None:
        """End on an unexpected error; unlike Textual's own, this one is not exit code 0."""
        self.crashed = True
        super().panic(*renderables)

    # The session's parts, for tests and benchmarks that read them off the app.

    @property
    def state(self) -> ConsoleState:
        """Everything the console knows."""
        return self.session.state

    @property
    def outbox(self) -> Outbox | None:
        """The journal of actions; ``None`` when not connected or not writable."""
        return self.session.outbox

    @property
    def outbox_problem(self) -> str | None:
        """Why there is no outbox, when there is none."""
        return self.session.outbox_problem

    @property
    def identity(self) -> Identity | None:
        """Who the hub says our token is, once it has answered."""
        return self.session.identity

    @property
    def killswitch(self) -> Killswitches:
        """Kill-switch actions and what the hub says about stops."""
        return self.session.killswitches

    # -- lifecycle ------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return self.dashboard

    def on_mount(self) -> None:
        if self.handle_signals:
            self._handle_signals()
        self.register_theme(WARROOM_THEME)
        self.theme = WARROOM_THEME.name
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
            for problem in unknown_key_ids(self.settings, known_binding_ids()):
                self.notify(problem, title="Key not remapped", severity="warning", timeout=30)
        self.dashboard.set_who(self._who())
        self.set_interval(FLUSH_INTERVAL_S, self.paced_flush)
        self.flush()
        if self.connect:
            self.journal.open()
            self.run_stream()
            self.fetch_identity()
            self.journal.flush()  # what a console killed earlier had not delivered
            self.set_interval(OUTBOX_RETRY_S, self.journal.retry)

    async def on_unmount(self) -> None:
        if self.settled:
            gc.unfreeze()  # what was frozen at start is collected as usual again
        await self.journal.close()

    async def action_quit(self) -> None:
        """Quit; undelivered actions are counted, to be said once the terminal is back."""
        self._count_undelivered()
        await super().action_quit()

    def _count_undelivered(self) -> None:
        # Those still being saved too: the journal saves them as the console closes.
        pending = self.outbox.store.waiting() if self.outbox is not None else 0
        if pending:
            actions = "action" if pending == 1 else "actions"
            self.exit_message = (
                f"warroom: {pending} {actions} not yet delivered to the hub; they are kept "
                f"in {self.settings.data_dir} and will be sent when the console next starts."
            )

    def _handle_signals(self) -> None:
        """SIGTERM and SIGHUP (an SSH session dropping) end the console like a quit.

        Python's default for both kills the process at once, leaving the terminal in
        the alternate screen with mouse tracking on; ``exit()`` lets Textual's driver
        restore it, and the journal close as on any quit (what it holds is already
        on disk, so nothing is lost either way).
        """
        loop = asyncio.get_running_loop()

        # A terminal that hangs up without a SIGHUP reaching the console ends it too.
        def hung_up() -> None:
            loop.call_soon_threadsafe(self._end_by_signal, signal.SIGHUP)

        on_hangup(hung_up)
        for signum in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(signum, self._end_by_signal, signum)
            except (NotImplementedError, RuntimeError, ValueError):
                return  # not the main thread (a test harness), or no signals here

    def _end_by_signal(self, signum: int) -> None:
        if self.ended_by is None:
            self.ended_by = signum
            self._count_undelivered()
            self.exit()

    async def on_event(self, event: events.Event) -> None:
        """Input sets the redraw's fast beat: the screen follows a person's hands."""
        if isinstance(event, (events.Key, events.MouseDown)):
            self.pacer.touched()
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        """A key typed in one burst with the key that opened a dialog, handed to the dialog.

        Each key is first sent to the screen that was in front when it arrived; a
        burst (``k s support Enter``) is queued before ``s`` has opened the dialog,
        so its keys go to the screen below, find no taker and bubble back here.
        A dialog that takes type-ahead (``TAKES_TYPE_AHEAD``) gets them, in order.
        """
        screen = self.screen
        if getattr(screen, "TAKES_TYPE_AHEAD", False) and (
            event.is_printable or event.key == "enter"
        ):
            event.stop()
            screen.post_message(events.Key(event.key, event.character))

    def action_help_quit(self) -> None:
        """Ctrl+C: say which key quits (Textual's own toast carries markup we show plain)."""
        for binding in (active.binding for active in self.active_bindings.values()):
            if binding.action in ("quit", "app.quit"):
                key = self.get_key_display(binding)
                self.notify(f"Press {key} to quit the console", title="Do you want to quit?")
                return

    def submit_action(
        self, kind: str, path: str, body: dict[str, Any], *, incident_id: str | None = None
    ) -> OutboxItem | None:
        """Journal an action (fsync'd), then send it; ``None`` (and said why) when impossible."""
        return self.journal.submit(kind, path, body, incident_id)

    def _journal(
        self, kind: str, path: str, body: dict[str, Any], *, incident_id: str | None = None
    ) -> OutboxItem | None:
        # The kill-switch journal: looked up at each call, so a test may wrap submit_action.
        return self.submit_action(kind, path, body, incident_id=incident_id)

    def on_submit_action(self, message: SubmitAction) -> None:
        """A screen's action: journal it, send it, and show it (a pending note) at once."""
        message.stop()
        self.submit_action(
            message.kind, message.path, message.body, incident_id=message.incident_id
        )
        # A note shows pending on the timeline, a silence on its alerts.
        self.state.dirty |= {"timeline", "alerts"}
        self.flush()

    def on_outbox_delivered(self, message: OutboxDelivered) -> None:
        """A refusal is final: say it, with the hub's reason, so the person can act."""
        delivery = message.delivery
        self.killswitch.on_delivery(delivery)
        if delivery.state == "refused":
            self.notify(
                f"{delivery.item.kind}: {delivery.error}",
                title="Refused by the hub",
                severity="error",
                timeout=15,
            )
        # An incident screen shows our notes pending, then confirmed or refused; the
        # feed and an alert's detail its silence pending.
        self.state.dirty |= {"timeline", "alerts"}

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def run_stream(self) -> None:
        """Keep the stream connected for the app's lifetime (resuming from the state's seq)."""
        self._stream = StreamClient(
            self.settings.ws_urls,
            self.settings.token,
            on_envelope=self._post_envelope,
            on_status=self._post_status,
            resume_from=self.state.last_seq,
            max_delay=self.backoff_cap,
            # Textual's queue is unbounded: the reader waits while the app is behind.
            backlog=self._backlog,
        )
        await self._stream.run()

    def _post_status(self, status: StreamStatus) -> None:
        self._batch = None  # envelopes after this status go in a message after it
        self.post_message(ConnectionChanged(status))

    def _post_envelope(self, envelope: Envelope) -> None:
        if self._batch is None:
            self._batch = []
            self.post_message(EnvelopeReceived(self._batch))
        self._batch.append((envelope, self.clock()))
        self._unapplied += 1

    def _backlog(self) -> int:
        """Envelopes received and not yet applied, and the app's other queued messages."""
        return self._unapplied + self.message_queue_size

    @work(exclusive=True, group="identity", exit_on_error=False)
    async def fetch_identity(self) -> None:
        """Ask the hub who our token is; a refusal is said once, loudly."""
        async with self.session.hub() as hub:
            try:
                me = await hub.whoami()
            except HubUnreachable:
                return  # the connection bar already says so; retried when live
            except HubRefused as error:
                self.notify(error.message, title="Hub refused the token", severity="error")
                return
        self.post_message(IdentityKnown(Identity.from_whoami(me)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A stream worker that died of a bug is reported and restarted, never left dead."""
        if event.worker.group == "stream" and event.state == WorkerState.ERROR:
            self.notify(f"stream client failed: {event.worker.error!r}", severity="error")
            self.set_timer(STREAM_RESTART_S, self.run_stream)

    # -- messages from the worker ----------------------------------------------

    async def on_envelope_received(self, message: EnvelopeReceived) -> None:
        """Apply a batch of envelopes to the state (drawing waits for the next flush).

        An alert or agent reported twice in the batch is applied once, in its latest
        state; the explorer still sees every report, and while a stop is in force
        every agent report is applied, so the stop rule sees each. Fallen more
        than ``BEHIND_RESYNC_S`` behind the hub, the console says so and re-syncs
        from a snapshot rather than trailing further; what it had queued is dropped.
        A batch larger than ``APPLY_CHUNK`` is applied a chunk at a time, yielding
        the event loop between chunks; the next message waits for the last chunk.
        """
        if message.envelopes is self._batch:
            self._batch = None  # taken: the next envelope starts a new batch
        batch = message.envelopes
        self._quiet = False
        for start in range(0, len(batch), APPLY_CHUNK):
            if start:
                await asyncio.sleep(0)  # the loop's other work, between two chunks
            chunk = batch[start : start + APPLY_CHUNK]
            self._unapplied -= len(chunk)
            self._apply_chunk(chunk)

    def _apply_chunk(self, batch: list[tuple[Envelope, datetime]]) -> None:
        if self.state.resyncing is not None:
            # Read before the re-sync: the snapshot replaces it all.
            start = next((i for i, (e, _) in enumerate(batch) if e.type == "snapshot"), None)
            if start is None:
                return
            batch = batch[start:]
        heartbeat = stops = False
        for envelope, _ in batch:
            kind = envelope.type
            if kind == "heartbeat":
                heartbeat = True
            elif kind == "snapshot" or kind.startswith("killswitch."):
                stops = True  # may start a stop: its agents' reports then matter
        watching = stops or self.killswitch.tracker.watching()
        refusals = self.state.policy_refusals
        self.state.apply_batch(batch, self._recorded, ALERTS_COALESCED if watching else COALESCED)
        if any(envelope.type == "snapshot" for envelope, _ in batch):
            self.pacer.fresh()  # what it holds is drawn at the next flush, feed included
            if not self.settled:
                self._settle = "applied"
        self._said_refusals(refusals)
        if heartbeat:
            self._check_behind()  # measured on the hub's heartbeat, as it is applied

    def _recorded(self, envelope: Envelope, received_at: datetime, applied: bool | None) -> None:
        # A superseded report (None) is still an event the explorer lists.
        self._record(envelope, received_at, applied is not False)

    def _check_behind(self) -> None:
        now = self.clock()
        behind = self.state.behind(now)
        if behind <= BEHIND_RESYNC_S or self._stream is None or self.state.resyncing is not None:
            return
        resynced = self.state.resynced_at
        if resynced is not None and (now - resynced).total_seconds() < RESYNC_COOLDOWN_S:
            return
        self.state.resyncing = behind
        self.state.dirty.add("connection")
        self._stream.resync(f"{behind:.0f} s behind the hub: re-syncing from a snapshot")
        self.notify(
            f"The console fell {behind:.0f} s behind the hub's events: re-syncing from a"
            " snapshot (events in between are not in the explorer).",
            title="BEHIND",
            severity="warning",
        )

    def _apply(self, envelope: Envelope, now: datetime) -> bool:
        refusals = self.state.policy_refusals
        applied = self.state.apply(envelope, now)
        self._record(envelope, now, applied)
        self._said_refusals(refusals)
        return applied

    def _record(self, envelope: Envelope, now: datetime, applied: bool) -> None:
        """What follows an envelope's application: the explorer and the stop rule."""
        if applied:
            self.session.events.add_envelope(envelope)
        self.killswitch.on_envelope(envelope, now)

    def _said_refusals(self, refusals: int) -> None:
        if self.state.policy_refusals > refusals:
            self.notify(
                f"{self.state.policy_refused}. Countdowns keep the policy they had.",
                title="The hub's policy was refused",
                severity="error",
                timeout=30,
            )

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        """Record the stream's status; say so when a re-sync happened."""
        resyncs = self.state.status.counters.resyncs
        replica = self.state.status.replica
        self.state.set_status(message.status, self.clock())
        if message.status.replica != replica:
            self.dashboard.set_who(self._who())  # the replica the stream moved to
        if message.status.counters.resyncs > resyncs:
            self.notify("Missed events were re-synced from the hub.", title="RESYNCED")
        if message.status.state == "live" and self.connect:
            if self.identity is None:
                self.fetch_identity()
            if self.outbox is not None and self.outbox.pending():
                self.journal.flush()  # back online: deliver what waited

    def on_dashboard_screen_ready(self, _: DashboardScreen.Ready) -> None:
        """Draw what arrived before the dashboard was mounted."""
        self.flush()

    def on_identity_known(self, message: IdentityKnown) -> None:
        """Show ``user@hub`` in the connection bar."""
        self.session.identity = message.identity
        self.dashboard.set_who(self._who())
        if not self.settings.redact and not self.settings.wall:
            if self.session.may("pii.view"):
                self.reveal_pii()
            else:
                self.notify(
                    "redact = false asks to show PII (e-mail, phone…), which your role may"
                    " not (pii.view): it stays redacted.",
                    title="PII stays redacted",
                    severity="warning",
                )

    def _who(self) -> str:
        """``user@host:port`` of the replica the stream is on (the first hub before it
        is known); just the hub before the hub has said who our token is."""
        hub = self.state.status.replica or hub_label(self.settings.hub_url)
        identity = self.session.identity
        return f"{shown(identity.user)}@{hub}" if identity is not None else hub

    @work(exclusive=True, group="pii", exit_on_error=False)
    async def reveal_pii(self) -> None:
        """Show category B only once the hub has logged who asked (nothing shown before)."""
        async with self.session.hub() as hub:
            try:
                await hub.reveal_pii()
            except HubUnreachable:
                return  # asked again when the identity is fetched after a reconnect
            except HubRefused as error:
                self.notify(error.message, title="PII stays redacted", severity="warning")
                return
        set_redaction(self.settings.redacted_categories(pii_view_recorded=True))
        self.state.dirty.update(AREAS)
        self.notify(
            "PII of category B (e-mail, phone, address, name, birth date) is shown;"
            " the hub has logged that you turned its redaction off.",
            title="PII shown",
            severity="warning",
        )

    # -- public, for tests and snapshots ---------------------------------------

    def apply_envelope(self, data: dict[str, Any]) -> bool:
        """Apply one raw envelope as if it came from the stream, and redraw."""
        try:
            envelope = Envelope.from_dict(data)
        except ModelError:
            applied = self.state.apply_dict(data, self.clock())  # counted as bad
        else:
            applied = self._apply(envelope, self.clock())
        self.flush()
        return applied

    def set_connection(self, status: StreamStatus) -> None:
        """Set the connection status as if the stream client reported it, and redraw."""
        self.state.set_status(status, self.clock())
        self.flush()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast is plain text: messages quote the hub, alerts and people.

        ``markup`` is accepted for Textual's callers and ignored; PII is redacted
        and control characters are made visible, never sent to the terminal.
        """
        super().notify(
            shown(message, keep_newlines=True),
            title=shown(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    @property
    def stopping(self) -> bool:
        """Quitting, or shut down by a test harness: no more drawing.

        ``_shutdown`` marks the app not running first, then prunes the screens,
        and only then sets ``_closing``; ``exit()`` sets ``_exit``.
        """
        return self._exit or not self.is_running or self._closing

    def on_live_state_wanted(self, message: LiveStateWanted) -> None:
        if message.screen.is_attached and not self.stopping:
            show_live_state(message.screen, self.state, self.clock())

    def paced_flush(self) -> None:
        """The redraw timer: draw at the pacer's beat (``flush`` draws at once); while
        the stream is quiet, build some of the explorer's records kept unbuilt."""
        if self._quiet:
            self.session.events.build(BUILD_WHEN_QUIET)
        self._quiet = True
        self.flush(paced=True)
        if self._settle == "drawn" or self.settled:
            self._settled()

    def _settled(self) -> None:
        """Once the first snapshot is drawn in full, what is alive then (the state, the
        tables' rows, the widgets) lives about as long as the console: freeze it; and
        again each time a table was filled with many new rows (``A`` lists 5,000 agents).

        With 5,000 agents that is ~400,000 objects, and every full collection of the
        garbage collector walked them all (0.15-0.7 s, several times a minute while
        the fleet heartbeats: the keys that landed in one waited for it). Frozen, they
        are left out of collections; garbage among them is still freed by its count,
        but a cycle among them waits until the console ends (``on_unmount`` thaws
        them). A re-sync's snapshot is not frozen, unless it filled a table anew.
        """
        fills = sum(table.fills for table in self.dashboard.query(KeyedTable))
        if self.settled and fills == self._fills_frozen:
            return
        self._settle = ""
        self.settled = True
        self._fills_frozen = fills
        gc.freeze()

    def flush(self, *, paced: bool = False) -> None:
        """Draw what changed since the last flush (and the clock once a second);
        with ``paced``, only what the redraw's beat says is due now."""
        if self.stopping:
            return  # the screens' widgets are being removed under the timer
        now = self.clock()
        self._flush_killswitch(now)
        for screen in self.screen_stack:
            if isinstance(screen, DetailScreen) and screen.is_attached:
                show_live_state(screen, self.state, now)  # its bar sets only what changed
        dirty = self.state.take_dirty()
        second = int(now.timestamp())
        if second != self._shown_second:
            self._shown_second = second
            dirty.add("clock")
        if not self.dashboard.ready:
            self.state.dirty |= dirty
            return
        if paced and not self.dashboard.layout_changed:
            dirty, later = self.pacer.split(dirty)
            self.state.dirty |= later  # drawn at their beat
            if not dirty:
                return
        if not dirty and not self.dashboard.layout_changed:
            return
        started = perf_counter()
        with self.batch_update():
            self.dashboard.show_state(self.state, now, dirty)
            for screen in self.screen_stack:
                if isinstance(screen, IncidentScreen | AlertDetail):
                    try:
                        screen.show_state(self.state, now, dirty)
                    except NoMatches:
                        # Shutdown prunes a screen's widgets before the screen itself
                        # closes, so a timer tick can find it half removed.
                        if not self.stopping:
                            raise
        self.pacer.drew(perf_counter() - started, dirty)
        if self._settle == "applied":
            self._settle = "drawn"

    def _flush_killswitch(self, now: datetime) -> None:
        """Containment timeouts, the 30-second rule on the dashboard, the kill-switch screens."""
        if self.killswitch.tick(now) and self.connect:
            self.reconcile_switches()
        if self.dashboard.ready:
            self.dashboard.show_violations(self.killswitch.violations(now))
        if isinstance(self.screen, KillswitchScreen | RestoreScreen):
            self.screen.refresh_state(now)

    @work(exclusive=True, group="killswitch-reconcile", exit_on_error=False)
    async def reconcile_switches(self) -> None:
        """UNKNOWN kill-switch actions, checked against the hub's pack status."""
        async with self.session.hub() as hub:
            await self.killswitch.reconcile(hub)

    # -- actions --------------------------------------------------------------

    def action_killswitch(self) -> None:
        """``k``: the kill-switch screen, the incident's pack preselected.

        The incident is the one on screen, or the one selected on the dashboard.
        """
        screen = self.screen
        selected = (
            screen.incident_id
            if isinstance(screen, IncidentScreen)
            else self.dashboard.selected_incident()
        )
        incident = self.state.incidents.get(selected or "")
        pack = incident.packs[0] if incident is not None and incident.packs else None
        self.push_screen(KillswitchScreen(self.session, incident.id if incident else None, pack))

    def action_runbook(self) -> None:
        """The runbook's text: the hub's, else the copy shipped with warroom."""
        if not isinstance(self.screen, RunbookView):
            self.push_screen(RunbookView(self.session.runbook.markdown))

    def action_help(self) -> None:
        """Open the help screen listing the keys of the screen in front."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(screen_keys(self, self.screen)))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Keys and what the dashboard's words mean", self.action_help)
        yield SystemCommand(
            "Runbook", "The incident response runbook, offline (R)", self.action_runbook
        )
        if screen is self.dashboard:
            for name in PANELS:
                yield SystemCommand(
                    f"Focus {name}",
                    f"Move the keyboard to the {name} panel",
                    partial(self.dashboard.action_focus_panel, name),
                )
