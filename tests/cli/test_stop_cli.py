"""The kill-switch CLI fallback against a real hub: exit codes, --json, idempotency."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hubtools import RunningHub
from tui.cli import main

WARROOM = Path(sys.executable).with_name("warroom")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_stop_status_enable_round_trip(hub: RunningHub, capsys) -> None:
    flags = ("--hub", hub.url, "--token", hub.tokens["on-call"])
    code, out, _ = _run(capsys, "stop", *flags, "--pack", "support", "--reason", "PII", "--json")
    assert code == 0
    body = json.loads(out)
    assert body["ok"] is True
    assert body["answer"]["applied"] == body["answer"]["applied"] | {
        "scope": "pack",
        "pack": "support",
        "enabled": False,
        "changed_by": "on-call-user",
        "reason": "PII",
    }
    code, out, _ = _run(capsys, "stop", *flags, "--status")
    assert code == 0
    assert "support" in out and "STOPPED by on-call-user" in out and "PII" in out
    # A time as a time (12:48:10 UTC), not the wire's RFC 3339.
    assert re.search(r"at \d\d:\d\d:\d\d UTC", out) and not re.search(r"\d{4}-\d\d-\d\dT", out)
    # Stopping what is stopped changes nothing and says so.
    code, out, _ = _run(capsys, "stop", *flags, "--pack", "support", "--reason", "again")
    assert code == 0 and "already" in out
    code, out, _ = _run(capsys, "enable", *flags, "--pack", "support")
    assert code == 0 and "re-enabled" in out
    status = hub.client("viewer").get("/api/packs/status").json()
    support = next(p for p in status["packs"] if p["name"] == "support")
    assert support["enabled"] is True
    # A re-enable without --reason is audited with a reason that says where it came from.
    records = hub.client("viewer").get("/api/audit", params={"target": "pack:support"}).json()
    newest = records["records"][0]
    assert (newest["action"], newest["reason"]) == ("enable", "re-enabled with warroom enable")


@pytest.mark.parametrize(
    ("role", "args", "needle"),
    [
        ("viewer", ("--pack", "support", "--reason", "x"), "HTTP 403"),
        ("on-call", ("--global", "--reason", "x"), "HTTP 403"),  # on-call may not stop all
        ("on-call", ("--pack", "no-such-pack", "--reason", "x"), "HTTP 404"),
        ("on-call", ("--pack", "support"), "--reason"),
        ("on-call", ("--pack", "support", "--reason", "   "), "--reason"),
    ],
)
def test_refusals_exit_2(hub: RunningHub, capsys, role: str, args: tuple, needle: str) -> None:
    code, _, err = _run(capsys, "stop", "--hub", hub.url, "--token", hub.tokens[role], *args)
    assert code == 2
    assert needle in err


async def test_a_stop_without_reason_is_refused_before_the_hub_is_asked() -> None:
    """No hub listens at this URL: a refusal (not 'unreachable') proves nothing was sent."""
    from services.ops.stop import set_switch

    outcome = await set_switch(
        "http://127.0.0.1:9", "t", pack="support", enabled=False, reason="  ", retry_delays=()
    )
    assert outcome.exit_code == 2 and "--reason" in outcome.message


def test_bad_token_exits_2_as_json(hub: RunningHub, capsys) -> None:
    code, out, _ = _run(
        capsys, "stop", "--hub", hub.url, "--token", "nope", "--global", "--reason", "x", "--json"
    )
    assert code == 2
    assert json.loads(out)["status"] == 401


def test_unreachable_exits_3_with_advice(hub: RunningHub, capsys) -> None:
    url = hub.url
    hub.stop()
    code, _, err = _run(
        capsys, "stop", "--hub", url, "--token", "t", "--pack", "support", "--reason", "x"
    )
    assert code == 3
    assert "did not answer" in err and "warroom stop --status" in err


def test_global_stop_as_incident_commander_through_the_real_command(hub: RunningHub) -> None:
    """The installed `warroom` entry point, in a subprocess, as a person would run it."""
    env = {"WARROOM_TOKEN": hub.tokens["incident-commander"], "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [str(WARROOM), "stop", "--hub", hub.url, "--global", "--reason", "runaway fleet"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "global switch STOPPED" in result.stdout
    status = hub.client("viewer").get("/api/packs/status").json()
    assert status["global"]["enabled"] is False
    assert status["global"]["reason"] == "runaway fleet"


def test_status_shows_escapes_as_visible_text(hub: RunningHub, capsys) -> None:
    """A reason typed elsewhere must not reach this terminal as an escape sequence."""
    hub.client("on-call").post(
        "/api/killswitch/pack/support",
        json={"enabled": False, "reason": "evil \x1b]52;c;aGk=\x07 reason"},
    )
    code, out, _ = _run(
        capsys, "stop", "--hub", hub.url, "--token", hub.tokens["viewer"], "--status"
    )
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "evil" in out


def test_hub_log_lines_show_escapes_as_visible_text() -> None:
    import logging

    from tui.cli.hub import SafeFormatter

    record = logging.LogRecord(
        "warroom.hub", logging.WARNING, __file__, 1, "stop: %s", ("x\x1b[2Jy",), None
    )
    line = SafeFormatter("%(message)s").format(record)
    assert line == "stop: x␛[2Jy"


def test_a_hub_without_config_keeps_its_generated_token(tmp_path: Path) -> None:
    """Restarting `warroom hub` must not lock out the consoles it already served."""
    from tui.cli.hub import generated_token

    first, path = generated_token(tmp_path / "data")
    again, _ = generated_token(tmp_path / "data")
    assert first == again and len(first) >= 24
    assert path.stat().st_mode & 0o777 == 0o600
    other, _ = generated_token(tmp_path / "elsewhere")
    assert other != first


def test_a_stop_goes_to_the_next_replica_once(hub: RunningHub, capsys) -> None:
    down = hub.url.rsplit(":", 1)[0] + ":9"  # nothing listens on the discard port
    flags = ("--hub", f"{down},{hub.url}", "--token", hub.tokens["on-call"])
    code, out, err = _run(capsys, "stop", *flags, "--pack", "support", "--reason", "PII")
    assert code == 0, err
    assert "STOPPED" in out and "attempt 1" in out  # the other replica, in the same try
    records = hub.client("viewer").get("/api/audit", params={"target": "pack:support"}).json()
    assert len(records["records"]) == 1


def test_a_bad_url_in_the_hub_list_is_named(capsys) -> None:
    flags = ("--hub", "http://127.0.0.1:9,127.0.0.1:8080", "--token", "t")
    code, _, err = _run(capsys, "stop", *flags, "--status")
    assert code != 0
    assert "--hub: URL 2 of 2 must be an http:// or https:// URL, not '127.0.0.1:8080'" in err
