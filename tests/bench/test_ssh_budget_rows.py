"""benchmarks/ssh_budget.py --rows: each write counted to the row of the cursor move
before it, so a report says which part of the screen costs the bytes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_bytes_per_row():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("ssh_budget", ROOT / "benchmarks/ssh_budget.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("ssh_budget", module)  # its dataclasses look themselves up
    spec.loader.exec_module(module)
    return module.bytes_per_row


def test_each_write_counts_to_the_row_it_moved_to() -> None:
    bytes_per_row = load_bytes_per_row()
    data = b"ab\x1b[2;1Hxyz\x1b[4;10H12345\x1b[2;5Hq\x1b[9;1Hz"
    # Row 1: "ab"; row 2: its two moves and "xyz", "q"; row 4: a move and "12345";
    # a move beyond the screen counts to the last row.
    assert bytes_per_row(data, 5) == (2, 6 + 3 + 6 + 1, 0, 7 + 5, 6 + 1)
    assert sum(bytes_per_row(data, 5)) == len(data)
