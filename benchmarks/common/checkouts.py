"""What the benchmarks that compare checkouts share: ``--src LABEL=DIR`` and one run
of a checkout in a process of its own (its code first on the path), read back as
the JSON its last line prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def sources(src: list[str], root: Path) -> list[tuple[str, str]]:
    """The ``--src LABEL=DIR`` values as (label, folder); this checkout when none."""
    return [(label, folder) for label, _, folder in (s.partition("=") for s in src)] or [
        ("this", str(root))
    ]


def run_in(folder: str, command: list[str]) -> Any:
    """``command`` run with ``folder``'s code on the path; the JSON of its last line,
    or None (its error printed) when it failed."""
    done = subprocess.run(
        command,
        env={**os.environ, "PYTHONPATH": str(Path(folder).resolve())},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        print(done.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])
