"""The SSH budget: bytes per second the console writes to its terminal.

Runs the console in a real pseudo-terminal (``python -m tui.cli demo
--scenario S``, or for ``idle`` a console against an empty hub started by this
script) at each terminal size, lets it settle, then counts the bytes it writes
for a while. ``top -d 1`` runs in the same way, in the same run, as the anchor:
a tool people already run over SSH without a second thought.

``--src LABEL=DIR`` (repeatable) runs the same measurements against another
checkout of warroom (e.g. the commit before a change, from ``git worktree`` or
``git archive``): compare the ratios within one run, never across runs — the
machine is shared and noisy.

``--rows`` also says where the bytes go: for each run, the bytes per second
written to each screen row (a write belongs to the row of the cursor move
before it; Textual moves the cursor before every line it repaints).

    .venv/bin/python benchmarks/ssh_budget.py
    .venv/bin/python benchmarks/ssh_budget.py --sizes 120x40 --src before=/tmp/old --src after=.
    .venv/bin/python benchmarks/ssh_budget.py --sizes 120x40 --scenarios storm --rows
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENARIOS = ("idle", "calm", "demo", "storm")
SIZES = ("80x24", "120x40", "200x60")


@dataclass(frozen=True)
class Result:
    """Bytes written by one program at one size over the measured window."""

    label: str
    scenario: str
    size: str
    seconds: float
    total: int
    rows: tuple[int, ...] = ()
    """Bytes written to each screen row (row 1 first), when counted."""

    @property
    def per_second(self) -> float:
        """Bytes per second over the measured window."""
        return self.total / self.seconds if self.seconds else 0.0


def _set_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


_MOVE = re.compile(rb"\x1b\[(\d+);\d+H")


def bytes_per_row(data: bytes, rows: int) -> tuple[int, ...]:
    """``data`` split by screen row: each write counted to the row of the cursor move
    before it (what comes before the first move, to row 1)."""
    counts = [0] * rows
    row, start = 1, 0
    for move in _MOVE.finditer(data):
        counts[min(row, rows) - 1] += move.start() - start
        row, start = int(move.group(1)), move.start()
    counts[min(row, rows) - 1] += len(data) - start
    return tuple(counts)


def _drain(fd: int, until: float, keep: list[bytes] | None = None) -> int:
    """Read everything ``fd`` offers until the monotonic time ``until``; the count (and
    the bytes, in ``keep``)."""
    count = 0
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return count
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child went away (EIO on Linux)
            return count
        if not chunk:
            return count
        count += len(chunk)
        if keep is not None:
            keep.append(chunk)


def measure(
    command: list[str],
    size: str,
    env: dict[str, str],
    warmup: float,
    seconds: float,
    cwd: Path | None = None,
    keep: list[bytes] | None = None,
) -> tuple[int, float]:
    """Run ``command`` in a new pty of ``size``; bytes written after ``warmup`` s, for
    ``seconds`` s (kept in ``keep`` if given). The child is ended with SIGTERM then
    SIGKILL."""
    columns, rows = (int(n) for n in size.split("x"))
    master, slave = pty.openpty()
    _set_size(slave, columns, rows)
    proc = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)},
        start_new_session=True,
        close_fds=True,
        # ``python -m`` puts the working directory first on the path: run in the
        # checkout measured, or every checkout would run this one's code.
        cwd=cwd,
    )
    os.close(slave)
    try:
        _drain(master, time.monotonic() + warmup)
        started = time.monotonic()
        total = _drain(master, started + seconds, keep)
        if proc.poll() is not None:  # it ended: say so rather than report a quiet console
            raise RuntimeError(f"{' '.join(command[:4])}… exited with {proc.returncode}")
        return total, time.monotonic() - started
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if proc.poll() is None:
                os.killpg(proc.pid, sig)
                try:
                    proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    continue
        os.close(master)


def _idle_hub(src: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    """An empty hub (no simulator) from ``src``, in its own process: its URL and a token."""
    token = "bench-" + os.urandom(8).hex()
    folder = tempfile.mkdtemp(prefix="warroom-ssh-")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from services.hub.config import AGENTOS_PACKS, HubConfig, TokenEntry\n"
        "from services.hub.server import HubServer\n"
        f"config = HubConfig(host='127.0.0.1', port=0, data_dir=Path({folder!r}) / 'hub',\n"
        "    packs=list(AGENTOS_PACKS),\n"
        f"    tokens=[TokenEntry({token!r}, 'bench', 'incident-commander')])\n"
        "server = HubServer(config)\n"
        "print(server.start(), flush=True)\n"
        "sys.stdin.read()\n"
        "server.stop()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(src)},
        cwd=folder,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().decode().strip()
    return proc, url, token


def run_one(
    label: str,
    src: Path,
    scenario: str,
    size: str,
    warmup: float,
    seconds: float,
    by_row: bool = False,
) -> Result:
    """Measure one (checkout, scenario, size); with ``by_row``, per screen row too."""
    keep: list[bytes] | None = [] if by_row else None
    height = int(size.split("x")[1])

    def result(total: int, took: float) -> Result:
        rows = bytes_per_row(b"".join(keep), height) if keep is not None else ()
        return Result(label, scenario, size, took, total, rows)

    home = tempfile.mkdtemp(prefix="warroom-ssh-home-")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "USER": "bench",
        "PYTHONPATH": str(src),
    }
    if scenario == "top":
        total, took = measure(["top", "-d", "1"], size, env, warmup, seconds, keep=keep)
        return result(total, took)
    if scenario == "idle":
        hub, url, token = _idle_hub(src)
        try:
            command = [sys.executable, "-m", "tui.cli", "--hub", url, "--token", token]
            total, took = measure(command, size, env, warmup, seconds, cwd=src, keep=keep)
        finally:
            assert hub.stdin is not None
            hub.stdin.close()
            hub.wait(timeout=10)
        return result(total, took)
    command = [sys.executable, "-m", "tui.cli", "demo", "--scenario", scenario, "--seed", "1"]
    total, took = measure(command, size, env, warmup, seconds, cwd=src, keep=keep)
    return result(total, took)


def table(results: list[Result]) -> str:
    """The results as a Markdown table: B/s, and the ratio to ``top`` at the same size."""
    top = {r.size: r.per_second for r in results if r.scenario == "top"}
    lines = [
        "| source | scenario | size | bytes | seconds | B/s | vs top |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        anchor = top.get(r.size)
        ratio = f"{r.per_second / anchor:.2f}" if anchor else "-"
        lines.append(
            f"| {r.label} | {r.scenario} | {r.size} | {r.total:,} | {r.seconds:.1f} "
            f"| {r.per_second:,.0f} | {ratio} |"
        )
    return "\n".join(lines)


def row_table(results: list[Result]) -> str:
    """B/s per screen row for each run that counted rows (rows with no bytes left out)."""
    lines: list[str] = []
    for r in results:
        if not r.rows:
            continue
        lines.append(f"\n{r.label} · {r.scenario} · {r.size}: {r.per_second:,.0f} B/s")
        for number, count in enumerate(r.rows, start=1):
            if count:
                lines.append(f"  row {number:3d}: {count / r.seconds:8,.0f} B/s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the flags, run every combination, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="e.g. 80x24,120x40")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="idle,calm,demo,storm")
    parser.add_argument("--warmup", type=float, default=6.0, help="seconds before counting")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds counted")
    parser.add_argument(
        "--src", action="append", default=[], metavar="LABEL=DIR", help="a checkout to measure"
    )
    parser.add_argument("--rows", action="store_true", help="bytes per screen row too")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)
    sources = [tuple(s.split("=", 1)) for s in args.src] or [("this", str(ROOT))]
    results: list[Result] = []
    for size in args.sizes.split(","):
        results.append(run_one("top -d 1", ROOT, "top", size, args.warmup, args.seconds, args.rows))
        for scenario in args.scenarios.split(","):
            # Interleaved: each checkout measured under the same moment's load.
            for label, src in sources:
                path = Path(src).resolve()
                results.append(
                    run_one(label, path, scenario, size, args.warmup, args.seconds, args.rows)
                )
    print(f"load average before the table: {os.getloadavg()[0]:.2f} (nproc {os.cpu_count()})")
    print(table(results))
    if args.rows:
        print(row_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
