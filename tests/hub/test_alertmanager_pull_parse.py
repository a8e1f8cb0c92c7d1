"""Pull mode's parsing of Alertmanager's own API bodies (captured from 0.25)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.domain.policy import load_policy
from services.hub.errors import BadRequest
from services.hub.state.alertmanager import parse_pulled, parse_silences
from tests.fixtures import load_json

NOW = datetime(2026, 11, 25, 18, 0, 0, tzinfo=UTC)
POLICY = load_policy()


def test_the_captured_api_alerts_parse() -> None:
    pulled = parse_pulled(load_json("api-v2-alerts.json"), POLICY, NOW, "http://am:9093")
    by_fp = {item.alert.fingerprint: item for item in pulled}
    pii = by_fp["65e4f9066fb1276e"]
    # endsAt is Alertmanager's provisional end, still ahead: firing.
    assert pii.firing and pii.alert.status == "firing"
    assert pii.alert.external_url == "http://am:9093"
    assert pii.alert.annotations["summary"] == "Possible PII in ticket-summarizer output"
    assert pii.alert.silenced_by == [] and pii.alert.inhibited_by == []


def test_muted_and_ended_alerts() -> None:
    body: list[dict[str, Any]] = load_json("api-v2-alerts.json")
    body[0]["status"] = {"state": "suppressed", "silencedBy": ["s-1"], "inhibitedBy": ["fp-x"]}
    body[1]["endsAt"] = "2026-11-25T17:59:00.000Z"
    pulled = parse_pulled(body, POLICY, NOW, "")
    assert [s.id for s in pulled[0].alert.silenced_by] == ["s-1"]
    assert pulled[0].alert.inhibited_by == ["fp-x"]
    assert not pulled[1].firing and pulled[1].alert.ended_at == "2026-11-25T17:59:00.000Z"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"alerts": []}, "Expected `array`"),
        ([{"startsAt": "2026-11-25T17:48:11Z"}], "fingerprint"),
        ([{"fingerprint": "a", "startsAt": "yesterday"}], "startsAt"),
        (
            [{"fingerprint": "a", "startsAt": "2026-11-25T17:48:11Z", "status": {"state": "x"}}],
            "state",
        ),
    ],
)
def test_malformed_api_bodies_name_the_field(body: Any, field: str) -> None:
    with pytest.raises(BadRequest, match=field):
        parse_pulled(body, POLICY, NOW, "")


def test_silences_parse() -> None:
    silences = parse_silences(
        [
            {
                "id": "s-1",
                "matchers": [{"name": "alertname", "value": "X", "isRegex": False}],
                "startsAt": "2026-11-25T17:00:00Z",
                "endsAt": "2026-11-25T19:00:00Z",
                "createdBy": "alice",
                "comment": "known (INC-7, by alice via warroom)",
                "status": {"state": "active"},
            }
        ]
    )
    assert silences["s-1"].created_by == "alice" and silences["s-1"].state == "active"
    with pytest.raises(BadRequest, match="matchers"):
        parse_silences([{"id": "s", "startsAt": "", "endsAt": ""}])
