"""Atomic writes: a process killed at any step of a write leaves the old file or the new
one, whole, never a part of either.

Each case runs the write in a child process that SIGKILLs itself at one chosen step (after
the temporary file is made, half-way through writing its bytes, around each fsync, around
the rename), so no ``except`` or ``finally`` of the writer runs, as in a real crash. The
hooks sit on the system calls (``tempfile.mkstemp``, ``open``, ``os.fsync``,
``os.replace``), not on the writer's own code, so a writer that wrote over the target in
place would be caught half-way. This proves atomicity against a process crash; that the
data also reaches the disk in the right order is tests/unit/test_storage.py's durable-order
test (a process crash keeps the page cache, so it cannot show that).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from storage.atomic import open_db
from storage.files import write_text_atomic

ROOT = Path(__file__).resolve().parents[2]
# Large enough that "half-way" is many blocks in, and a torn file could not pass for whole.
OLD = "old-" * 50_000
NEW = "new-" * 60_000

CHILD = r"""
import builtins, io, os, signal, sys, tempfile
from pathlib import Path

writer, point, target = sys.argv[1], sys.argv[2], Path(sys.argv[3])
NEW = "new-" * 60_000

from storage.atomic import open_db
from storage.files import write_text_atomic

if writer == "tinydb":
    table = open_db(target).table("t")  # opened (and read) before any hook is set

def die():
    os.kill(os.getpid(), signal.SIGKILL)

fsyncs = 0
real_fsync, real_replace, real_mkstemp, real_open = os.fsync, os.replace, tempfile.mkstemp, io.open

def fsync(fd):
    global fsyncs
    fsyncs += 1
    if point == f"before-fsync-{fsyncs}":
        die()
    real_fsync(fd)
    if point == f"after-fsync-{fsyncs}":
        die()

def replace(src, dst, **kw):
    if point == "before-replace":
        die()
    real_replace(src, dst, **kw)
    if point == "after-replace":
        die()

def mkstemp(*a, **kw):
    made = real_mkstemp(*a, **kw)
    if point == "after-mkstemp":
        die()
    return made

class HalfWay:
    # A file opened for writing: at "mid-write", half the bytes reach the file, then death.
    def __init__(self, handle):
        self._handle = handle
    def write(self, data):
        if point == "mid-write":
            self._handle.write(data[: len(data) // 2])
            self._handle.flush()
            die()
        return self._handle.write(data)
    def __getattr__(self, name):
        return getattr(self._handle, name)
    def __enter__(self):
        self._handle.__enter__()
        return self
    def __exit__(self, *exc):
        return self._handle.__exit__(*exc)

def hooked_open(file, mode="r", *a, **kw):
    handle = real_open(file, mode, *a, **kw)
    return HalfWay(handle) if set(mode) & set("wax+") else handle

# os.fdopen and Path.write_* go through io.open, so one hook sees every way to write.
os.fsync, os.replace, tempfile.mkstemp = fsync, replace, mkstemp
io.open = builtins.open = hooked_open

if writer == "tinydb":
    table.update({"v": NEW})
else:
    write_text_atomic(target, NEW)
sys.exit(3)  # the chosen step never came: the test must fail, not pass by accident
"""

# Each step of a write, and what a crash there must leave behind.
STEPS = [
    ("after-mkstemp", OLD),
    ("mid-write", OLD),
    ("before-fsync-1", OLD),
    ("after-fsync-1", OLD),
    ("before-replace", OLD),
    ("after-replace", NEW),
    ("before-fsync-2", NEW),  # the folder's fsync
    ("after-fsync-2", NEW),
]


def _crash(writer: str, step: str, target: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, writer, step, str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == -9, f"not killed at {step}: {result.returncode} {result.stderr}"


@pytest.mark.parametrize(("step", "expected"), STEPS)
def test_tinydb_file_is_old_or_new_after_a_crash(tmp_path: Path, step: str, expected: str) -> None:
    target = tmp_path / "data.json"
    open_db(target).table("t").insert({"v": OLD})
    _crash("tinydb", step, target)
    assert json.loads(target.read_text(encoding="utf-8")) == {"t": {"1": {"v": expected}}}
    # Reopened as its owner would: read whole, nothing quarantined as corrupt.
    assert open_db(target).table("t").all() == [{"v": expected}]
    assert not [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]


@pytest.mark.parametrize(("step", "expected"), STEPS)
def test_text_file_is_old_or_new_after_a_crash(tmp_path: Path, step: str, expected: str) -> None:
    target = tmp_path / "token"
    write_text_atomic(target, OLD)
    _crash("text", step, target)
    assert target.read_text(encoding="utf-8") == expected
