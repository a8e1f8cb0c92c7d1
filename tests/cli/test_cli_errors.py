"""The `warroom` command at its edges: each mistake said in words, with the right exit code."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from services.domain.models import normalise_incident_id
from tests.fixtures import alertmanager_webhook
from tests.hubtools import RunningHub
from tui.cli import main

WARROOM = Path(sys.executable).with_name("warroom")


@pytest.fixture(autouse=True)
def _no_ambient_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No token or config from the person running the tests."""
    monkeypatch.delenv("WARROOM_TOKEN", raising=False)
    monkeypatch.delenv("WARROOM_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))


def test_a_config_file_that_is_not_there_is_named(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "typo.toml"
    with pytest.raises(SystemExit) as exited:
        main(["stop", "--config", str(missing), "--status"])
    assert exited.value.code == 2
    assert f"{missing}: no such config file" in capsys.readouterr().err


def test_no_token_is_said_with_the_refused_code(hub: RunningHub, capsys) -> None:
    assert main(["stop", "--hub", hub.url, "--status"]) == 2
    err = capsys.readouterr().err
    assert "no token" in err and "WARROOM_TOKEN" in err
    assert "Illegal header" not in err
    assert main(["export", "--hub", hub.url, "INC-1"]) == 2
    assert "no token" in capsys.readouterr().err


@pytest.mark.parametrize("form", [["--token", "-x"], ["--token=-x"]])
def test_a_token_starting_with_a_dash_is_a_token(hub: RunningHub, capsys, form) -> None:
    # The hub refuses it (401): what matters is that it reached the hub as a token.
    code = main(["stop", "--hub", hub.url, *form, "--status", "--json"])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert "HTTP 401" in out


def test_generated_tokens_never_start_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.cli import hub as hub_cli

    drawn = iter(["-starts-with-a-dash", "fine-token"])
    monkeypatch.setattr(hub_cli.secrets, "token_urlsafe", lambda _n: next(drawn))
    assert hub_cli.new_token() == "fine-token"


def test_export_accepts_the_id_in_lower_case(hub: RunningHub, capsys) -> None:
    hub.client("ingest").post(
        "/api/ingest/alertmanager", json=alertmanager_webhook("webhook-firing-support.json")
    )
    iid = hub.client("viewer").get("/api/incidents").json()["incidents"][0]["id"]
    code = main(["export", "--hub", hub.url, "--token", hub.tokens["viewer"], iid.lower()])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert iid in out
    assert main(["export", "--hub", hub.url, "--token", "t", "seven"]) == 2
    assert "not an incident id" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("INC-7", "INC-7"), ("inc-7", "INC-7"), ("inc7", "INC-7"), (" 7 ", "INC-7"), ("x", None)],
)
def test_incident_ids_as_typed(typed: str, expected: str | None) -> None:
    assert normalise_incident_id(typed) == expected


def test_enable_global_warns_and_offers_the_guided_path(hub: RunningHub, capsys) -> None:
    flags = ["--hub", hub.url, "--token", hub.tokens["incident-commander"]]
    assert main(["stop", *flags, "--global", "--reason", "runaway"]) == 0
    capsys.readouterr()
    assert main(["enable", *flags, "--global"]) == 0  # not a terminal: warned, then done
    err = capsys.readouterr().err
    assert "warning" in err and "guided restore" in err and "one at a time" in err


def test_status_into_a_closed_pipe_has_no_traceback(hub: RunningHub) -> None:
    """`warroom stop --status --json | head -c 600`, with the reader already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [str(WARROOM), "stop", "--hub", hub.url, "--status", "--json"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "WARROOM_TOKEN": hub.tokens["viewer"]},
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.returncode == 0


def test_a_hub_on_a_busy_port_says_the_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(WARROOM), "hub", "--port", str(port), "--data", str(tmp_path / "hub")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is taken" in result.stderr
    assert "Traceback" not in result.stderr
    assert "listening" not in result.stderr
