"""The hub follows a stop report by report, without looking at every agent again.

A global stop of thousands of agents brings thousands of reports; the hub used
to run the stop rule over the whole fleet and deep-copy the watches for each
(1.6 ms a report with 5,000 agents: seconds of its event loop, heartbeats
waiting, during the stop). Each report now updates the watches it concerns and
concludes what a whole check would; a change undone (a failed write) puts them
back as they were.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.domain import stop_rule
from services.domain.models import Agent, SwitchState
from services.hub.state.verification import StopVerifier

SINCE = datetime(2026, 11, 25, 18, 10, 40, tzinfo=UTC)
PACKS = ("support", "finance", "legal")
STATES = ("running", "stopped", "error", "idle", "stopped", "stopped")


class Events:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, Any]] = []

    def append(self, kind: str, data: dict[str, Any]) -> None:
        self.sent.append((kind, data["target"], data.get("agents")))


class Desk:
    def exists(self, incident_id: str) -> bool:
        return False


def agent(agent_id: str, pack: str, state: str) -> Agent:
    return Agent(agent_id, pack, state, "2026-11-25T18:10:00.000Z", None, 0.0, 0.0)  # type: ignore[arg-type]


def switch(pack: str | None) -> SwitchState:
    return SwitchState(
        scope="global" if pack is None else "pack",
        pack=pack,
        enabled=False,
        changed_by="alice",
        changed_at="2026-11-25T18:10:40.000Z",
        reason="why",
        incident_id=None,
    )


def verifier() -> tuple[StopVerifier, Events]:
    events = Events()
    return StopVerifier(events, Desk(), 30.0), events  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(40))
def test_reports_one_by_one_conclude_what_a_whole_check_does(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randint(1, 12)
    fleet = {f"a{i}": agent(f"a{i}", rng.choice(PACKS), "running") for i in range(size)}
    each, each_events = verifier()
    whole, whole_events = verifier()
    now = SINCE
    for step in range(80):
        now += timedelta(seconds=1)
        if step % 20 == 0:  # a stop (global or a pack's), checked whole by both
            stopped = switch(rng.choice([None, *PACKS]))
            for v in (each, whole):
                v.watch(stopped, now)
                v.check(fleet.values(), now)
            continue
        agent_id = rng.choice([*fleet, f"a{len(fleet)}"])  # sometimes a new agent
        known = fleet.get(agent_id)
        pack = known.pack if known is not None and rng.random() < 0.9 else rng.choice(PACKS)
        fleet[agent_id] = changed = agent(agent_id, pack, rng.choice(STATES))
        assert each.report(changed, now)
        whole.check(fleet.values(), now)
        assert each_events.sent == whole_events.sent, f"step {step}"
        assert each.watching() == whole.watching() and each.progress() == whole.progress()


def test_a_report_looks_at_its_own_agent_only(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = stop_rule.StopProgress.counts_as_stopped

    def counting(self: stop_rule.StopProgress, agent_id: str, state: str) -> bool:
        nonlocal calls
        calls += 1
        return real(self, agent_id, state)

    fleet = [agent(f"a{i}", PACKS[i % 3], "running") for i in range(2000)]
    v, events = verifier()
    v.watch(switch(None), SINCE)
    v.check(fleet, SINCE)
    monkeypatch.setattr(stop_rule.StopProgress, "counts_as_stopped", counting)
    for one in fleet:
        v.save()  # as every change of the hub does
        assert v.report(agent(one.id, one.pack, "stopped"), SINCE)
    assert calls == len(fleet)  # one look per report (all 2,000 each time before)
    assert events.sent == [("killswitch.confirmed", "global", 2000)]


def test_an_undone_change_puts_the_watch_back() -> None:
    fleet = [agent(f"a{i}", "support", "running") for i in range(4)]
    v, events = verifier()
    v.watch(switch("support"), SINCE)
    v.check(fleet, SINCE)
    v.report(agent("a0", "support", "stopped"), SINCE)
    before = v.progress()
    restore = v.save()
    for one in fleet[1:]:  # the rest stop (and one goes silent) in a change that fails
        v.report(agent(one.id, "support", "stopped"), SINCE)
    v.report(agent("a3", "support", "error"), SINCE)
    assert events.sent == [("killswitch.confirmed", "pack:support", 4)]
    restore()
    events.sent.clear()
    assert v.progress() == before and v.watching() == ["pack:support"]
    # Put back whole: a1..a3 were never seen stopped, so a3 silent does not count.
    v.report(agent("a1", "support", "stopped"), SINCE)
    v.report(agent("a2", "support", "stopped"), SINCE)
    v.report(agent("a3", "support", "error"), SINCE + timedelta(seconds=31))
    assert events.sent == [("killswitch.violation", "pack:support", ["a3"])]


def test_a_watch_not_yet_checked_whole_asks_for_a_check() -> None:
    v, _ = verifier()
    v.watch(switch("support"), SINCE)
    assert not v.report(agent("a0", "support", "stopped"), SINCE)
