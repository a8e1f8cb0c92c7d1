"""The incident list's age is coarse: a second passing rewrites the response timer (it
must stay current to the second) but not the age beside it, whose text did not change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.app import App, ComposeResult

from services.domain.models import Incident
from services.domain.policy import load_policy
from tests.console.sample import FROZEN_NOW, incident
from widgets.incident_list import IncidentList, incident_age


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield IncidentList()


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "<1 min"), (59.9, "<1 min"), (60, "1 min"), (125, "2 min"), (7300, "2 h")],
)
def test_the_age_is_told_to_the_minute(seconds: float, shown: str) -> None:
    assert incident_age(seconds) == shown


async def test_a_second_passing_repaints_the_timer_not_the_age() -> None:
    app = Harness()
    policy = load_policy()
    incidents = [Incident.from_dict(incident("INC-4", opened_at="2026-11-25T18:02:12.000Z"))]
    async with app.run_test(size=(120, 10)) as pilot:
        table = app.query_one(IncidentList)
        table.show_incidents(incidents, FROZEN_NOW, policy)
        await pilot.pause()
        columns = [column.key for column in table.COLUMNS]
        before = table.get_row("INC-4")
        table.show_incidents(incidents, FROZEN_NOW + timedelta(seconds=1), policy)
        after = table.get_row("INC-4")
        changed = [key for key, a, b in zip(columns, before, after, strict=True) if a != b]
        assert "timer" in changed and "age" not in changed, changed  # the timer ticks; not the age
        assert "age" in columns
