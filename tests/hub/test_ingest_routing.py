"""The ingest token cannot open unlimited incidents (issue 8)."""

from __future__ import annotations

import copy
from typing import Any

from tests.hub.helpers import fixture


def _alert(body: dict[str, Any], n: int, pack: str, alertname: str) -> dict[str, Any]:
    alert = copy.deepcopy(body["alerts"][0])
    alert["labels"].update({"pack": pack, "alertname": alertname, "agent": f"a{n}"})
    alert["fingerprint"] = f"{n:016x}"
    return alert


def _incidents(hub: Any) -> list[dict[str, Any]]:
    return list(hub.client("viewer").get("/api/incidents").json()["incidents"])


def test_unknown_packs_share_one_unrouted_incident_per_alertname(hub: Any) -> None:
    body = fixture("webhook-firing-billing.json")
    body["alerts"] = [_alert(body, n, f"made-up-{n}", "RunawayAgent") for n in range(10)]
    body["alerts"] += [_alert(body, 100 + n, f"other-{n}", "CostSpike") for n in range(5)]
    assert hub.client("ingest").post("/api/ingest/alertmanager", json=body).status_code == 200
    incidents = _incidents(hub)
    assert len(incidents) == 2  # one per alertname, not one per invented pack
    assert all(i["packs"] == [] for i in incidents)
    health = hub.client().get("/health").json()["ingest"]
    assert health["unrouted"] == 15


def test_incidents_opened_by_ingest_are_rate_limited_and_counted(hub: Any) -> None:
    body = fixture("webhook-firing-billing.json")
    ingest = hub.client("ingest")
    for batch in range(30):  # 30 alertnames on an unknown pack: 30 would-be incidents
        body["alerts"] = [_alert(body, batch, "nowhere", f"Name{batch}")]
        assert ingest.post("/api/ingest/alertmanager", json=body).status_code == 200
    assert len(_incidents(hub)) == 20  # MAX_OPENS in a minute
    assert hub.client().get("/health").json()["ingest"]["incidents_limited"] == 10
