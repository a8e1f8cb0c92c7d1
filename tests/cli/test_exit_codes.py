"""The `warroom` command's exit codes are defined once (services.ops.outcome.ExitCode)
and documented where a script author looks: the README's section on the CLI fallback."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from services.ops.outcome import ExitCode, Outcome

ROOT = Path(__file__).resolve().parents[2]


def _readme_exit_codes() -> dict[int, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## When the console cannot start", 1)[1].split("\n## ", 1)[0]
    return {
        int(code): meaning for code, meaning in re.findall(r"^\| (\d+) \| (.+) \|$", section, re.M)
    }


def test_the_readme_documents_every_exit_code_and_no_other() -> None:
    documented = _readme_exit_codes()
    assert sorted(documented) == sorted(int(code) for code in ExitCode)


def _module_level_exit_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id.startswith("EXIT_")]
    return names


@pytest.mark.parametrize("folder", ["tui", "services"])
def test_no_module_defines_its_own_exit_codes(folder: str) -> None:
    found = {
        str(path.relative_to(ROOT)): names
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (names := _module_level_exit_constants(path))
    }
    assert found == {}


def test_json_reports_the_code_as_a_number() -> None:
    body = Outcome(ExitCode.UNREACHABLE, "no answer").as_json()
    assert '"exit_code": 3' in body and '"ok": false' in body
