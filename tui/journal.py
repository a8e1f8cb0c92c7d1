"""The app's side of the console's journal: every action is written before it is sent.

:class:`ActionJournal` opens the outbox (one console per data folder). An action
is staged in the journal's memory at once — Enter returns to the person without
waiting for the disk — and a worker writes it (the fsync in a thread), and only
then sends what is pending; until the write completes the timeline says
``saving``, then ``pending``. Each outcome comes back to the app as an
``OutboxDelivered`` message. An action the journal cannot write is taken back
and the person is told, with its text; without a journal, actions are refused
and the person is told why: nothing typed may be lost silently.
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
            store = self.session.outbox.store
            try:
                store.save_now()  # what is still being saved is not left behind
            finally:
                store.close()

    def submit(
        self, kind: str, path: str, body: dict[str, Any], incident_id: str | None
    ) -> OutboxItem | None:
        """Journal an action (fsync'd), then send it; ``None`` (and said why) when impossible."""
        outbox = self.session.outbox
        if outbox is None:
            reason = self.session.outbox_problem or "the console is not connected to a hub"
            self.app.notify(reason, title="Not sent", severity="error")
            return None
        item = outbox.stage(kind, path, body, incident_id=incident_id)
        self.app.run_worker(self._save_then_send(item), group="outbox", exit_on_error=False)
        return item

    async def _save_then_send(self, item: OutboxItem) -> None:
        outbox = self.session.outbox
        if outbox is None:
            return
        try:
            await outbox.save(item)
        except Exception as error:  # a full or failing disk: said, with what was typed
            text = str(item.body.get("text") or item.body.get("reason") or "")
            self.app.notify(
                f"{item.kind} was not saved to the journal and not sent ({error})."
                + (f" It read: {text}" if text else ""),
                title="Not saved",
                severity="error",
                timeout=60,
            )
            if item.kind == "killswitch":  # the kill-switch tracker must not wait for it
                self._delivered(Delivery(item, "refused", f"not saved: {error}"))
            return
        self._delivered(Delivery(item, "saved"))  # durable: the timeline says pending
        await outbox.flush()

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
