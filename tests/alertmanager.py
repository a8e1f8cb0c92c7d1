"""A real Prometheus Alertmanager (Debian's ``prometheus-alertmanager``) for tests.

``start_alertmanager(folder, webhook_url, token)`` runs one on a free loopback port,
with gossip off (``--cluster.listen-address=`` empty), a fresh storage folder, short
group and repeat intervals, a webhook receiver pointing at the hub with the ingest
token, and an inhibition (a ``critical`` alert mutes ``warning`` ones of its pack).
It is stopped by its PID. Tests skip, saying why, only when the binary is missing
(``make test`` installs it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ports import free_port
from tests.waiting import wait_until

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")

needs_alertmanager = pytest.mark.skipif(
    BINARY is None,
    reason="prometheus-alertmanager is not installed (make system-deps installs it)",
)

CONFIG = """
route:
  receiver: warroom
  group_by: [alertname, pack]
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: {repeat}
receivers:
  - name: warroom
    webhook_configs:
      - url: {url}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [pack]
"""


@dataclass
class RunningAlertmanager:
    """One Alertmanager process, its URL and an HTTP client on it."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """``POST /api/v2/alerts``, as Prometheus does."""
        httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=5).raise_for_status()

    def alerts(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.url}/api/v2/alerts", timeout=5)
        answer.raise_for_status()
        items: list[dict[str, Any]] = answer.json()
        return items

    def silences(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.url}/api/v2/silences", timeout=5)
        answer.raise_for_status()
        items: list[dict[str, Any]] = answer.json()
        return items

    def stop(self) -> None:
        """Stop by PID: SIGTERM, then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_alertmanager(
    folder: Path,
    webhook_url: str,
    token: str,
    repeat_interval: str = "2s",
    port: int | None = None,
) -> RunningAlertmanager:
    """Start Alertmanager on ``port`` (a free loopback one by default); returns once its
    API answers."""
    assert BINARY is not None
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "alertmanager.yml"
    text = CONFIG.format(
        url=json.dumps(webhook_url), token=json.dumps(token), repeat=repeat_interval
    )
    config.write_text(text, encoding="utf-8")
    port = port or free_port()
    log = folder / "alertmanager.log"
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={config}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    running = RunningAlertmanager(f"http://127.0.0.1:{port}", process, log)

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"alertmanager exited: {log.read_text(errors='replace')}")
        try:
            return httpx.get(f"{running.url}/-/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(ready, 20, "alertmanager to answer")
    except BaseException:
        running.stop()
        raise
    return running


def prometheus_alert(labels: dict[str, str], summary: str, **annotations: str) -> dict[str, Any]:
    """An alert as Prometheus posts it (no end: firing until it is re-posted with one)."""
    return {
        "labels": labels,
        "annotations": {"summary": summary, **annotations},
        "generatorURL": "http://prometheus.example/graph?g0.expr=up",
    }


# A critical alert of the finance pack's ledger agent: opens a SEV2 incident.
RUNAWAY = {
    "alertname": "RunawayAgent",
    "pack": "finance",
    "agent": "ledger",
    "severity": "critical",
}


def alerts_of(hub: Any) -> dict[str, dict[str, Any]]:
    """A hub's alerts by alertname, as ``/api/state`` holds them."""
    state = hub.client("viewer").get("/api/state").json()
    return {a["labels"].get("alertname", ""): a for a in state["alerts"]}
