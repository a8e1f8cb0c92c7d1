"""Each benchmark still runs and prints its table, at sizes too small to measure anything.

No timing is asserted: the machine is shared and noisy. This keeps the scripts
from rotting as the code under them changes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SMOKE = {
    "console_soak.py": ["--events", "2000", "--every", "1000"],
    "console_apply.py": ["--events", "2000", "--rounds", "1"],
    "explorer.py": ["--sizes", "200", "--repeat", "1"],
    "fanout.py": ["--clients", "6", "--rate", "100", "--seconds", "1", "--stalled", "yes"],
    "wall_soak.py": ["--hours", "0.01", "--trace"],
    "cluster.py": ["--notes", "5", "--clients", "3", "--rates", "20", "--seconds", "1"],
    "fleet.py": ["--agents", "20", "--seconds", "1", "--connections", "4"],
    "hub_ingest.py": ["--payloads", "4", "--alerts", "2", "--concurrency", "1"],
    "keypress_to_confirmed.py": ["--stops", "1"],
    "stop_fleet.py": ["--agents", "50"],
    "storm.py": ["--rates", "200", "--seconds", "1", "--gc-gen0", "20000"],
    "journal.py": ["--items", "20", "--notes", "3"],
    "kill_soak.py": ["--kills", "1", "--seconds", "3"],
    "ssh_budget.py": [
        "--sizes", "80x24", "--scenarios", "idle,calm", "--warmup", "1", "--seconds", "1",
        "--rows",
    ],
}  # fmt: skip


def test_every_benchmark_has_a_smoke_run() -> None:
    assert sorted(p.name for p in (ROOT / "benchmarks").glob("*.py")) == sorted(SMOKE)


@pytest.mark.parametrize("script", sorted(SMOKE))
def test_benchmark_prints_its_table(script: str) -> None:
    if script == "ssh_budget.py" and shutil.which("top") is None:
        pytest.skip("top is not installed")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *SMOKE[script]],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    table = [line for line in lines if line.startswith("|")]
    if table:  # a Markdown table: a header, its rule and at least one row
        assert len(table) >= 3 and table[1].startswith("|---"), done.stdout
    else:  # aligned columns: a header and at least one row
        assert len(lines) >= 2, done.stdout
