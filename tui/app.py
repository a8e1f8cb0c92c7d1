"""The warroom console: a Textual app around the hub's event stream.

The stream runs in an async worker that posts typed messages
(:mod:`tui.messages`); their handlers apply envelopes to :class:`ConsoleState`
and nothing else. A timer flushes the areas that changed to the dashboard a
few times a second inside ``batch_update``, so an alert storm costs one
redraw per tick, not one per alert, and the keyboard stays responsive.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache, partial
from typing import Any, ClassVar
from urllib.parse import urlsplit

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from services.console.hub_client import HubClient, HubRefused, HubUnreachable
from services.console.outbox import Delivery, Outbox
from services.console.settings import ConsoleSettings
from services.console.state import ConsoleState, StreamStatus
from services.console.stream_client import MAX_DELAY_S, StreamClient
from services.domain.models import Envelope
from services.domain.redaction import redact
from services.domain.textsafe import make_visible
from services.domain.timeutil import Clock, utcnow
from storage.console_store import ConsoleStore, ConsoleStoreLocked, OutboxItem
from tui.killswitch_control import KillswitchControl
from tui.messages import ConnectionChanged, EnvelopeReceived, IdentityKnown, OutboxDelivered
from tui.screens.dashboard import PANELS, DashboardScreen
from tui.screens.help import HelpScreen
from tui.screens.incident import IncidentScreen
from tui.screens.killswitch import KillswitchScreen
from tui.screens.restore import RestoreScreen

__all__ = ["FLUSH_INTERVAL_S", "WarroomApp"]

# Redraws per second at most; the state absorbs everything in between.
FLUSH_INTERVAL_S = 0.25
STREAM_RESTART_S = 2.0
# How often unanswered actions are tried again while the stream is live.
OUTBOX_RETRY_S = 5.0


@lru_cache(maxsize=4096)
def redact_cached(text: str) -> str:
    """PII categories A and B redacted; titles repeat, so each is scanned once."""
    return redact(text)


def hub_label(hub_url: str) -> str:
    """``http://10.0.0.5:8080/`` → ``10.0.0.5:8080``."""
    return urlsplit(hub_url).netloc or hub_url


