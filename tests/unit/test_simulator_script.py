"""The simulator's pure parts: fleet, scripts, payloads."""

import random

import pytest

from services.simulator.simulator import (
    FLEET,
    SCENARIOS,
    ScenarioError,
    SimAlert,
    Simulator,
    alertmanager_payload,
    build_fleet,
    scenario_steps,
)
from tests.fixtures import alertmanager_webhook


def test_fleet_is_deterministic_for_a_seed() -> None:
    one = build_fleet(random.Random(7))
    two = build_fleet(random.Random(7))
    other = build_fleet(random.Random(8))
    assert [(a.id, a.base_rate, a.run_id) for a in one.values()] == [
        (a.id, a.base_rate, a.run_id) for a in two.values()
    ]
    assert [a.base_rate for a in one.values()] != [a.base_rate for a in other.values()]
    assert len(FLEET["support"]) == 6
    assert {a.pack for a in one.values()} == set(FLEET)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_has_a_sorted_script(name: str) -> None:
    times = [step[0] for step in scenario_steps(name)]
    assert times == sorted(times)


def test_unknown_scenario_is_refused_before_start() -> None:
    with pytest.raises(ScenarioError, match="choose one of"):
        Simulator("http://127.0.0.1:1", "a", "i", scenario="chaos")


def test_payload_has_alertmanagers_shape() -> None:
    real = alertmanager_webhook("webhook-firing-support.json")
    alert = SimAlert(
        "PIIExposure",
        "support",
        "ticket-summarizer",
        "critical",
        "s",
        "d",
        "2026-11-25T17:48:11.087Z",
    )
    ours = alertmanager_payload([alert])
    assert set(ours) == set(real)
    assert set(ours["alerts"][0]) == set(real["alerts"][0])
    assert ours["version"] == "4"
    assert ours["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
    alert.firing = False
    resolved = alertmanager_payload([alert])
    assert resolved["status"] == "resolved"
    assert resolved["alerts"][0]["endsAt"] != "0001-01-01T00:00:00Z"


def test_fingerprint_is_stable_for_the_labels() -> None:
    a = SimAlert("X", "p", "a", "warning", "one", "d")
    b = SimAlert("X", "p", "a", "warning", "two", "other")
    c = SimAlert("X", "p", "b", "warning", "one", "d")
    assert a.fingerprint == b.fingerprint != c.fingerprint
