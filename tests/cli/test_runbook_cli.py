"""`warroom runbook`: the offline runbook, with no hub, no config and no Textual.

Run as a person would (the installed command, in a bare environment and an empty
folder) and in-process for what it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.domain.models import ALL_CATEGORIES
from services.domain.policy import REQUIRED_STEPS
from services.domain.runbook import group_of, load_runbook, runbook_markdown, step_text
from services.ops.outcome import ExitCode
from tui.cli import main

WARROOM = Path(sys.executable).with_name("warroom")
ROOT = Path(__file__).resolve().parents[2]


def _bare_env(home: Path, **extra: str) -> dict[str, str]:
    """No WARROOM_* settings, a home with no config: nothing but the command itself."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), **extra}


def test_the_installed_command_prints_the_runbook_with_nothing_around(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(WARROOM), "runbook"],
        cwd=tmp_path,
        env=_bare_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == runbook_markdown()
    assert result.stderr == ""


def test_a_broken_config_file_does_not_stop_it(tmp_path: Path) -> None:
    """The runbook is what you read when everything else is broken."""
    config = tmp_path / "config.toml"
    config.write_text("hub = [not toml\n")
    result = subprocess.run(
        [str(WARROOM), "runbook", "--step", "contain"],
        cwd=tmp_path,
        env=_bare_env(tmp_path, WARROOM_CONFIG=str(config), WARROOM_HUB="not a url"),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout.startswith(step_text("contain"))


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """`warroom runbook | head`: the pipe is closed before anything is written."""
    process = subprocess.Popen(
        [str(WARROOM), "runbook"],
        cwd=tmp_path,
        env=_bare_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # no reader left: the command's write fails with EPIPE
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == ExitCode.OK, stderr
    assert "Traceback" not in stderr


# Runs `warroom ARGS...` in a fresh interpreter, then says whether Textual was loaded.
HARNESS = """
import sys
from tui.cli import main
code = main(sys.argv[1:])
print("exit", int(code), "textual", "textual" in sys.modules, file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [(), ("--step", "contain", "--category", "service_outage"), ("--cause", "code-bug")],
)
def test_it_never_imports_textual(args: tuple[str, ...]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", HARNESS, "runbook", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stderr.splitlines()[-1] == "exit 0 textual False"


@pytest.mark.parametrize("step", REQUIRED_STEPS)
def test_one_step_prints_its_section_then_its_checklist(step: str, capsys) -> None:
    assert main(["runbook", "--step", step]) == ExitCode.OK
    out = capsys.readouterr().out
    section, _, checklist = out.partition("\nChecklist:\n")
    assert section.rstrip() == step_text(step).rstrip()
    for item in load_runbook().checklist(step):
        assert f"[ ] {item.text}\n      ({item.id}" in checklist
    other = [s for s in REQUIRED_STEPS if s != step]
    assert not any(step_text(s).splitlines()[0] in out for s in other)


@pytest.mark.parametrize("category", ALL_CATEGORIES)
def test_contain_for_a_category_lists_its_groups_items_only(category: str, capsys) -> None:
    assert main(["runbook", "--step", "contain", "--category", category]) == ExitCode.OK
    out = capsys.readouterr().out
    group = group_of(category)
    assert f"Checklist, {group} incidents ({category}):" in out
    runbook = load_runbook()
    listed = [item.id for item in runbook.checklist("contain") if f"({item.id};" in out]
    assert listed == [item.id for item in runbook.checklist("contain", category)]
    if group == "system":
        assert "$ systemctl restart agentos-orchestrator" in out
    else:
        assert "warroom: killswitch)" in out or "warroom: killswitch;" in out


def test_the_root_cause_item_offers_the_four_causes(capsys) -> None:
    assert main(["runbook", "--step", "investigate"]) == ExitCode.OK
    out = capsys.readouterr().out
    for cause in load_runbook().causes:
        assert f"      - {cause.id}: {cause.text}?" in out


@pytest.mark.parametrize("cause", [c.id for c in load_runbook().causes])
@pytest.mark.parametrize("step_flag", [(), ("--step", "remediate")])
def test_a_cause_prints_its_remediation(cause: str, step_flag: tuple[str, ...], capsys) -> None:
    assert main(["runbook", *step_flag, "--cause", cause]) == ExitCode.OK
    out = capsys.readouterr().out
    fix = load_runbook().remediation(cause)
    assert f"Root cause {cause}: {fix.issue}: {fix.text}" in out
    for item in fix.items:
        assert f"({item.id}" in out
    assert "(remediate.apply;" not in out


def test_a_category_without_a_step_prints_every_steps_checklist(capsys) -> None:
    assert main(["runbook", "--category", "security"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.count("Checklist, security incidents:") == len(REQUIRED_STEPS)
    assert "(contain.breach;" in out and "(contain.restart-service;" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cause", "bad-luck"), "unknown root cause 'bad-luck' (known: code-bug"),
        (("--step", "contain", "--cause", "code-bug"), "--cause goes with --step remediate"),
    ],
)
def test_a_bad_cause_is_refused(args: tuple[str, ...], message: str, capsys) -> None:
    assert main(["runbook", *args]) == ExitCode.REFUSED
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"warroom runbook: {message}")


@pytest.mark.parametrize("flag", [("--step", "celebrate"), ("--category", "gremlins")])
def test_an_unknown_step_or_category_is_an_argument_error(flag: tuple[str, ...], capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["runbook", *flag])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_environment_is_not_needed(monkeypatch, capsys) -> None:
    for name in [n for n in os.environ if n.startswith("WARROOM_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("WARROOM_HUB", "not a url")  # would stop any command that reads settings
    assert main(["runbook"]) == ExitCode.OK
    assert capsys.readouterr().out == runbook_markdown()
