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
