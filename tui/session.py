"""The console's session: what the app builds once and gives to every screen.

Attributes go down, messages go up (:mod:`tui.messages`): a screen reads the
state, the identity, the settings and the clock from here, follows kill-switch
actions through :attr:`Session.killswitches`, and posts a message for anything
the app does (journal and send an action). No screen imports the app.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field
from datetime import datetime

from services.console.events import EventHistory
from services.console.hub_client import HubClient
from services.console.identity import Identity, allowed
from services.console.killswitches import Journal, Killswitches
from services.console.outbox import Outbox
from services.console.replicas import hub_label
from services.console.settings import ConsoleSettings
from services.console.state import ConsoleState
from services.domain.policy import Policy
from services.domain.runbook import Runbook
from services.domain.timeutil import Clock

__all__ = ["Session"]


@dataclass
class Session:
    """One console's session with its hub; the app keeps it current."""

    settings: ConsoleSettings
    clock: Clock
    state: ConsoleState
    """Everything the console knows from the stream."""
    journal: InitVar[Journal]
    """How kill-switch actions are journalled and sent (the app's)."""
    connect: bool = True
    """False when the console leaves the hub alone (snapshot tests feed envelopes)."""
    outbox: Outbox | None = None
    """Actions journalled before sending; ``None`` when not connected or not writable."""
    outbox_problem: str | None = None
    """Why there is no outbox, when there is none."""
    identity: Identity | None = None
    """Who the hub says our token is; ``None`` until it has answered."""
    drafts: dict[str, str] = field(default_factory=dict)
    """Notes kept as drafts (Escape, "keep") by incident id, until sent or discarded."""
    events: EventHistory = field(default_factory=EventHistory)
    """Every event applied from the stream, bounded (the explorer reads it)."""
    killswitches: Killswitches = field(init=False)
    """Kill-switch actions and what the hub says about stops."""

    def __post_init__(self, journal: Journal) -> None:
        self.killswitches = Killswitches(self, journal)

    @property
    def policy(self) -> Policy:
        """The hub's incident policy (the shipped one until a snapshot brings the hub's)."""
        return self.state.policy

    @property
    def runbook(self) -> Runbook:
        """The hub's runbook (the shipped one until a snapshot brings the hub's)."""
        return self.state.runbook

    def hub_now(self) -> datetime:
        """The hub's clock now (the local clock corrected by the measured skew)."""
        return self.state.hub_now(self.clock())

    def may(self, permission: str) -> bool:
        """True when the hub said our token holds ``permission`` (unknown counts as no)."""
        return allowed(self.identity, permission)

    @property
    def me(self) -> str:
        """Our user name as the hub knows it, else ``you``."""
        return self.identity.user if self.identity is not None else "you"

    def hub(self) -> HubClient:
        """A client on our hub with our token (use as an async context manager): on the
        replica the stream is on first, then on the others."""
        urls = self.settings.hub_urls
        on = [url for url in urls if hub_label(url) == self.state.status.replica]
        return HubClient(urls, self.settings.token, prefer=on[0] if on else None)
