"""The console's command tunes the garbage collector before it draws (tui/collector.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.console.settings import load_settings
from tui.app import WarroomApp
from tui.cli.console import run_console
from tui.collector import GEN0_THRESHOLD


@pytest.fixture
def collector() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_the_console_runs_with_what_it_loaded_frozen_and_a_larger_young_generation(
    collector: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[tuple[tuple[int, int, int], int]] = []

    def run(self: WarroomApp) -> None:
        seen.append((gc.get_threshold(), gc.get_freeze_count()))

    monkeypatch.setattr(WarroomApp, "run", run)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    run_console(load_settings(None, hub_url="http://127.0.0.1:9", token="t"))
    [(threshold, frozen)] = seen
    assert threshold[0] == GEN0_THRESHOLD
    assert frozen > 10_000  # Textual and the console, out of every collection
