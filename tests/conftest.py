"""Shared fixtures: a real hub on an ephemeral loopback port (see tests/hubtools.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.alertmanager import RunningAlertmanager
from tests.hubtools import HubFactory, RunningHub, start_hub

__all__ = ["RunningHub", "hub", "hub_factory"]


# No per-example deadline: on a shared, loaded machine one example can be paused for
# longer than Hypothesis's 200 ms, and that says nothing about the code.
settings.register_profile("warroom", deadline=None)
settings.load_profile("warroom")


@pytest.fixture(autouse=True)
def _own_state_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Consoles started by a test (in-process or as programs) keep their journals in a
    folder of the test's own: a journal is named by the hub's address and token, and a
    later hub on the same port must not find an earlier run's unsent notes."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A test that runs ``warroom hub`` in-process points the root logger at the stderr
    pytest captured for it; later tests would log to that closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    """One hub with the 7 AgentOS packs and a 0.5 s stream heartbeat."""
    running = start_hub(tmp_path / "hub")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def hub_factory(tmp_path: Path) -> Iterator[HubFactory]:
    """``hub_factory(**config_overrides)`` → a new hub; all are stopped at teardown."""
    started: list[RunningHub] = []

    def make(**overrides: Any) -> RunningHub:
        data_dir = overrides.pop("data_dir", tmp_path / f"hub-{len(started)}")
        running = start_hub(data_dir, **overrides)
        started.append(running)
        return running

    try:
        yield make
    finally:
        for running in started:
            running.stop()


@pytest.fixture
def managers() -> Iterator[list[RunningAlertmanager]]:
    """Alertmanagers a test started (``managers.append``), stopped at its end."""
    started: list[RunningAlertmanager] = []
    yield started
    for manager in started:
        manager.stop()
