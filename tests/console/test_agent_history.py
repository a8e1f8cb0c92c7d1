"""An agent's recent states and run ids: kept from the stream, only changes, bounded."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.console.agent_history import HISTORY_LIMIT
from services.console.state import ConsoleState
from services.domain.timeutil import to_rfc3339
from tests.console.sample import FROZEN_NOW, agent, envelope, snapshot


def status(seq: int, state: str, run: str | None, at: str) -> dict[str, object]:
    body = agent("seo-auditor", "marketing", state)
    body["run_id"], body["last_heartbeat"] = run, at
    return envelope(seq, "agent.status", {"agent": body})


def test_changes_of_state_and_run_are_kept_newest_first() -> None:
    state = ConsoleState()
    assert state.apply_dict(snapshot(seq=40), FROZEN_NOW)
    assert state.apply_dict(status(41, "running", "run-1", "2026-11-25T18:20:00Z"), FROZEN_NOW)
    assert state.apply_dict(status(42, "running", "run-1", "2026-11-25T18:20:05Z"), FROZEN_NOW)
    assert state.apply_dict(status(43, "stuck", "run-1", "2026-11-25T18:21:00Z"), FROZEN_NOW)
    assert state.apply_dict(status(44, "running", "run-2", "2026-11-25T18:22:00Z"), FROZEN_NOW)
    steps = state.agent_history.steps("seo-auditor")
    assert [(s.state, s.run_id) for s in steps[:3]] == [
        ("running", "run-2"),
        ("stuck", "run-1"),
        ("running", "run-1"),
    ]
    assert steps[0].at == "2026-11-25T18:22:00Z"
    assert state.agent_history.run_ids("seo-auditor")[:2] == ["run-2", "run-1"]


def test_the_history_is_bounded_and_forgets_agents_a_snapshot_drops() -> None:
    state = ConsoleState()
    assert state.apply_dict(snapshot(seq=40), FROZEN_NOW)
    for n in range(HISTORY_LIMIT * 3):
        flip = "stuck" if n % 2 else "running"
        change = status(41 + n, flip, f"run-{n}", "2026-11-25T18:20:00Z")
        assert state.apply_dict(change, FROZEN_NOW)
    assert len(state.agent_history.steps("seo-auditor")) == HISTORY_LIMIT
    smaller = snapshot(seq=500)
    smaller["data"]["agents"] = [agent("only-one", "devops")]
    assert state.apply_dict(smaller, FROZEN_NOW)
    assert state.agent_history.steps("seo-auditor") == []
    assert [s.state for s in state.agent_history.steps("only-one")] == ["running"]


def test_a_report_that_changes_nothing_formats_no_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A storm's agent reports mostly repeat the state: no timestamp is formatted for them."""
    from services.console import agent_history

    formatted: list[datetime] = []

    def counted(moment: datetime) -> str:
        formatted.append(moment)
        return to_rfc3339(moment)

    monkeypatch.setattr(agent_history, "to_rfc3339", counted)
    state = ConsoleState()
    assert state.apply_dict(snapshot(seq=40), FROZEN_NOW)
    formatted.clear()  # the snapshot's agents carry their heartbeat times
    for seq in range(41, 141):
        assert state.apply_dict(status(seq, "running", "run-1", "2026-11-25T18:20:00Z"), FROZEN_NOW)
    assert formatted == []
    unstamped = status(141, "stuck", "run-1", "")
    assert state.apply_dict(unstamped, FROZEN_NOW)
    assert formatted == [FROZEN_NOW]
    assert state.agent_history.steps("seo-auditor")[0].at == to_rfc3339(FROZEN_NOW)
