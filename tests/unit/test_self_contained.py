"""No file of the project names a path outside the repository.

A clone with nothing beside it must pass its tests, so nothing tracked may reach a
sibling folder (the shared folder beside it), an absolute path of one machine, or climb above the
repository with ``Path(__file__).parents[N]`` / ``.parent.parent…``. The scanner is
tested on examples first, so the scan of the tree below is known to be able to fail.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.fixtures import ALERTMANAGER, fixture_path

ROOT = Path(__file__).resolve().parents[2]

# Written in pieces so that this file does not match its own patterns.
_SIBLING = re.compile(r"\.\." + r"[/\\]shared\b")
_MACHINE = re.compile(r"(?<![\w.])/(?:" + "|".join(["work", "home", "Users", "mnt", "srv"]) + r")/")
_PARENTS = re.compile(r"\bparents\[(\d+)\]((?:\.parent\b)*)")
_PARENT_CHAIN = re.compile(r"(?<!\.parents)((?:\.parent\b){2,})")
_SKIP_DIRS = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def escapes(relpath: str, text: str) -> list[str]:
    """Each way ``text`` (the file at ``relpath`` in the repository) names a path outside it."""
    found: list[str] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        where = f"{relpath}:{line_no}"
        found += [f"{where}: sibling folder {m.group(0)!r}" for m in _SIBLING.finditer(line)]
        found += [f"{where}: machine path {m.group(0)!r}" for m in _MACHINE.finditer(line)]
        # From a file at a/b/c.py, `.parents[2]` (3 levels up) is the root; more escapes.
        levels_to_root = len(Path(relpath).parts)
        for m in _PARENTS.finditer(line):
            levels = int(m.group(1)) + 1 + m.group(2).count(".parent")
            if levels > levels_to_root:
                found.append(f"{where}: {m.group(0)!r} climbs above the repository")
        for m in _PARENT_CHAIN.finditer(line):
            if m.group(1).count(".parent") > levels_to_root:
                found.append(f"{where}: {m.group(1)!r} climbs above the repository")
    return found


def tracked_files(root: Path) -> list[str]:
    """The repository's files (tracked, and new ones not ignored, so they are checked before
    they are committed); in an export without .git, every file of the tree."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return [
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and not _SKIP_DIRS & set(p.relative_to(root).parts)
        ]
    return [name for name in out.decode().split("\0") if name]


UP = ".."
BAD = [
    ("tests/hub/helpers.py", "F = Path(__file__).resolve().parents[" + '3] / "shared"'),
    ("tests/x.py", "F = Path(__file__).parents[2]"),
    ("tests/hub/helpers.py", "F = Path(__file__).resolve().parents[" + "2].parent"),
    ("tests/x.py", "F = Path(__file__).parent.parent.parent"),
    ("tests/x.py", 'F = "' + UP + '/shared/fixtures"'),
    ("README.md", "see " + UP + "/" + UP + "/shared/DESIGN.md"),
    ("tests/unit/test_redaction.py", 'F = Path("/' + 'work/shared/fixtures")'),
    ("docs/x.md", "cp /" + "home/me/payloads ."),
]
GOOD = [
    ("tests/hub/helpers.py", 'ROOT = Path(__file__).resolve().parents[2] / "docs"'),
    ("tests/x.py", "F = Path(__file__).parent.parent"),
    ("tests/console/test_api_client.py", 'await client.set_severity("INC/' + UP + '/x", "SEV1")'),
    ("tests/fixtures/__init__.py", 'ALERTMANAGER = HERE / "alertmanager"'),
    ("Makefile", "test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)"),
    ("services/x.py", 'URL = "http://127.0.0.1:8080/api/stream"'),
]


@pytest.mark.parametrize(("relpath", "line"), BAD)
def test_the_scanner_finds_each_escape(relpath: str, line: str) -> None:
    assert escapes(relpath, line), line


@pytest.mark.parametrize(("relpath", "line"), GOOD)
def test_the_scanner_leaves_paths_inside_the_repository(relpath: str, line: str) -> None:
    assert escapes(relpath, line) == []


def test_no_tracked_file_names_a_path_outside_the_repository() -> None:
    files = tracked_files(ROOT)
    assert "tests/unit/test_self_contained.py" in files  # the list is the repository's
    found: list[str] = []
    for name in files:
        path = ROOT / name
        if path.is_file():  # a tracked file someone is deleting right now
            found += escapes(name, path.read_bytes().decode("utf-8", errors="replace"))
    assert found == [], "\n".join(found)


def test_fixtures_are_inside_the_repository() -> None:
    assert ALERTMANAGER.is_relative_to(ROOT)
    assert fixture_path("webhook-firing-support.json").is_file()
    with pytest.raises(FileNotFoundError, match="no fixture"):
        fixture_path("not-captured.json")
