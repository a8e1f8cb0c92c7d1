"""The console counts down with its hub's policy (the snapshot's), never the shipped one."""

from __future__ import annotations

import copy
import re
from pathlib import Path

from services.console.settings import ConsoleSettings
from services.console.state import ConsoleState, shipped_policy
from tests.console.incident_helpers import make_app, open_incident_on_hub, open_screen
from tests.console.live import until
from tests.console.sample import FROZEN_NOW, snapshot
from tests.hubtools import HubFactory
from tui.app import WarroomApp
from widgets.escalation_countdown import EscalationCountdown
from widgets.incident_list import IncidentList


def _minutes_left(text: str) -> float:
    """``… EM escalation in 1:58 …`` (``EM 1:58`` in a narrow cell) → 1.97 (minutes)."""
    found = re.search(r"EM (?:escalation in )?(\d+):(\d\d)\b", text)
    assert found is not None, text
    return int(found[1]) + int(found[2]) / 60


async def test_the_incident_screen_counts_down_to_the_hubs_escalation(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    """A hub that escalates to the EM after 2 minutes: the console says under 2:00."""
    policy = tmp_path / "policy.toml"
    policy.write_text("[escalation]\nno_progress_minutes = 2\n", encoding="utf-8")
    hub = hub_factory(policy_path=policy)
    iid = open_incident_on_hub(hub)  # SEV1: the no-progress rule applies
    app = make_app(hub, tmp_path / "console")
    async with app.run_test(size=(120, 40)) as pilot:
        dashboard = app.query_one(IncidentList)
        await until(lambda: dashboard.cells(iid) is not None, what="the row", step=pilot.pause)
        cells = dashboard.cells(iid)
        assert cells is not None
        assert _minutes_left(cells[-2].plain) <= 2  # the dashboard's escalation cell
        screen = await open_screen(app, pilot, iid)
        countdown = screen.query_one(EscalationCountdown)
        await until(
            lambda: "EM escalation in" in str(countdown.content),
            what="the EM countdown",
            step=pilot.pause,
        )
        assert _minutes_left(str(countdown.content)) <= 2
        assert app.state.policy.escalation.no_progress_minutes == 2


def test_the_shipped_policy_until_a_snapshot_brings_the_hubs() -> None:
    state = ConsoleState()
    assert state.policy == shipped_policy()
    data = snapshot()
    data["data"]["policy"]["escalation"]["no_progress_minutes"] = 2
    assert state.apply_dict(data, FROZEN_NOW)
    assert state.policy.escalation.no_progress_minutes == 2
    assert state.policy_refused is None and state.bad_events == 0
    # A snapshot without a policy (an older hub) keeps what the console has.
    del data["data"]["policy"]
    assert state.apply_dict(data, FROZEN_NOW)
    assert state.policy.escalation.no_progress_minutes == 2


def test_an_invalid_policy_is_refused_loudly_and_the_previous_kept() -> None:
    state = ConsoleState()
    good = snapshot()
    good["data"]["policy"]["escalation"]["no_progress_minutes"] = 2
    state.apply_dict(good, FROZEN_NOW)
    bad = copy.deepcopy(good)
    bad["data"]["policy"]["escalation"]["no_progress_minutes"] = 0
    state.apply_dict(bad, FROZEN_NOW)
    assert state.policy.escalation.no_progress_minutes == 2
    assert state.policy_refusals == 1 and state.bad_events == 1
    assert "escalation.no_progress_minutes" in (state.policy_refused or "")
    assert "snapshot.policy" in (state.last_error or "")


async def test_a_refused_policy_is_said_in_a_toast(tmp_path: Path) -> None:
    app = WarroomApp(ConsoleSettings(data_dir=tmp_path), clock=lambda: FROZEN_NOW, connect=False)
    async with app.run_test(size=(80, 24)) as pilot:
        bad = snapshot()
        bad["data"]["policy"]["response_minutes"]["SEV1"] = "soon"
        app.apply_envelope(bad)
        await pilot.pause()
        (toast,) = [n for n in app._notifications if "policy" in n.title]
        assert toast.title == "The hub's policy was refused"
        assert "response_minutes.SEV1" in toast.message
        assert app.state.policy == shipped_policy()
