"""The app's side of the console's journal: every action is written before it is sent.

:class:`ActionJournal` opens the outbox (one console per data folder), journals
each action (fsync'd) and sends what is pending in a worker, in order; each
outcome comes back to the app as an ``OutboxDelivered`` message. Without a
journal, actions are refused and the person is told why: nothing typed may be
lost.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from services.console.hub_client import HubClient
from services.console.outbox import Delivery, Outbox
from services.console.settings import journal_folder
from storage.console_store import ConsoleStore, ConsoleStoreLocked, OutboxItem
from tui.messages import OutboxDelivered
from tui.session import Session

__all__ = ["ActionJournal"]


class ActionJournal:
    """Opens the session's outbox, journals actions and sends them in workers of ``app``."""

    def __init__(self, app: App[Any], session: Session) -> None:
        self.app = app
        self.session = session
        self._hub: HubClient | None = None

    def open(self) -> None:
        """Open the journal every action is written to before it is sent."""
        session = self.session
        try:
            store = ConsoleStore(journal_folder(session.settings))
        except (ConsoleStoreLocked, OSError) as error:
            session.outbox_problem = str(error)
            self.app.notify(
                f"{error}. Actions are disabled so nothing typed can be lost.",
                title="No journal",
                severity="error",
                timeout=30,
            )
            return
        if store.recovery is not None:
            self.app.notify(
                f"The journal was damaged. {store.recovery}.",
                title="Journal recovered",
                severity="error",
                timeout=60,
            )
        self._hub = session.hub()
        outbox = session.outbox = Outbox(store, self._hub, session.clock)
        outbox.subscribe(self._delivered)

    def _delivered(self, delivery: Delivery) -> None:
        self.app.post_message(OutboxDelivered(delivery))

    async def close(self) -> None:
        """Close the hub client and the store (the app is unmounting)."""
        if self._hub is not None:
            await self._hub.aclose()
        if self.session.outbox is not None:
            self.session.outbox.store.close()

    def submit(
        self, kind: str, path: str, body: dict[str, Any], incident_id: str | None
    ) -> OutboxItem | None:
        """Journal an action (fsync'd), then send it; ``None`` (and said why) when impossible."""
        outbox = self.session.outbox
        if outbox is None:
            reason = self.session.outbox_problem or "the console is not connected to a hub"
            self.app.notify(reason, title="Not sent", severity="error")
            return None
        item = outbox.submit(kind, path, body, incident_id=incident_id)
        self.flush()
        return item

    def flush(self) -> None:
        """Send what is pending, in order, in a worker (one flush runs at a time)."""
        outbox = self.session.outbox
        if outbox is not None:
            self.app.run_worker(outbox.flush(), group="outbox", exit_on_error=False)

    def retry(self) -> None:
        """Send again what waits, while the stream says the hub is there."""
        outbox = self.session.outbox
        if outbox is not None and self.session.state.status.state == "live" and outbox.pending():
            self.flush()
