"""``benchmarks/kill_soak.py`` runs: a hub SIGKILLed twice loses and duplicates nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_kill_soak_smoke_run_loses_and_duplicates_nothing() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "kill_soak.py"),
            "--kills",
            "2",
            "--seconds",
            "10",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    row = [cell.strip() for cell in lines[2].strip("|").split("|")]
    figures = dict(zip(header, row, strict=True))
    assert figures["kills"] == "2"
    assert int(figures["writes acknowledged"]) > 0
    assert figures["lost"] == "0"
    assert figures["duplicated"] == "0"
