"""``warroom silence`` against a real hub and a real Alertmanager: create, list, expire;
exit codes for a refusal and a hub that does not answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alertmanager import (
    RunningAlertmanager,
    needs_alertmanager,
    prometheus_alert,
    start_alertmanager,
)
from tests.hubtools import HubFactory, RunningHub
from tests.ports import free_port
from tests.waiting import wait_until
from tui.cli import main

LABELS = {"alertname": "RunawayAgent", "pack": "legal", "severity": "critical"}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def wired(
    hub_factory: HubFactory, tmp_path: Path
) -> Iterator[tuple[RunningHub, RunningAlertmanager]]:
    port = free_port()
    hub = hub_factory(alertmanagers=[f"http://127.0.0.1:{port}"], alertmanager_pull_interval_s=0.5)
    webhook = hub.url + "/api/ingest/alertmanager"
    manager = start_alertmanager(tmp_path / "am", webhook, hub.tokens["ingest"], port=port)
    try:
        yield hub, manager
    finally:
        manager.stop()


@needs_alertmanager
def test_silence_list_and_expire(wired: tuple[RunningHub, RunningAlertmanager], capsys) -> None:
    hub, manager = wired
    manager.post_alerts([prometheus_alert(LABELS, "legal-bot loops")])
    viewer = hub.client("viewer")

    def alert() -> dict[str, str] | None:
        alerts = viewer.get("/api/state").json()["alerts"]
        return alerts[0] if alerts else None

    found = wait_until(alert, 20, "the alert")
    flags = ("--hub", hub.url, "--token", hub.tokens["on-call"])
    code, out, _ = _run(
        capsys,
        "silence",
        *flags,
        "--incident",
        found["incident_id"],
        "--minutes",
        "15",
        "--comment",
        "known",
        "--json",
    )
    assert code == 0, out
    [made] = json.loads(out)["silences"]
    assert found["incident_id"] in made["comment"]
    assert made["id"] in [s["id"] for s in manager.silences()]
    code, out, _ = _run(capsys, "silence", *flags, "--list")
    assert code == 0 and made["id"] in out and "active" in out
    code, out, _ = _run(capsys, "silence", *flags, "--expire", made["id"])
    assert code == 0 and "expired" in out
    state = {s["id"]: s for s in manager.silences()}[made["id"]]["status"]["state"]
    assert state == "expired"
    # A viewer is refused (exit 2), with the hub's reason.
    viewer_flags = ("--hub", hub.url, "--token", hub.tokens["viewer"])
    code, _, err = _run(
        capsys, "silence", *viewer_flags, "--alert", found["fingerprint"], "--comment", "x"
    )
    assert code == 2 and "forbidden" in err


def test_silence_without_a_comment_or_a_hub(hub: RunningHub, capsys) -> None:
    flags = ("--hub", hub.url, "--token", hub.tokens["on-call"])
    code, _, err = _run(capsys, "silence", *flags, "--alert", "abc")
    assert code == 2 and "--comment" in err
    # A hub with no Alertmanager configured refuses (409), it does not pretend.
    code, _, err = _run(capsys, "silence", *flags, "--list")
    assert code == 2 and "no Alertmanager" in err
    code, _, err = _run(capsys, "silence", "--hub", "http://127.0.0.1:9", "--token", "t", "--list")
    assert code == 3
