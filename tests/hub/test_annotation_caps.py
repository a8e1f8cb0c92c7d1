"""Alertmanager annotations are capped, with a visible marker, before they are kept."""

from __future__ import annotations

from typing import Any

from services.hub.state.alertmanager import ANNOTATION_MAX, ANNOTATIONS_MAX, capped_annotations
from tests.hub.helpers import fixture


def test_a_70_kb_annotation_is_cut_with_a_marker(hub: Any) -> None:
    body = fixture("webhook-firing-billing.json")
    body["alerts"][0]["annotations"]["description"] = "d" * 70_000
    answer = hub.client("ingest").post("/api/ingest/alertmanager", json=body)
    assert answer.status_code == 200, answer.text
    alerts = hub.client("viewer").get("/api/state").json()["alerts"]
    fingerprint = body["alerts"][0]["fingerprint"]
    (alert,) = [a for a in alerts if a["fingerprint"] == fingerprint]
    kept = alert["annotations"]["description"]
    shown = kept.count("d")  # the marker has none
    assert len(kept) <= ANNOTATION_MAX and kept.endswith(f"… [cut {70_000 - shown} chars]")
    assert len(alert["description"]) <= ANNOTATION_MAX


def test_all_annotations_together_are_capped() -> None:
    many = {f"k{n}": "v" * 3000 for n in range(20)}
    kept = capped_annotations(many)
    assert sum(len(k) + len(v) for k, v in kept.items()) <= ANNOTATIONS_MAX
    assert kept["k0"] == "v" * 3000 and "[cut" in kept["k5"]
    assert kept["warroom.cut"].startswith("14 more annotations dropped")
    assert capped_annotations({"summary": "short"}) == {"summary": "short"}


def test_fat_alerts_keep_the_snapshot_well_under_the_frame_limit(hub: Any) -> None:
    """The ingest token alone must not make a snapshot no console can take (64 MiB)."""
    from services.hub.state.alerts import MAX_ALERT_BYTES
    from tests.hub.test_slow_client import _webhook

    ingest = hub.client("ingest")
    for batch in range(30):  # 1,500 alerts of ~16 KB of annotations: ~25 MB sent
        body = _webhook(batch)
        for alert in body["alerts"]:
            alert["annotations"] = {f"a{n}": "z" * 4100 for n in range(4)}
        assert ingest.post("/api/ingest/alertmanager", json=body).status_code == 200
    state = hub.client("viewer").get("/api/state")
    assert len(state.content) < MAX_ALERT_BYTES + 2 * 1024 * 1024
    assert 500 < len(state.json()["alerts"]) < 1500  # the oldest went first