class WarroomApp(App[None]):
    """The console. ``connect=False`` leaves the hub alone (snapshot tests feed envelopes)."""

    CSS_PATH = "app.tcss"
    TITLE = "warroom"
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
    ) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.connect = connect
        self.backoff_cap = backoff_cap
        self.state = ConsoleState(stale_after_heartbeats=settings.stale_after_heartbeats)
        """Everything the console knows; tests read it directly."""
        self.identity: IdentityKnown | None = None
        # --redact: alert and incident titles and switch reasons lose their PII.
        self.dashboard = DashboardScreen(text_filter=redact_cached if settings.redact else None)
        self._stream: StreamClient | None = None
        self._shown_second: int | None = None
        self.outbox: Outbox | None = None
        """Actions journalled before sending; ``None`` when not connected or not writable."""
        self.outbox_problem: str | None = None
        self._hub: HubClient | None = None
        self.killswitch = KillswitchControl(self)
        """Kill-switch actions and what the hub says about stops (issue 4)."""

    # -- lifecycle ------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return self.dashboard

    def on_mount(self) -> None:
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.dashboard.set_who(hub_label(self.settings.hub_url))
        self.set_interval(FLUSH_INTERVAL_S, self.flush)
        self.flush()
        if self.connect:
            self._open_outbox()
            self.run_stream()
            self.fetch_identity()
            self.flush_outbox()  # what a console killed earlier had not delivered
            self.set_interval(OUTBOX_RETRY_S, self._retry_outbox)

    def _open_outbox(self) -> None:
        """The journal every action is written to before it is sent."""
        try:
            store = ConsoleStore(self.settings.data_dir)
        except (ConsoleStoreLocked, OSError) as error:
            self.outbox_problem = str(error)
            self.notify(
                f"{error}. Actions are disabled so nothing typed can be lost.",
                title="No journal",
                severity="error",
                timeout=30,
            )
            return
        self._hub = HubClient(self.settings.hub_url, self.settings.token)
        self.outbox = Outbox(store, self._hub, self.clock)
        self.outbox.subscribe(self._post_delivery)

    def _post_delivery(self, delivery: Delivery) -> None:
        self.post_message(OutboxDelivered(delivery))

    async def on_unmount(self) -> None:
        if self._hub is not None:
            await self._hub.aclose()
        if self.outbox is not None:
            self.outbox.store.close()

    def submit_action(
        self, kind: str, path: str, body: dict[str, Any], *, incident_id: str | None = None
    ) -> OutboxItem | None:
        """Journal an action (fsync'd), then send it; ``None`` (and said why) when impossible."""
        if self.outbox is None:
            reason = self.outbox_problem or "the console is not connected to a hub"
            self.notify(reason, title="Not sent", severity="error")
            return None
        item = self.outbox.submit(kind, path, body, incident_id=incident_id)
        self.flush_outbox()
        return item

    @work(group="outbox", exit_on_error=False)
    async def flush_outbox(self) -> None:
        """Send what is pending, in order (the outbox allows one flush at a time)."""
        if self.outbox is not None:
            await self.outbox.flush()

    def _retry_outbox(self) -> None:
        if self.outbox is not None and self.state.status.state == "live" and self.outbox.pending():
            self.flush_outbox()

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
        # An incident screen shows our notes pending, then confirmed or refused.
        self.state.dirty.add("timeline")

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def run_stream(self) -> None:
        """Keep the stream connected for the app's lifetime (resuming from the state's seq)."""
        self._stream = StreamClient(
            self.settings.ws_url,
            self.settings.token,
            on_envelope=self._post_envelope,
            on_status=self._post_status,
            resume_from=self.state.last_seq,
            max_delay=self.backoff_cap,
        )
        await self._stream.run()

    def _post_status(self, status: StreamStatus) -> None:
        self.post_message(ConnectionChanged(status))

    def _post_envelope(self, envelope: Envelope) -> None:
        self.post_message(EnvelopeReceived(envelope, self.clock()))

    @work(exclusive=True, group="identity", exit_on_error=False)
    async def fetch_identity(self) -> None:
        """Ask the hub who our token is; a refusal is said once, loudly."""
        async with HubClient(self.settings.hub_url, self.settings.token) as hub:
            try:
                me = await hub.whoami()
            except HubUnreachable:
                return  # the connection bar already says so; retried when live
            except HubRefused as error:
                self.notify(error.message, title="Hub refused the token", severity="error")
                return
        permissions = tuple(str(p) for p in me.get("permissions", []))
        two_person = me.get("two_person_global") is True
        user, role = str(me.get("user", "?")), str(me.get("role", "?"))
        self.post_message(IdentityKnown(user, role, permissions, two_person))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A stream worker that died of a bug is reported and restarted, never left dead."""
        if event.worker.group == "stream" and event.state == WorkerState.ERROR:
            self.notify(f"stream client failed: {event.worker.error!r}", severity="error")
            self.set_timer(STREAM_RESTART_S, self.run_stream)

    # -- messages from the worker ----------------------------------------------

    def on_envelope_received(self, message: EnvelopeReceived) -> None:
        """Apply one envelope to the state (drawing waits for the next flush)."""
        self.state.apply(message.envelope, message.received_at)
        self.killswitch.on_envelope(message.envelope, message.received_at)

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        """Record the stream's status; say so when a re-sync happened."""
        resyncs = self.state.status.counters.resyncs
        self.state.set_status(message.status, self.clock())
        if message.status.counters.resyncs > resyncs:
            self.notify("Missed events were re-synced from the hub.", title="RESYNCED")
        if message.status.state == "live" and self.connect:
            if self.identity is None:
                self.fetch_identity()
            if self.outbox is not None and self.outbox.pending():
                self.flush_outbox()  # back online: deliver what waited

    def on_dashboard_screen_ready(self, _: DashboardScreen.Ready) -> None:
        """Draw what arrived before the dashboard was mounted."""
        self.flush()

    def on_identity_known(self, message: IdentityKnown) -> None:
        """Show ``user@hub`` in the connection bar."""
        self.identity = message
        who = f"{message.user}@{hub_label(self.settings.hub_url)}"
        self.dashboard.set_who(who)

    # -- public, for tests and snapshots ---------------------------------------

    def apply_envelope(self, data: dict[str, Any]) -> bool:
        """Apply one raw envelope as if it came from the stream, and redraw."""
        applied = self.state.apply_dict(data, self.clock())
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

        ``markup`` is accepted for Textual's callers and ignored; control
        characters are made visible, never sent to the terminal.
        """
        super().notify(
            make_visible(message, keep_newlines=True),
            title=make_visible(title),
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

    def flush(self) -> None:
        """Draw what changed since the last flush (and the clock once a second)."""
        if self.stopping:
            return  # the screens' widgets are being removed under the timer
        now = self.clock()
        self._flush_killswitch(now)
        dirty = self.state.take_dirty()
        second = int(now.timestamp())
        if second != self._shown_second:
            self._shown_second = second
            dirty.add("clock")
        if not self.dashboard.ready:
            self.state.dirty |= dirty
            return
        if not dirty and not self.dashboard.layout_changed:
            return
        with self.batch_update():
            self.dashboard.show_state(self.state, now, dirty)
            for screen in self.screen_stack:
                if isinstance(screen, IncidentScreen):
                    try:
                        screen.show_state(self.state, now, dirty)
                    except NoMatches:
                        # Shutdown prunes a screen's widgets before the screen itself
                        # closes, so a timer tick can find it half removed.
                        if not self.stopping:
                            raise

    def _flush_killswitch(self, now: datetime) -> None:
        """Containment timeouts, the 30-second rule on the dashboard, the kill-switch screens."""
        self.killswitch.tick(now)
        if self.dashboard.ready:
            self.dashboard.show_violations(self.killswitch.violations(now))
        if isinstance(self.screen, KillswitchScreen | RestoreScreen):
            self.screen.refresh_state(now)

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
        self.push_screen(KillswitchScreen(incident.id if incident else None, pack))

    def action_help(self) -> None:
        """Open the help screen listing the keys of the screen in front."""
        if isinstance(self.screen, HelpScreen):
            return
        keys: list[tuple[str, str]] = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            # Shown bindings are the screen's actions; the tables' own
            # navigation keys are summed up in one line below.
            if binding.show and binding.description:
                entry = (self.get_key_display(binding), binding.description)
                if entry not in keys:
                    keys.append(entry)
        keys.append(("↑ ↓ pgup pgdn", "Move in the focused table"))
        keys.append((self.get_key_display(Binding("ctrl+p", "", "")), "Command palette"))
        self.push_screen(HelpScreen(keys))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Keys and what the dashboard's words mean", self.action_help)
        if screen is self.dashboard:
            for name in PANELS:
                yield SystemCommand(
                    f"Focus {name}",
                    f"Move the keyboard to the {name} panel",
                    partial(self.dashboard.action_focus_panel, name),
                )
