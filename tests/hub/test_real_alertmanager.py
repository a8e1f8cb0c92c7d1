"""Against a real Prometheus Alertmanager 0.25 on loopback (tests/alertmanager.py):
webhook in, pull mode, silences out, inhibition, an HA pair, a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.domain.timeutil import to_rfc3339
from tests.alertmanager import (
    RUNAWAY,
    RunningAlertmanager,
    alerts_of,
    needs_alertmanager,
    prometheus_alert,
    start_alertmanager,
)
from tests.hub.helpers import timeline_of
from tests.hubtools import HubFactory
from tests.ports import free_port, free_ports
from tests.waiting import wait_until

pytestmark = needs_alertmanager

RATE = {"alertname": "RateLimitBreach", "pack": "finance", "agent": "ledger", "severity": "warning"}
WATCHDOG = {"alertname": "Watchdog", "severity": "none"}


def test_webhook_pull_silence_and_restart(
    hub_factory: HubFactory, managers: list[RunningAlertmanager], tmp_path: Path
) -> None:
    port = free_port()
    am_url = f"http://127.0.0.1:{port}"
    hub = hub_factory(alertmanagers=[am_url], alertmanager_pull_interval_s=0.5)
    manager = start_alertmanager(
        tmp_path / "am", hub.url + "/api/ingest/alertmanager", hub.tokens["ingest"], port=port
    )
    managers.append(manager)
    manager.post_alerts(
        [
            prometheus_alert(RUNAWAY, "ledger is looping", runbook_url="https://rb.example/r"),
            prometheus_alert(RATE, "ledger hit its rate limit"),
            prometheus_alert(WATCHDOG, "always firing"),
        ]
    )
    # Webhook in: the critical alert opens an incident; the Watchdog is shown, opens none.
    wait_until(lambda: {"RunawayAgent", "Watchdog"} <= set(alerts_of(hub)), 20, "the webhook")
    runaway = alerts_of(hub)["RunawayAgent"]
    assert runaway["incident_id"] and runaway["severity"] == "SEV2"
    assert runaway["annotations"]["runbook_url"] == "https://rb.example/r"
    assert runaway["external_url"] and runaway["group_key"]
    assert alerts_of(hub)["Watchdog"]["incident_id"] is None
    # Pull mode sees the inhibited alert, which the webhook never sends.
    rate = wait_until(lambda: alerts_of(hub).get("RateLimitBreach"), 20, "the inhibited alert")
    wait_until(lambda: alerts_of(hub)["RateLimitBreach"]["inhibited_by"], 20, "inhibited state")
    # Repeats are counted on one row.
    wait_until(lambda: alerts_of(hub)["RunawayAgent"]["repeat_count"] >= 2, 20, "a repeat")
    assert rate["labels"]["severity"] == "warning"

    # Silences out: created through the hub, seen in Alertmanager, on the timeline and audit.
    oncall = hub.client("on-call")
    body = {"fingerprint": runaway["fingerprint"], "minutes": 30, "comment": "known, fixing"}
    answer = oncall.post("/api/silences", json=body)
    assert answer.status_code == 200, answer.text
    [silence] = answer.json()["silences"]
    in_am = {s["id"]: s for s in manager.silences()}[silence["id"]]
    assert in_am["status"]["state"] == "active"
    assert runaway["incident_id"] in in_am["comment"] and "on-call-user" in in_am["comment"]
    assert in_am["createdBy"] == "on-call-user"
    muted = wait_until(lambda: alerts_of(hub)["RunawayAgent"]["silenced_by"], 10, "silenced")
    assert muted[0]["created_by"] == "on-call-user"
    assert "silence" in [e["kind"] for e in timeline_of(hub, runaway["incident_id"])]
    records = hub.client("viewer").get("/api/audit").json()["records"]
    assert ("silence", f"silence:{silence['id']}") in [(r["action"], r["target"]) for r in records]
    listed = oncall.get("/api/silences").json()["silences"]
    assert silence["id"] in [s["id"] for s in listed]
    # A viewer may not silence.
    assert hub.client("viewer").post("/api/silences", json=body).status_code == 403

    expired = oncall.post(f"/api/silences/{silence['id']}/expire", json={})
    assert expired.status_code == 200, expired.text
    in_am = {s["id"]: s for s in manager.silences()}[silence["id"]]
    assert in_am["status"]["state"] == "expired"
    wait_until(lambda: not alerts_of(hub)["RunawayAgent"]["silenced_by"], 10, "unsilenced")

    # A restart loses nothing.
    incident_id = runaway["incident_id"]
    hub.restart()
    assert alerts_of(hub)["RunawayAgent"]["incident_id"] == incident_id

    # Resolved in Alertmanager: resolved in warroom, still linked to its incident.
    ended = to_rfc3339(datetime.now(UTC) - timedelta(seconds=1))
    manager.post_alerts([{**prometheus_alert(RUNAWAY, "ledger is looping"), "endsAt": ended}])
    wait_until(lambda: alerts_of(hub)["RunawayAgent"]["status"] == "resolved", 20, "the resolution")
    assert alerts_of(hub)["RunawayAgent"]["incident_id"] == incident_id


def test_pull_mode_alone_with_an_ha_pair(
    hub_factory: HubFactory, managers: list[RunningAlertmanager], tmp_path: Path
) -> None:
    ports = free_ports(2)
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    hub = hub_factory(alertmanagers=urls, alertmanager_pull_interval_s=0.3)
    # No webhook reaches the hub: pull mode is all it has.
    nowhere = "http://127.0.0.1:9/nowhere"
    for index, port in enumerate(ports):
        managers.append(start_alertmanager(tmp_path / f"am{index}", nowhere, "x", port=port))
    alerts = [prometheus_alert(RUNAWAY, "ledger is looping"), prometheus_alert(WATCHDOG, "wd")]
    for manager in managers:
        manager.post_alerts(alerts)  # Prometheus sends to both of an HA pair
    wait_until(lambda: {"RunawayAgent", "Watchdog"} <= set(alerts_of(hub)), 20, "pulled alerts")
    state = hub.client("viewer").get("/api/state").json()
    assert len(state["alerts"]) == 2  # one per fingerprint, not one per instance
    assert len(state["incidents"]) == 1
    # Gone from Alertmanager: resolved.
    ended = to_rfc3339(datetime.now(UTC) - timedelta(seconds=1))
    for manager in managers:
        manager.post_alerts([{**alerts[0], "endsAt": ended}])
    wait_until(lambda: alerts_of(hub)["RunawayAgent"]["status"] == "resolved", 20, "reconciled")
    assert alerts_of(hub)["Watchdog"]["status"] == "firing"


def test_silence_retries_with_the_same_key_apply_once(
    hub_factory: HubFactory, managers: list[RunningAlertmanager], tmp_path: Path
) -> None:
    port = free_port()
    hub = hub_factory(alertmanagers=[f"http://127.0.0.1:{port}"], alertmanager_pull_interval_s=30)
    manager = start_alertmanager(
        tmp_path / "am", hub.url + "/api/ingest/alertmanager", hub.tokens["ingest"], port=port
    )
    managers.append(manager)
    manager.post_alerts([prometheus_alert(RUNAWAY, "ledger is looping")])
    wait_until(lambda: "RunawayAgent" in alerts_of(hub), 20, "the webhook")
    runaway = alerts_of(hub)["RunawayAgent"]
    oncall = hub.client("on-call")
    body = {"fingerprint": runaway["fingerprint"], "minutes": 30, "comment": "known"}
    key = {"Idempotency-Key": "silence-once-1"}
    first = oncall.post("/api/silences", json=body, headers=key)
    again = oncall.post("/api/silences", json=body, headers=key)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert len(manager.silences()) == 1  # the retry made no second silence
    [silence] = first.json()["silences"]
    path = f"/api/silences/{silence['id']}/expire"
    expire_key = {"Idempotency-Key": "expire-once-1"}
    assert oncall.post(path, json={}, headers=expire_key).status_code == 200
    replay = oncall.post(path, json={}, headers=expire_key)
    assert replay.status_code == 200 and replay.headers.get("Idempotency-Replayed") == "true"
    kinds = [e["text"] for e in timeline_of(hub, runaway["incident_id"]) if e["kind"] == "silence"]
    assert len([t for t in kinds if "expired" in t]) == 1
    assert len([t for t in kinds if t.startswith("silenced")]) == 1
