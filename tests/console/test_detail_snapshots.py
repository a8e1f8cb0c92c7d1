"""SVG snapshots of each detail view (alert, agent, pack, timeline entry) at 80x24,
120x40 and 200x60, with a frozen clock and the sample state.

Regenerate after an intended change with ``--snapshot-update`` and look at the result.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.console.sample import ALERTS, envelope
from tests.console.test_incident_snapshots import _open
from tests.console.test_snapshots import STEADY, feed, make_app
from tui.app import WarroomApp
from widgets.agent_table import AgentTable
from widgets.alert_feed import AlertFeed
from widgets.keyed_table import KeyedTable
from widgets.timeline import Timeline

SIZES = [(80, 24), (120, 40), (200, 60)]
IDS = ["80x24", "120x40", "200x60"]


async def _enter_on(pilot: Pilot[None], table: KeyedTable, key: str) -> None:
    table.focus()
    await pilot.pause()
    table.move_cursor(row=table.keys.index(key))
    await pilot.press("enter")
    await pilot.pause()


def _on_dashboard(
    pick: Callable[[Pilot[None]], Awaitable[None]],
) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await feed(*STEADY)(pilot)
        await pick(pilot)

    return run_before


async def _alert(pilot: Pilot[None]) -> None:
    # The PII alert again, as Alertmanager re-sends it: with labels, annotations, links.
    again = copy.deepcopy(ALERTS[0])
    again["labels"] = {
        "alertname": "PIIExposure",
        "pack": "support",
        "agent": "ticket-summarizer",
        "severity": "critical",
        "team": "support-platform",
    }
    again["annotations"] = {
        "summary": "Possible PII in ticket-summarizer output",
        "description": "3 replies held what looks like customer e-mail addresses.",
        "runbook_url": "https://runbooks.example/pii-exposure",
    }
    app = pilot.app
    assert isinstance(app, WarroomApp)
    app.apply_envelope(envelope(41, "alert.fired", {"alert": again}))
    await pilot.pause()
    await _enter_on(pilot, app.query_one(AlertFeed), "65e4f9066fb1276e")


async def _pack(pilot: Pilot[None]) -> None:
    await _enter_on(pilot, pilot.app.query_one(AgentTable), "pack:marketing")


async def _agent(pilot: Pilot[None]) -> None:
    packs = pilot.app.query_one(AgentTable)
    if "agent:social-scheduler" not in packs.keys:
        await pilot.press("A")  # agents on demand below 160 columns
    await _enter_on(pilot, packs, "agent:social-scheduler")


async def _entry(pilot: Pilot[None]) -> None:
    await _open(pilot)
    await _enter_on(pilot, pilot.app.screen.query_one(Timeline), "TL-7")


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_alert_detail(snap_compare: Any, size: tuple[int, int]) -> None:
    """The SEV1 PII alert: labels, annotations, repeats, its incident."""
    assert snap_compare(make_app(), terminal_size=size, run_before=_on_dashboard(_alert))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_pack_detail(snap_compare: Any, size: tuple[int, int]) -> None:
    """marketing: its switch, state counts and each agent."""
    assert snap_compare(make_app(), terminal_size=size, run_before=_on_dashboard(_pack))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_agent_detail(snap_compare: Any, size: tuple[int, int]) -> None:
    """social-scheduler, stuck: its heartbeat's fields and its history."""
    assert snap_compare(make_app(), terminal_size=size, run_before=_on_dashboard(_agent))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_timeline_entry_detail(snap_compare: Any, size: tuple[int, int]) -> None:
    """bob's note on INC-3, with markup in it shown literally, in full."""
    assert snap_compare(make_app(), terminal_size=size, run_before=_entry)
