"""The incident list's age is coarse: a second passing rewrites the response timer (it
must stay current to the second) but not the age beside it, whose text did not change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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


async def test_a_second_passing_repaints_the_timer_not_the_age(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = Harness()
    policy = load_policy()
    incidents = [Incident.from_dict(incident("INC-4", opened_at="2026-11-25T18:02:12.000Z"))]
    async with app.run_test(size=(120, 10)) as pilot:
        table = app.query_one(IncidentList)
        table.show_incidents(incidents, FROZEN_NOW, policy)
        await pilot.pause()
        updated: list[str] = []
        original = table.update_cell

        def spy(row: Any, column: Any, value: Any, **kw: Any) -> None:
            updated.append(str(getattr(column, "value", column)))
            original(row, column, value, **kw)

        monkeypatch.setattr(table, "update_cell", spy)
        table.show_incidents(incidents, FROZEN_NOW + timedelta(seconds=1), policy)
        assert "timer" in updated  # the response timer ticks to the second
        assert "age" not in updated, updated
