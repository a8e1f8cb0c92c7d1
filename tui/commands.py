"""The command palette's warroom commands (Ctrl+P): open incident…, stop pack…, export….

Textual's palette offers its own system commands; this provider adds the
console's actions over what the console knows now: each incident to open or
export, each pack to stop (through the kill-switch screen and its typed
confirmation, never directly), the jump to ``INC-n`` and the list of incidents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Provider

from tui.screens.incident import IncidentScreen
from tui.screens.incidents import RecentIncidentsScreen, ask_and_open
from tui.screens.killswitch import KillswitchScreen
from tui.session import Session

__all__ = ["WarroomCommands"]

Command = tuple[str, str, Callable[[], object]]


class WarroomCommands(Provider):
    """Open, export and stop what the console knows, by name."""

    def _session(self) -> Session | None:
        session = getattr(self.app, "session", None)
        return session if isinstance(session, Session) else None

    def _open(self, session: Session, incident_id: str, export: bool = False) -> None:
        screen = IncidentScreen(session, incident_id)
        self.app.push_screen(screen)
        if export:
            screen.call_after_refresh(screen.action_export)

    def _stop(self, session: Session, pack: str) -> None:
        self.app.push_screen(KillswitchScreen(session, None, pack))

    def commands(self) -> list[Command]:
        """Every command on offer now: (text, help, callback)."""
        session = self._session()
        if session is None:
            return []
        found: list[Command] = [
            (
                "Go to incident…",
                "Type INC-n and open it (g)",
                partial(ask_and_open, self.screen, session),
            ),
            (
                "All incidents",
                "Recent incidents, open and resolved (l)",
                lambda: self.app.push_screen(RecentIncidentsScreen(session)),
            ),
        ]
        for incident in sorted(session.state.incidents.values(), key=lambda i: i.id):
            # Titles come from alerts: they stay out of the palette, which reads markup.
            state = "open" if incident.is_open else "resolved"
            found.append(
                (
                    f"Open incident {incident.id}",
                    f"{incident.severity} · {state}",
                    partial(self._open, session, incident.id),
                )
            )
            found.append(
                (
                    f"Export {incident.id}",
                    "Write its post-incident document (e on the incident)",
                    partial(self._open, session, incident.id, True),
                )
            )
        for pack in session.state.packs:
            found.append(
                (
                    f"Stop pack {pack}…",
                    "The kill-switch screen with this pack chosen (confirm there)",
                    partial(self._stop, session, pack),
                )
            )
        return found

    async def discover(self) -> AsyncIterator[DiscoveryHit]:
        """With nothing typed: every command."""
        for text, help_text, callback in self.commands():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        """The commands matching ``query``, best first."""
        matcher = self.matcher(query)
        for text, help_text, callback in self.commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help_text)
