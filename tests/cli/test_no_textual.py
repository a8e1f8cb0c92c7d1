"""The fallbacks work where the console cannot start: the commands that draw no
screen never import Textual. Each runs in a fresh interpreter, as `warroom` would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.hubtools import RunningHub

ROOT = Path(__file__).resolve().parents[2]

# Runs `warroom ARGS...` in this interpreter, then says whether Textual was loaded.
HARNESS = """
import sys
from tui.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:  # --help
    code = exit.code
print("exit", int(code or 0), "textual", "textual" in sys.modules)
"""


def _warroom(*args: str, preload: str = "") -> tuple[int, bool]:
    result = subprocess.run(
        [sys.executable, "-c", preload + HARNESS, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    words = result.stdout.splitlines()[-1].split()
    assert words[0] == "exit" and words[2] == "textual", result.stdout
    return int(words[1]), words[3] == "True"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("stop", "--status"), 0),
        (("stop", "--pack", "support", "--reason", "runaway"), 0),
        (("enable", "--pack", "support"), 0),
        (("health",), 0),
        (("export", "INC-404"), 2),  # refused by the hub: no such incident
    ],
)
def test_fallbacks_against_a_real_hub_do_not_import_textual(
    hub: RunningHub, args: tuple[str, ...], expected: int
) -> None:
    flags = ("--hub", hub.url)
    if args[0] != "health":
        flags += ("--token", hub.tokens["incident-commander"])
    assert _warroom(*args, *flags) == (expected, False)


@pytest.mark.parametrize(
    "args",
    [
        ("hub", "--config", "no-such-hub.toml"),  # loads the hub and the simulator, then refuses
        ("demo", "--scenario", "no-such-scenario"),  # refused before the console would start
    ],
)
def test_hub_and_demo_refusals_do_not_import_textual(args: tuple[str, ...]) -> None:
    assert _warroom(*args) == (2, False)


@pytest.mark.parametrize("command", ["hub", "demo", "stop", "export", "health"])
def test_help_does_not_import_textual(command: str) -> None:
    assert _warroom(command, "--help") == (0, False)


def test_the_check_sees_textual_when_it_is_loaded() -> None:
    """The harness is not blind: a process that loaded the console says so."""
    assert _warroom("health", "--help", preload="import tui.app\n") == (0, True)
