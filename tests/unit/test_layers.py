"""The layers stay apart (CONVENTIONS.md): each layer is imported in a fresh
interpreter and what it pulled in is checked."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# layer -> modules it must never pull in
FORBIDDEN = {
    "services": ("textual",),
    "storage": ("textual", "httpx", "websockets", "starlette"),
    "widgets": ("httpx", "websockets", "tinydb", "starlette", "uvicorn"),
}


def _modules(layer: str) -> list[str]:
    names = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer: str) -> None:
    modules = _modules(layer)
    assert modules, f"no modules in {layer}/"
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN[layer]!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{layer}/ imports {result.stdout.strip()}"


def test_cli_fallback_does_not_load_textual() -> None:
    """`warroom hub|health|stop` must work where the console cannot start."""
    code = "import sys, tui.cli; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
