"""One agent's report is followed without looking at every agent again.

A global stop of thousands of agents brings thousands of reports; the console
used to re-run the stop rule over the whole fleet for each (1.6 ms a report
with 5,000 agents: seconds of its event loop behind, during the stop). Each
report now updates the stops and re-enables it concerns, and concludes what
looking at everything would.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.console.containment import ContainmentTracker, Phase
from services.console.stop_watch import target_of
from services.domain import stop_rule
from services.domain.models import GLOBAL

SINCE = datetime(2026, 11, 25, 18, 10, 40, tzinfo=UTC)
PACKS = ("support", "finance", "legal")
STATES = ("running", "stopped", "error", "idle", "stopped", "stopped")


def _agents(fleet: dict[str, tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    grouped: dict[str, list[tuple[str, str]]] = {pack: [] for pack in PACKS}
    for agent_id, (pack, state) in fleet.items():
        grouped[pack].append((agent_id, state))
    return grouped


def _view(tracker: ContainmentTracker, later: datetime) -> tuple[object, ...]:
    actions = sorted((a.key, a.phase, a.agents) for a in tracker.actions.values())
    stops = tracker.stops
    done = tuple(stops.done(t) for t in (GLOBAL, *map(target_of, PACKS)))
    late = tuple((v.target, v.agents) for v in stops.late(later))
    return actions, done, late, tuple(sorted(tracker.hub_violations))


@pytest.mark.parametrize("seed", range(40))
def test_reports_one_by_one_conclude_what_looking_at_everything_does(seed: int) -> None:
    rng = random.Random(seed)
    fleet = {f"a{i}": (rng.choice(PACKS), "running") for i in range(rng.randint(1, 12))}
    switches = {GLOBAL: (True, None), **{target_of(p): (True, None) for p in PACKS}}
    each, whole = ContainmentTracker(), ContainmentTracker()
    now = SINCE
    for step in range(60):
        now += timedelta(seconds=1)
        if step % 15 == 0:  # a stop or a re-enable, applied: both trackers see everything
            target = rng.choice([GLOBAL, *map(target_of, PACKS)])
            enabled = not switches[target][0] if step else False
            switches[target] = (enabled, now if not enabled else None)
            for tracker in (each, whole):
                tracker.request(f"k{step}", target, enabled, "why", None, now)
                tracker.delivered(f"k{step}", "done", {"applied": {"enabled": enabled}}, None, now)
                tracker.observe(switches, _agents(fleet), now)
            continue
        agent_id = rng.choice([*fleet, f"a{len(fleet)}"])  # sometimes a new agent
        pack = fleet[agent_id][0] if agent_id in fleet and rng.random() < 0.9 else rng.choice(PACKS)
        fleet[agent_id] = (pack, rng.choice(STATES))
        assert each.report(agent_id, pack, fleet[agent_id][1], now)
        whole.observe(switches, _agents(fleet), now)
        later = now + timedelta(seconds=45)
        assert _view(each, later) == _view(whole, later), f"step {step}"


def test_a_report_looks_at_its_own_agent_only(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = stop_rule.StopProgress.counts_as_stopped

    def counting(self: stop_rule.StopProgress, agent_id: str, state: str) -> bool:
        nonlocal calls
        calls += 1
        return real(self, agent_id, state)

    fleet = [(f"a{i}", "running") for i in range(2000)]
    tracker = ContainmentTracker()
    tracker.request("k", GLOBAL, False, "why", None, SINCE)
    tracker.delivered("k", "done", {"applied": {"enabled": False}}, None, SINCE)
    tracker.observe({GLOBAL: (False, SINCE)}, {"support": fleet}, SINCE)
    monkeypatch.setattr(stop_rule.StopProgress, "counts_as_stopped", counting)
    for agent_id, _ in fleet:
        assert tracker.report(agent_id, "support", "stopped", SINCE)
    assert calls == len(fleet)  # one look per report (all 2,000 each time before)
    assert tracker.actions["k"].phase is Phase.CONFIRMED and tracker.actions["k"].agents == 2000


def test_a_re_enable_applied_since_the_last_look_asks_for_a_whole_look() -> None:
    tracker = ContainmentTracker()
    tracker.request("k", target_of("support"), True, "why", None, SINCE)
    tracker.delivered("k", "done", {"applied": {"enabled": True}}, None, SINCE)
    assert not tracker.report("a1", "support", "running", SINCE)
    tracker.observe({target_of("support"): (True, None)}, {"support": [("a1", "stopped")]}, SINCE)
    assert tracker.report("a1", "support", "running", SINCE)
    assert tracker.actions["k"].phase is Phase.CONFIRMED
