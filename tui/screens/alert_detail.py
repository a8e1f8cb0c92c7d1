"""Enter on an alert: everything it holds, live.

Labels, annotations, its state (who silenced it, why and until when; what inhibits
it; stale), repeats, first and last seen, its incident, and its links
(``runbook_url``, ``dashboard``, ``generator_url``, ``external_url``). Links are
plain text, never clickable markup from data: the highlighted one is copied with
``y`` (OSC 52, which reaches the laptop over SSH). The app calls
:meth:`AlertDetail.show_state` on each flush, so it follows the alert as it changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from services.console.silences import pending_silences
from services.console.state import ConsoleState
from services.domain.models import Alert
from services.domain.redaction import redact
from services.domain.timeutil import show_time
from tui.screens.incident_keys import selected_key
from tui.screens.live_state import show_live_state
from tui.screens.silence import silence_key
from tui.session import Session
from widgets.connection_bar import ConnectionBar
from widgets.fit_footer import FitFooter
from widgets.safe_text import safe_text

__all__ = ["AlertDetail", "alert_links"]

# Annotations that are links, in the order a responder wants them.
LINK_ANNOTATIONS = ("runbook_url", "dashboard", "dashboard_url", "grafana_url")


def alert_links(alert: Alert) -> list[tuple[str, str]]:
    """(name, url) of every link the alert carries, runbook first."""
    links = [
        (name, alert.annotations[name]) for name in LINK_ANNOTATIONS if name in alert.annotations
    ]
    links += [
        (name, value)
        for name, value in sorted(alert.annotations.items())
        if name not in LINK_ANNOTATIONS and value.startswith(("http://", "https://"))
    ]
    if alert.generator_url:
        links.append(("generator_url", alert.generator_url))
    if alert.external_url:
        links.append(("external_url", alert.external_url))
    return links


class AlertDetail(Screen[None]):
    """One alert, everything it holds; ``y`` copies the highlighted link."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="alert.back"),
        Binding("q", "app.quit", "Quit", id="alert.quit"),
        Binding("y", "copy_link", "Copy link", id="alert.copy"),
        Binding("x", "silence", "Silence", id="alert.silence"),
        Binding("question_mark", "app.help", "Help", id="alert.help"),
    ]

    KEY_HINTS: ClassVar[dict[str, tuple[int, str]]] = {
        "alert.copy": (1, "Copy"),
        "alert.silence": (2, "Silnc"),
        "alert.back": (3, "Back"),
        "alert.quit": (4, "Quit"),
    }

    def __init__(self, session: Session, fingerprint: str) -> None:
        super().__init__()
        self.session = session
        self.fingerprint = fingerprint
        self._shown: str | None = None
        self._links: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield ConnectionBar(id="ad-conn")
        with VerticalScroll(id="ad-scroll"):
            yield Static(id="ad-body", markup=False)
        table: DataTable[Text] = DataTable(id="ad-links", cursor_type="row")
        yield table
        yield FitFooter()

    def on_mount(self) -> None:
        table = self.query_one("#ad-links", DataTable)
        table.add_columns("Link", "URL (y copies)")
        table.border_title = "Links"
        table.focus()
        self.show_state(self.session.state, self.session.clock(), {"alerts"})

    def alert(self) -> Alert | None:
        """The alert as the console knows it now."""
        return self.session.state.alerts.get(self.fingerprint)

    def _text(self, value: str) -> str:
        return redact(value) if self.session.settings.redact else value

    def show_state(self, state: ConsoleState, now: datetime, dirty: set[str]) -> None:
        """Redraw when the alert (or what waits in the outbox) changed."""
        if not self.is_attached:
            return
        show_live_state(self, state, now)  # LIVE / RECONNECTING / STALE, here too
        if not dirty & {"alerts", "timeline"}:
            return
        alert = state.alerts.get(self.fingerprint)
        body = self.describe(alert, state)
        if body.plain != self._shown:  # touch the terminal only when something changed
            self._shown = body.plain
            self.query_one("#ad-body", Static).update(body)
        links = alert_links(alert) if alert is not None else []
        if links != self._links:
            self._links = links
            table = self.query_one("#ad-links", DataTable)
            table.clear()
            for name, url in links:
                table.add_row(safe_text(name), safe_text(self._text(url)), key=name)
            table.display = bool(links)
        self.refresh_bindings()

    def describe(self, alert: Alert | None, state: ConsoleState) -> Text:
        """Everything the alert holds, as plain text (untrusted values never markup)."""
        if alert is None:
            return safe_text(f"Alert {self.fingerprint}: not known to this console (yet).")
        out = Text(end="")

        def line(label: str, value: object, max_length: int = 400) -> None:
            out.append(f"{label:<13}", style="bold")
            out.append_text(safe_text(value, max_length=max_length))
            out.append("\n")

        out.append_text(safe_text(f"{alert.severity} ", "bold"))
        out.append_text(safe_text(self._text(alert.title), "bold", max_length=300))
        out.append("\n\n")
        outbox = self.session.outbox
        pending = pending_silences(outbox.pending(saving_too=True), state.alerts) if outbox else {}
        shown_state = alert.state
        if alert.fingerprint in pending:
            shown_state += f" ({pending[alert.fingerprint]}: waiting for the hub)"
        line("State", shown_state)
        for silence in alert.silenced_by:
            who = f"{silence.created_by or 'someone'} until {show_time(silence.ends_at) or '?'}"
            line("Silenced by", f"{who}: {self._text(silence.comment)} (silence {silence.id})")
        if alert.inhibited_by:
            line("Inhibited by", ", ".join(alert.inhibited_by))
        if alert.stale:
            every = (
                f"{alert.repeat_interval_s:.0f} s" if alert.repeat_interval_s else "its interval"
            )
            line("Stale", f"not re-sent within {every}: it may have ended unseen")
        line("Repeats", f"\u00d7{alert.repeat_count}")
        now = state.hub_now(self.session.clock())
        line("First seen", show_time(alert.started_at, now))
        line("Last seen", show_time(alert.last_seen_at or alert.started_at, now))
        if alert.ended_at:
            line("Ended", show_time(alert.ended_at, now))
        incident = state.incidents.get(alert.incident_id or "")
        if incident is not None:
            line("Incident", f"{incident.id} · {incident.status} · {self._text(incident.title)}")
        else:
            line("Incident", alert.incident_id or "none")
        line("Source", " / ".join(p for p in (alert.source, alert.pack, alert.agent) if p))
        line("Fingerprint", alert.fingerprint)
        if alert.description:
            line("Description", self._text(alert.description), 2000)
        out.append("\nLabels\n", style="bold")
        for name, value in sorted(alert.labels.items()):
            out.append_text(safe_text(f"  {name}={self._text(value)}", max_length=300))
            out.append("\n")
        out.append("\nAnnotations\n", style="bold")
        for name, value in sorted(alert.annotations.items()):
            out.append_text(safe_text(f"  {name}: {self._text(value)}", max_length=2000))
            out.append("\n")
        if alert.group_key:
            out.append("\n")
            line("Group", alert.group_key, 300)
        return out

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``x`` is absent without ``silence.write``; ``y`` without a link."""
        if action == "silence":
            return self.session.may("silence.write") and self.alert() is not None
        if action == "copy_link":
            return bool(self._links)
        return True

    def action_copy_link(self) -> None:
        """Copy the highlighted link's URL (OSC 52: works over SSH)."""
        name = selected_key(self.query_one("#ad-links", DataTable))
        url = dict(self._links).get(name or "")
        if url is None:
            return
        self.app.copy_to_clipboard(url)
        self.notify(f"{name} copied to the clipboard (OSC 52).", title="Copied")

    def action_silence(self) -> None:
        """``x``: silence the alert, or expire its silence."""
        silence_key(self, self.session, self.alert(), None)

    def action_back(self) -> None:
        """Back to where it was opened from."""
        self.dismiss()
