"""Hub replicas with a real Alertmanager: its webhooks reach any replica and every
replica holds the alerts; a silence made through one replica is made once in
Alertmanager, recorded on every replica, and a retry on another is answered the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alertmanager import (
    RUNAWAY,
    RunningAlertmanager,
    alerts_of,
    needs_alertmanager,
    prometheus_alert,
    start_alertmanager,
)
from tests.cluster.conftest import Replicas
from tests.hubtools import RunningHub
from tests.ports import free_port
from tests.waiting import wait_until

pytestmark = needs_alertmanager


def test_a_silence_through_one_replica_is_made_once_and_known_to_all(
    replicas: Replicas, managers: list[RunningAlertmanager], tmp_path: Path
) -> None:
    port = free_port()
    a, b = replicas(2, alertmanagers=[f"http://127.0.0.1:{port}"], alertmanager_pull_interval_s=30)
    manager = start_alertmanager(
        tmp_path / "am", a.url + "/api/ingest/alertmanager", a.tokens["ingest"], port=port
    )
    managers.append(manager)
    manager.post_alerts([prometheus_alert(RUNAWAY, "ledger is looping")])
    wait_until(lambda: "RunawayAgent" in alerts_of(b), 20, "the webhook, on the other replica")
    runaway = alerts_of(b)["RunawayAgent"]
    body = {"fingerprint": runaway["fingerprint"], "minutes": 30, "comment": "known"}
    key = {"Idempotency-Key": "cluster-silence-1"}
    first = a.client("on-call").post("/api/silences", json=body, headers=key)
    assert first.status_code == 200, first.text
    again = b.client("on-call").post("/api/silences", json=body, headers=key)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert len(manager.silences()) == 1  # the retry on b made no second silence
    [silence] = first.json()["silences"]
    for hub in (a, b):
        wait_until(lambda hub=hub: alerts_of(hub)["RunawayAgent"]["silenced_by"], 10, "muted")
        incident = runaway["incident_id"]
        timeline = hub.client("viewer").get(f"/api/incidents/{incident}").json()["timeline"]
        assert [e for e in timeline if e["kind"] == "silence" and silence["id"] in e["text"]]
    expired = b.client("on-call").post(f"/api/silences/{silence['id']}/expire", json={})
    assert expired.status_code == 200, expired.text
    wait_until(lambda: not alerts_of(a)["RunawayAgent"]["silenced_by"], 10, "unmuted on a")


def test_resolving_on_a_cluster_expires_the_incidents_silences_once(
    replicas: Replicas, managers: list[RunningAlertmanager], tmp_path: Path
) -> None:
    port = free_port()
    a, b, c = replicas(
        3, alertmanagers=[f"http://127.0.0.1:{port}"], alertmanager_pull_interval_s=30
    )
    manager = start_alertmanager(
        tmp_path / "am", b.url + "/api/ingest/alertmanager", b.tokens["ingest"], port=port
    )
    managers.append(manager)
    manager.post_alerts([prometheus_alert(RUNAWAY, "ledger is looping")])
    wait_until(lambda: "RunawayAgent" in alerts_of(a), 20, "the webhook")
    incident = alerts_of(a)["RunawayAgent"]["incident_id"]
    body = {"incident_id": incident, "minutes": 30, "comment": "contained"}
    assert a.client("on-call").post("/api/silences", json=body).status_code == 200
    resolved = c.client("incident-commander").post(
        f"/api/incidents/{incident}/resolve", json={"root_cause": "a retry loop in ledger"}
    )
    assert resolved.status_code == 200, resolved.text

    def expired_entries(hub: RunningHub) -> list[str]:
        timeline = hub.client("viewer").get(f"/api/incidents/{incident}").json()["timeline"]
        return [e["text"] for e in timeline if e["kind"] == "silence" and "expired" in e["text"]]

    wait_until(lambda: len(expired_entries(a)) >= 1, 15, "the silence expired")
    with pytest.raises(AssertionError):
        wait_until(lambda: len(expired_entries(a)) > 1, 3)  # once, not once per replica
    assert expired_entries(a) == expired_entries(b) == expired_entries(c)
