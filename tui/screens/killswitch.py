"""``k``: the kill-switch screen — the global switch, then every pack.

Each row says the switch in words, who changed it, when and why, the agents
running, and this console's latest action on it in its state (REQUESTED,
APPLIED, CONFIRMED …, UNKNOWN). Every change goes through :class:`ConfirmStop`
(the target's name typed out); without the permission the bindings are absent
and the panel says why. The app redraws the screen a few times a second.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from services.domain.models import GLOBAL, category_label
from services.domain.timeutil import format_duration, parse_optional
from tui.screens.audit import AuditScreen
from tui.screens.confirm_stop import ConfirmStop
from tui.screens.incident_keys import write_note
from tui.screens.live_state import FROZEN_ID, show_live_state
from tui.screens.restore import RestoreScreen
from tui.session import Session
from widgets.connection_bar import ConnectionBar
from widgets.fit_footer import FitFooter
from widgets.killswitch_panel import KillswitchPanel
from widgets.killswitch_warning import KillswitchWarning
from widgets.safe_text import safe_text

__all__ = ["STOP_ALL", "KillswitchScreen"]

STOP_ALL = "STOP ALL"
# Which permission each action needs; without it the binding is absent.
NEEDS = {
    "stop_pack": "killswitch.pack",
    "enable_pack": "killswitch.pack",
    "stop_global": "killswitch.global",
    "confirm_global": "killswitch.global",
    "restore": "killswitch.global",
}


class KillswitchScreen(Screen[None]):
    """The switches; ``incident_id``'s pack is preselected."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="killswitch.back"),
        Binding("q", "app.quit", "Quit", id="killswitch.quit"),
        Binding("question_mark", "app.help", "Help", id="killswitch.help"),
        Binding("s", "stop_pack", "Stop pack", id="killswitch.stop_pack"),
        Binding("e", "enable_pack", "Re-enable pack", id="killswitch.enable_pack"),
        Binding("G", "stop_global", "Global stop", id="killswitch.stop_global"),
        Binding("c", "confirm_global", "Confirm global stop", id="killswitch.confirm_global"),
        Binding("r", "restore", "Guided restore", id="killswitch.restore"),
        Binding("a", "audit", "Audit", id="killswitch.audit"),
        Binding("n", "note", "Note", id="killswitch.note"),
    ]
    # The footer's order and its labels at narrow widths (widgets/fit_footer.py).
    KEY_HINTS: ClassVar[dict[str, tuple[int, str]]] = {
        "killswitch.stop_pack": (1, "Stop"),
        "killswitch.enable_pack": (2, "Enable"),
        "killswitch.stop_global": (3, "Global"),
        "killswitch.confirm_global": (4, "Confirm"),
        "killswitch.restore": (5, "Restore"),
        "killswitch.note": (6, "Note"),
        "killswitch.audit": (7, "Audit"),
        "killswitch.back": (8, "Back"),
        "killswitch.quit": (9, "Quit"),
    }

    def __init__(self, session: Session, incident_id: str | None, pack: str | None) -> None:
        super().__init__()
        self.session = session
        self.incident_id = incident_id
        self.preselect = pack
        self._offer: tuple[object, ...] = ()
        # The row to select once it is drawn: the panel may have no rows at mount.
        self._pending_select: str | None = f"pack:{pack}" if pack else GLOBAL

    def compose(self) -> ComposeResult:
        yield ConnectionBar(id="ks-conn")
        yield Static(id=FROZEN_ID, markup=False)
        yield KillswitchWarning(id="ks-warning")
        yield Static(id="ks-global", markup=False)
        yield Static(id="ks-lock", markup=False)
        yield KillswitchPanel(id="ks-panel")
        yield Static(id="ks-detail", markup=False)
        yield FitFooter()

    def on_mount(self) -> None:
        panel = self.query_one(KillswitchPanel)
        panel.border_title = "Kill switches"
        if self.incident_id:
            panel.border_title += f" · {self.incident_id}"
        self.refresh_state(self.session.clock())
        panel.focus()

    # -- drawing ---------------------------------------------------------------

    def refresh_state(self, now: datetime) -> None:
        """Redraw from the session's state and its kill switches."""
        if not self.query(KillswitchPanel):
            return  # not composed yet, or torn down as the app exits
        control = self.session.killswitches
        state = self.session.state
        show_live_state(self, state, now)
        self.query_one(KillswitchWarning).show(control.violations(now))
        panel = self.query_one(KillswitchPanel)
        actions, running = control.latest_actions(), control.running_counts()
        panel.show(state.global_switch(), state.pack_summaries(), actions, running, now)
        if self._pending_select is not None and self._pending_select in panel.keys:
            panel.select(self._pending_select)
            self._pending_select = None
        self.query_one("#ks-global", Static).update(self._global_text(now))
        lock = control.lock_reason()
        lock_label = self.query_one("#ks-lock", Static)
        lock_label.update(Text(lock, end=""))
        lock_label.display = bool(lock)
        # The keys on offer depend on these; the footer follows when they change.
        pending = control.tracker.pending_global
        offer = (lock, state.global_engaged, pending.get("id") if pending else None)
        if offer != self._offer:
            self._offer = offer
            self.refresh_bindings()
        self.query_one("#ks-detail", Static).update(self._detail_text())

    def _global_text(self, now: datetime) -> Text:
        session = self.session
        state = session.state
        text = Text(end="")
        engaged = state.global_engaged
        text.append("GLOBAL: ", style="bold")
        text.append("STOPPED — no pack runs" if engaged else "on — packs run by their own switch")
        pending = session.killswitches.tracker.pending_global
        if pending is not None:
            try:
                expires = parse_optional(str(pending.get("expires_at")))
            except ValueError:
                expires = None
            # Frozen while STALE: the expiry does not count down on old data.
            left = (expires - state.data_now(now)).total_seconds() if expires else 0.0
            mine = session.identity is not None and pending.get("requested_by") == session.me
            text.append("\n")
            if mine:
                text.append("global stop: waiting for a second operator ")
                text.append(f"(expires in {format_duration(left)})")
            else:
                text.append("PENDING global stop requested by ", style="bold")
                text.append_text(safe_text(pending.get("requested_by"), max_length=40))
                text.append(": ")
                text.append_text(safe_text(pending.get("reason"), max_length=120))
                text.append(f" (expires in {format_duration(left)}) — c to confirm")
        return text

    def _detail_text(self) -> Text:
        key = self.query_one(KillswitchPanel).selected_key()
        action = self.session.killswitches.latest_actions().get(key or "")
        if action is None:
            return Text("", end="")
        text = Text(f"{action.target} {action.verb}: ", end="")
        steps = []
        for phase, at in action.history:
            steps.append(f"{phase.value} +{action.elapsed(at) or 0.0:.2f} s")
        text.append(" → ".join(steps))
        return text

    # -- what may be done ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Absent without the permission (the panel says why); confirm only with a pending stop."""
        session = self.session
        needed = NEEDS.get(action)
        if needed is not None and not session.may(needed):
            return False
        if action == "confirm_global":
            pending = session.killswitches.tracker.pending_global
            identity = session.identity
            return pending is not None and (
                identity is None or pending.get("requested_by") != identity.user
            )
        if action == "restore":
            return session.state.global_engaged
        if action == "note":
            # A note needs an incident to go on, and the right to write one.
            return self.incident_id is not None and session.may("incident.write")
        return True

    def action_note(self) -> None:
        """``n``: a note on the incident this screen was opened for."""
        if self.incident_id is not None:
            write_note(self, self.session, self.incident_id)

    def _selected_pack(self) -> str | None:
        key = self.query_one(KillswitchPanel).selected_key()
        return key.removeprefix("pack:") if key and key.startswith("pack:") else None

    def _prefill(self) -> str:
        incident = self.session.state.incidents.get(self.incident_id or "")
        if incident is None:
            return ""
        return f"{incident.id}: {category_label(incident.category)}"

    # -- actions -------------------------------------------------------------------------

    def action_back(self) -> None:
        """Back to the dashboard."""
        self.dismiss(None)

    def action_stop_pack(self) -> None:
        """Stop the selected pack, after its name is typed out."""
        pack = self._selected_pack()
        if pack is None:
            self.notify("Select a pack row (the global switch is G).", severity="warning")
            return
        control = self.session.killswitches
        self.app.push_screen(
            ConfirmStop(
                f"Stop pack {pack}: its agents end their running tasks",
                pack,
                self._prefill(),
                lambda reason: control.set_switch(pack, False, reason, self.incident_id),
            )
        )

    def action_enable_pack(self) -> None:
        """Re-enable the selected pack, after its name is typed out."""
        pack = self._selected_pack()
        if pack is None:
            self.notify("After a global stop use r, the guided restore.", severity="warning")
            return
        control = self.session.killswitches
        self.app.push_screen(
            ConfirmStop(
                f"Re-enable pack {pack}: its agents start again",
                pack,
                f"re-enable {pack}",
                lambda reason: control.set_switch(pack, True, reason, self.incident_id),
            )
        )

    def action_stop_global(self) -> None:
        """Stop every pack, after ``STOP ALL`` is typed out."""
        control = self.session.killswitches
        identity = self.session.identity
        warning = ""
        if identity is not None and identity.two_person_global:
            warning = "Two-person rule: a second operator must confirm from their own console."
        self.app.push_screen(
            ConfirmStop(
                "GLOBAL STOP: all agent execution in all packs",
                STOP_ALL,
                self._prefill(),
                lambda reason: control.set_switch(None, False, reason, self.incident_id),
                warning=warning,
            )
        )

    def action_confirm_global(self) -> None:
        """Second operator: confirm another's pending global stop, typing ``STOP ALL``."""
        control = self.session.killswitches
        pending = control.tracker.pending_global
        if pending is None:
            return
        request_id = str(pending.get("id"))
        self.app.push_screen(
            ConfirmStop(
                f"Confirm the global stop requested by {pending.get('requested_by')}",
                STOP_ALL,
                str(pending.get("reason") or ""),
                lambda reason: control.confirm_pending(request_id, reason),
            )
        )

    def action_restore(self) -> None:
        """The guided restore after a global stop."""
        self.app.push_screen(RestoreScreen(self.session, self.incident_id))

    def action_audit(self) -> None:
        """The hub's kill-switch audit, filtered to the selected target."""
        target = self.query_one(KillswitchPanel).selected_key()
        self.app.push_screen(AuditScreen(self.session, target))
