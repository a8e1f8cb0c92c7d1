"""The guided restore after a global stop (walkthrough 2, step 4).

With the global switch engaged no pack runs whatever its own switch says, so
the global switch cannot simply be released: every pack would start at once.
The screen walks the plan of :class:`services.console.restore_plan.RestorePlan` —
hold every pack, release the global switch once they are stable (or with a
recorded override), then re-enable packs one at a time, each watched with a
countdown before the next is offered. The incident's pack stays off unless
chosen back in. Each step is a typed confirmation.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from services.console.restore_plan import RestorePlan, RestoreStep
from services.domain.timeutil import format_duration, parse_optional
from tui.screens.confirm_stop import ConfirmStop
from tui.screens.live_state import FROZEN_ID, show_live_state
from tui.session import Session
from widgets.connection_bar import ConnectionBar
from widgets.fit_footer import FitFooter
from widgets.killswitch_warning import KillswitchWarning
from widgets.safe_text import safe_text

__all__ = ["RestoreScreen"]

HOLD_PHRASE = "HOLD PACKS"
RELEASE_PHRASE = "RELEASE GLOBAL"
OVERRIDE = "override: "
HOW = (
    "With the global switch engaged no pack runs, whatever its own switch says. So:\n"
    " 1. hold: switch every pack off (nothing changes yet)\n"
    " 2. release the global switch once every pack is held and its agents stopped\n"
    "    (or with an override, recorded)\n"
    " 3. re-enable packs one at a time, each watched for {watch} before the next;\n"
    "    an alert in the watched pack flags it"
)


class RestoreScreen(Screen[None]):
    """One guided restore; each pack is watched for ``settings.restore_watch_s``."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="restore.back"),
        Binding("q", "app.quit", "Quit", id="restore.quit"),
        Binding("n", "next", "Next step", id="restore.next"),
        Binding("o", "override", "Override", id="restore.override"),
        Binding("i", "include", "Keep off / bring back", id="restore.include"),
    ]
    # The footer's order and its labels at narrow widths (widgets/fit_footer.py).
    KEY_HINTS: ClassVar[dict[str, tuple[int, str]]] = {
        "restore.next": (1, "Next"),
        "restore.include": (2, "Keep/bring"),
        "restore.override": (3, "Override"),
        "restore.back": (4, "Back"),
        "restore.quit": (5, "Quit"),
    }

    def __init__(self, session: Session, incident_id: str | None) -> None:
        super().__init__()
        self.session = session
        self.incident_id = incident_id
        self.plan: RestorePlan | None = None
        self.step = RestoreStep("hold")
        self._kept: set[str] = set()

    @property
    def watch_s(self) -> float:
        """How long each re-enabled pack is watched (the console's setting)."""
        return self.session.settings.restore_watch_s

    def compose(self) -> ComposeResult:
        yield ConnectionBar(id="restore-conn")
        yield Static(id=FROZEN_ID, markup=False)
        yield KillswitchWarning(id="ks-warning")
        yield Static(id="restore-how", markup=False)
        yield Static(id="restore-plan", markup=False)
        yield Static(id="restore-next", markup=False)
        yield FitFooter()

    def on_mount(self) -> None:
        state = self.session.state
        incident = state.incidents.get(self.incident_id or "")
        self._kept = set(incident.packs) if incident else set()
        self.plan = RestorePlan(list(state.packs), set(self._kept), watch_s=self.watch_s)
        self.query_one("#restore-how", Static).update(
            Text(HOW.format(watch=format_duration(self.watch_s, round_up=True)), end="")
        )
        self.refresh_state(self.session.clock())

    def refresh_state(self, now: datetime) -> None:
        """Recompute the next step from the stream's state and redraw."""
        plan = self.plan
        if plan is None or not self.query("#restore-next"):
            return
        control = self.session.killswitches
        state = self.session.state
        show_live_state(self, state, now)
        hub_now = state.data_now(now)  # frozen while STALE: the watch does not count on
        alerts = []
        for alert in state.alerts.values():
            if alert.status == "firing":
                try:
                    seen = parse_optional(alert.last_seen_at or alert.started_at)
                except ValueError:
                    seen = None
                alerts.append((alert.pack, alert.title, seen))
        plan.note_alerts(alerts)
        pack_enabled = {s.pack: s.enabled for s in state.pack_summaries()}
        stopped = control.stopped_packs()  # by the stop rule, as the hub counts them
        glob = state.global_switch()
        self.step = plan.next_step(glob is None or glob.enabled, pack_enabled, stopped, hub_now)
        self.query_one(KillswitchWarning).show(control.violations(now))
        self.query_one("#restore-plan", Static).update(self._plan_text(plan))
        self.query_one("#restore-next", Static).update(self._next_text(self.step))
        self.refresh_bindings()

    def _plan_text(self, plan: RestorePlan) -> Text:
        text = Text("Order: ", style="bold", end="")
        for index, pack in enumerate(plan.order):
            if index:
                text.append(" · ")
            mark = " ✓" if pack in plan.enabled else ""
            if pack == plan.watching and pack in plan.flagged:
                mark = " (FLAGGED)"
            elif pack == plan.watching and self.step.kind == "wait":
                mark = " (watching)"  # only while its watch runs; then it is done: ✓
            text.append_text(safe_text(pack + mark))
        if plan.keep_off:
            text.append("\nKept off: ", style="bold")
            text.append_text(safe_text(", ".join(sorted(plan.keep_off))))
            text.append(" (the incident's pack; i brings it back in)")
        return text

    def _next_text(self, step: RestoreStep) -> Text:
        packs = ", ".join(step.packs)
        left = format_duration(step.seconds_left, round_up=True)
        words = {
            "hold": f"Next (n): hold — switch off {packs}",
            "release": "Next (n): release the global switch"
            + (f" — not stable: {packs} (o: override)" if step.packs else " — every pack is held"),
            "wait": f"Watching {packs}: next pack offered in {left}",
            "flagged": f"FLAGGED: an alert in {packs} during its watch: {step.detail} "
            "(o: override and go on)",
            "enable": f"Next (n): re-enable {packs}",
            "done": "Restore complete: every pack in the order is back.",
        }
        return safe_text(words[step.kind], "bold")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that do something now are shown."""
        kind = self.step.kind
        if action == "next":
            return kind in ("hold", "release", "enable") and not (
                kind == "release" and self.step.packs
            )
        if action == "override":
            return kind == "flagged" or (kind == "release" and bool(self.step.packs))
        if action == "include":
            return bool(self._kept)
        return True

    # -- actions -------------------------------------------------------------------------

    def action_back(self) -> None:
        """Back to the kill-switch screen (the plan is lost; switches are as they are)."""
        self.dismiss(None)

    def action_include(self) -> None:
        """Bring the incident's packs back into the order, or keep them off again."""
        if self.plan is not None:
            for pack in self._kept:
                self.plan.toggle_keep_off(pack)
            self.refresh_state(self.session.clock())

    def action_next(self) -> None:
        """Offer the next step as a typed confirmation."""
        control = self.session.killswitches
        step = self.step
        incident = self.incident_id
        if step.kind == "hold":
            packs = step.packs

            def hold(reason: str) -> None:
                for pack in packs:
                    control.set_switch(pack, False, reason, incident)

            title = f"Hold {len(packs)} packs before releasing the global switch"
            reason = "restore: hold packs before releasing the global switch"
            self.app.push_screen(ConfirmStop(title, HOLD_PHRASE, reason, hold))
        elif step.kind == "release":
            self._release("restore: every pack held and stopped", "")
        elif step.kind == "enable":
            pack = step.packs[0]

            def enable(reason: str) -> None:
                if control.set_switch(pack, True, reason, incident) and self.plan:
                    self.plan.note_enabled(pack, self.session.hub_now())

            watch = format_duration(self.watch_s, round_up=True)
            title = f"Re-enable {pack}; it is watched for {watch}"
            self.app.push_screen(ConfirmStop(title, pack, f"restore: re-enable {pack}", enable))

    def _release(self, reason: str, prefix: str) -> None:
        control = self.session.killswitches
        incident = self.incident_id
        title = "Release the global switch (held packs stay off)"

        def release(given: str) -> None:
            control.set_switch(None, True, given, incident)

        self.app.push_screen(
            ConfirmStop(title, RELEASE_PHRASE, reason, release, require_reason_prefix=prefix)
        )

    def action_override(self) -> None:
        """Go on without the plan's condition, with a reason recorded as ``override: …``."""
        if self.step.kind == "release":
            self._release(OVERRIDE, OVERRIDE)
        elif self.step.kind == "flagged" and self.plan is not None:
            plan = self.plan
            pack = self.step.packs[0]

            def carry_on(reason: str) -> None:
                plan.override(reason)
                # Recorded like every action, in the console's local audit.
                self.session.killswitches.record_override(pack, reason)

            title = f"Go on although {pack} alerted during its watch"
            self.app.push_screen(
                ConfirmStop(title, pack, OVERRIDE, carry_on, require_reason_prefix=OVERRIDE)
            )
