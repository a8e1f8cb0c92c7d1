"""The README's "Layout of the code" table matches the tree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tui", "widgets", "services", "storage")


def _rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout of the code", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        match = re.match(r"\| `([^`]+)/` \|(.*)", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def _package_dirs() -> list[str]:
    found = []
    for top in PACKAGES:
        for init in sorted((ROOT / top).rglob("__init__.py")):
            found.append(init.parent.relative_to(ROOT).as_posix())
    return found


def test_every_listed_folder_exists() -> None:
    rows = _rows()
    assert rows, "no table rows found"
    missing = [folder for folder in rows if not (ROOT / folder).is_dir()]
    assert missing == []


def test_every_package_is_listed_or_named_in_its_parents_row() -> None:
    rows = _rows()
    unlisted = []
    for package in _package_dirs():
        if package in rows or any(row.startswith(f"{package}/") for row in rows):
            continue
        parent, _, name = package.rpartition("/")
        if parent in rows and name in rows[parent]:
            continue
        unlisted.append(package)
    assert unlisted == []


def test_every_package_says_what_lives_there() -> None:
    silent = [
        package
        for package in _package_dirs()
        if not (ROOT / package / "__init__.py").read_text(encoding="utf-8").startswith('"""')
    ]
    assert silent == []
