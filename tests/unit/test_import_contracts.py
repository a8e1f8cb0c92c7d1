"""The architecture's import contracts (``[tool.importlinter]`` in pyproject.toml) hold,
and each one fails on a deliberate violation.

``make lint`` runs ``lint-imports`` on the tree. Here each contract is run on a copy
of the packages into which one forbidden import was written, so a contract that
could never fail (a typo in a module name, a layer that matches nothing) is caught.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tui", "widgets", "services", "storage")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# contract id -> (module file to append to, the forbidden import written there)
VIOLATIONS: dict[str, tuple[str, str]] = {
    "layers": ("storage/files.py", "import services.console.state"),
    "domain-pure": ("services/domain/textsafe.py", "import httpx"),
    "widgets-no-io": ("widgets/safe_text.py", "import storage.files"),
    "services-no-textual": ("services/console/state.py", "import textual"),
    "storage-no-network": ("storage/files.py", "import httpx"),
    "hub-http-over-state": ("services/hub/state/alerts.py", "import services.hub.http.validate"),
    "no-cycles": ("widgets/severity_badge.py", "import widgets.alert_feed"),
    "tui-layers": ("tui/screens/help.py", "import tui.app"),
    "wall-read-only": ("tui/wall/app.py", "import services.console.outbox"),
}


def _contract_ids() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [c["id"] for c in config["tool"]["importlinter"]["contracts"]]


def _lint(tree: Path, contract: str | None = None) -> subprocess.CompletedProcess[str]:
    args = [str(LINT_IMPORTS), "--no-cache"]
    if contract is not None:
        args += ["--contract", contract]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def copy_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pristine copy of the packages and pyproject.toml."""
    root = tmp_path_factory.mktemp("contracts") / "pristine"
    root.mkdir()
    for name in PACKAGES:
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_every_contract_has_a_violation() -> None:
    assert sorted(_contract_ids()) == sorted(VIOLATIONS)


def test_the_tree_keeps_every_contract(copy_root: Path) -> None:
    result = _lint(copy_root)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("contract", sorted(VIOLATIONS))
def test_contract_fails_on_a_violation(contract: str, copy_root: Path, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(copy_root, tree)
    module, line = VIOLATIONS[contract]
    with (tree / module).open("a", encoding="utf-8") as handle:
        handle.write(f"\n{line}  # deliberate violation\n")
    result = _lint(tree, contract)
    assert result.returncode != 0, f"{contract} kept despite `{line}` in {module}"
    assert "BROKEN" in result.stdout
