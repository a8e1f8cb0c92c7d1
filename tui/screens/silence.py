"""``x``: silence an alert, or an incident's firing alerts, in Alertmanager through the hub.

:class:`SilenceDialog` asks for a duration (``2h`` by default) and a comment and
dismisses with a :class:`SilenceRequest`; :func:`silence_key` posts it as a
``SubmitAction`` (journalled, then sent: nothing typed is lost while the hub is
down). ``x`` on an alert that is already silenced offers to expire its silence
instead (:class:`ExpireDialog`). Without ``silence.write`` the key is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static

from services.console.hub_client import hub_path
from services.console.silences import DEFAULT_DURATION, DurationError, parse_duration
from services.domain.models import Alert
from tui.messages import SubmitAction
from tui.session import Session
from widgets.safe_text import safe_text

__all__ = ["ExpireDialog", "SilenceDialog", "SilenceRequest", "silence_key"]


@dataclass(frozen=True)
class SilenceRequest:
    """What the dialog asked for."""

    minutes: int
    comment: str


class SilenceDialog(ModalScreen[SilenceRequest | None]):
    """Duration and comment; Enter in the comment silences, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="silence.cancel")]

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(id="silence-body", classes="dialog"):
            yield Static("For how long (e.g. 30m, 2h, 1d):", markup=False)
            yield Input(DEFAULT_DURATION, id="silence-duration")
            yield Static("Why (Alertmanager keeps it, with you and the incident):", markup=False)
            yield Input(placeholder="e.g. known, fix deploying", id="silence-comment")
            yield Static("", id="silence-problem", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Silence", id="silence-ok", variant="warning")
                yield Button("Cancel", id="silence-cancel")

    def on_mount(self) -> None:
        title = safe_text(f"Silence {self.target}", max_length=60).plain
        self.query_one("#silence-body").border_title = title
        self.query_one("#silence-comment", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#silence-ok")
    def _silence(self) -> None:
        problem = self.query_one("#silence-problem", Static)
        comment = self.query_one("#silence-comment", Input).value.strip()
        try:
            minutes = parse_duration(self.query_one("#silence-duration", Input).value)
        except DurationError as error:
            problem.update(safe_text(str(error)))
            self.query_one("#silence-duration", Input).focus()
            return
        if not comment:
            problem.update(safe_text("A comment is required: say why it is silenced."))
            self.query_one("#silence-comment", Input).focus()
            return
        self.dismiss(SilenceRequest(minutes, comment))

    @on(Button.Pressed, "#silence-cancel")
    def action_cancel(self) -> None:
        """Escape: nothing is silenced."""
        self.dismiss(None)


class ExpireDialog(ModalScreen[bool]):
    """``x`` on a silenced alert: expire its silence? Enter or ``y`` expires it."""

    BINDINGS = [
        Binding("escape,n", "cancel", "Keep it", id="expire.cancel"),
        Binding("y", "expire", "Expire", id="expire.ok"),
    ]

    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description

    def compose(self) -> ComposeResult:
        with Vertical(id="expire-body", classes="dialog"):
            yield Static(safe_text(self.description, keep_newlines=True, max_length=600))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Expire (y)", id="expire-ok", variant="warning")
                yield Button("Keep it (n)", id="expire-cancel")

    def on_mount(self) -> None:
        self.query_one("#expire-body").border_title = "Expire the silence?"
        self.query_one("#expire-ok", Button).focus()

    @on(Button.Pressed, "#expire-ok")
    def action_expire(self) -> None:
        """Expire it."""
        self.dismiss(True)

    @on(Button.Pressed, "#expire-cancel")
    def action_cancel(self) -> None:
        """Keep the silence."""
        self.dismiss(False)


def silence_key(
    screen: Screen[Any], session: Session, alert: Alert | None, incident_id: str | None
) -> None:
    """``x``: expire the alert's silence when it has one, else silence the alert (or,
    with no alert, every firing alert of ``incident_id``)."""
    if alert is not None and alert.silenced_by:
        silence = alert.silenced_by[0]
        until = f" until {silence.ends_at}" if silence.ends_at else ""
        text = f"{alert.title}\nsilenced by {silence.created_by}{until}: {silence.comment}"

        def expire(yes: bool | None) -> None:
            if yes:
                path = hub_path("api", "silences", silence.id, "expire")
                body = {"incident_id": alert.incident_id} if alert.incident_id else {}
                screen.post_message(SubmitAction("expire-silence", path, body, alert.incident_id))

        screen.app.push_screen(ExpireDialog(text), expire)
        return
    if alert is None and incident_id is None:
        screen.notify("Select an alert or an incident first.", severity="warning")
        return
    target = f"alert {alert.title}" if alert is not None else f"{incident_id}'s firing alerts"
    owner = alert.incident_id if alert is not None else incident_id

    def done(request: SilenceRequest | None) -> None:
        if request is None:
            return
        body: dict[str, Any] = {"minutes": request.minutes, "comment": request.comment}
        if alert is not None:
            body["fingerprint"] = alert.fingerprint
        else:
            body["incident_id"] = incident_id
        screen.post_message(SubmitAction("silence", hub_path("api", "silences"), body, owner))

    screen.app.push_screen(SilenceDialog(target), done)
