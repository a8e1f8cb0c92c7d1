"""The packs table alone, with a fleet of agents: an app for tests of AgentTable."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from services.console.state import ConsoleState
from services.domain.models import Envelope
from tests.console.sample import FROZEN_NOW, snapshot
from widgets.agent_table import AgentTable


class PacksApp(App[None]):
    def compose(self) -> ComposeResult:
        yield AgentTable()


def fleet_state(agents: list[dict[str, Any]]) -> ConsoleState:
    """A console's state from the sample snapshot with ``agents`` (``sample.agent``)."""
    state = ConsoleState()
    data = snapshot(seq=10)
    data["data"]["agents"] = agents
    state.apply(Envelope.from_dict(data), FROZEN_NOW)
    return state


def show_all(table: AgentTable, state: ConsoleState) -> None:
    """Every pack with its agents listed under it."""
    table.show_packs(state.pack_summaries(), False, state.agents_by_pack())
