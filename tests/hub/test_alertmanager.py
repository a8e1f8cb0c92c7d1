"""Alertmanager ingest with the captured real payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.domain.policy import load_policy
from services.hub.config import AGENTOS_PACKS
from services.hub.errors import BadRequest
from services.hub.state.alertmanager import parse_webhook
from tests.hub.helpers import (
    FakeClock,
    fixture,
    fixture_any,
    fixture_lines,
    timeline_of,
    wait_tick,
)
from tests.hubtools import HubFactory, RunningHub

NOW = datetime(2026, 11, 25, 18, 0, 0, tzinfo=UTC)
POLICY = load_policy()


def ingest(hub: RunningHub, payload: Any) -> Any:
    return hub.client("ingest").post("/api/ingest/alertmanager", json=payload)


def alerts_of(hub: RunningHub) -> dict[str, dict[str, Any]]:
    state = hub.client("viewer").get("/api/state").json()
    return {a["fingerprint"]: a for a in state["alerts"]}


def incidents_of(hub: RunningHub) -> list[dict[str, Any]]:
    incidents: list[dict[str, Any]] = hub.client("viewer").get("/api/incidents").json()["incidents"]
    return incidents


def test_fields_are_derived_as_the_protocol_says() -> None:
    [item] = parse_webhook(fixture("webhook-firing-support.json"), POLICY, NOW)
    alert = item.alert
    assert item.firing
    assert alert.to_dict() == {
        "fingerprint": "65e4f9066fb1276e",
        "status": "firing",
        "severity": "SEV1",
        "category": "pii_exposure",
        "title": "Possible PII in ticket-summarizer output",
        "started_at": "2026-11-25T17:48:11.087Z",
        "pack": "support",
        "agent": "ticket-summarizer",
        "description": alert.description,
        "ended_at": None,  # endsAt is the zero time: not an end
        "last_seen_at": "2026-11-25T18:00:00.000Z",
        "repeat_count": 1,
        "incident_id": None,
        "source": "alertmanager",
        "labels": {
            "agent": "ticket-summarizer",
            "alertname": "PIIExposure",
            "pack": "support",
            "severity": "critical",
        },
        # Everything else Alertmanager sent is kept.
        "annotations": {"summary": alert.title, "description": alert.description},
        "generator_url": "http://127.0.0.1/agent-monitor/support/ticket-summarizer",
        "external_url": "http://127.0.0.1:56463",
        "group_key": '{}:{pack="support"}',
        "group_labels": {"pack": "support"},
        "label_severity": "critical",
        "opens_incident": True,
        "silenced_by": [],
        "inhibited_by": [],
        "stale": False,
        "repeat_interval_s": None,
    }
    assert alert.description.startswith("ticket-summarizer emitted text")


@pytest.mark.parametrize(
    ("labels", "category", "severity"),
    [
        ({"alertname": "RunawayAgent"}, "runaway_agent", "SEV2"),
        ({"alertname": "Whatever"}, "incorrect_output", "SEV2"),
        (
            {"alertname": "Whatever", "category": "credential_compromise"},
            "credential_compromise",
            "SEV1",
        ),
        ({"alertname": "RunawayAgent", "category": "nonsense"}, "runaway_agent", "SEV2"),
        ({"alertname": "RunawayAgent", "warroom_severity": "SEV4"}, "runaway_agent", "SEV4"),
        ({"alertname": "RunawayAgent", "warroom_severity": "SEV9"}, "runaway_agent", "SEV2"),
    ],
)
def test_category_and_severity(labels: dict[str, str], category: str, severity: str) -> None:
    payload = {
        "version": "4",
        "alerts": [
            {
                "status": "firing",
                "fingerprint": "f",
                "labels": labels,
                "startsAt": "2026-11-25T17:00:00Z",
            }
        ],
    }
    [item] = parse_webhook(payload, POLICY, NOW)
    assert (item.alert.category, item.alert.severity) == (category, severity)
    assert item.alert.title == labels["alertname"]  # no summary annotation


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "body"),
        ({"alerts": []}, "version"),
        ({"version": 4, "alerts": []}, "version"),
        ({"version": "3", "alerts": []}, "version"),
        ({"version": "4"}, "alerts"),
        ({"version": "4", "alerts": [1]}, "alerts[0]"),
        ({"version": "4", "alerts": [{"status": "pending"}]}, "alerts[0].status"),
        (
            {"version": "4", "alerts": [{"status": "firing", "fingerprint": ""}]},
            "alerts[0].fingerprint",
        ),
        (
            {
                "version": "4",
                "alerts": [{"status": "firing", "fingerprint": "f", "labels": {"a": 1}}],
            },
            "alerts[0].labels",
        ),
        (
            {
                "version": "4",
                "alerts": [{"status": "firing", "fingerprint": "f", "startsAt": "soon"}],
            },
            "alerts[0].startsAt",
        ),
    ],
)
def test_bad_payloads_name_the_field(payload: Any, field: str) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_webhook(payload, POLICY, NOW)
    assert refused.value.message.startswith(field)


def test_every_fixture_file_is_accepted(hub: RunningHub) -> None:
    for name in (
        "webhook-firing-billing.json",
        "webhook-firing-support.json",
        "webhook-mixed-billing.json",
        "webhook-resolved-search.json",
    ):
        answer = ingest(hub, fixture(name))
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json()["status"] == "ok"


def test_the_recorded_run_opens_the_right_incidents(hub_factory: HubFactory) -> None:
    # The recording's packs include billing: a hub that has it (an unknown pack's
    # alerts go to an "unrouted" incident: tests/hub/test_ingest_routing.py).
    hub = hub_factory(packs=[*AGENTOS_PACKS, "billing"])
    answers = [ingest(hub, payload).json() for payload in fixture_lines()]
    assert answers == [
        {"status": "ok", "received": 2, "new": 2, "resolved": 0},
        {"status": "ok", "received": 1, "new": 1, "resolved": 0},
        {"status": "ok", "received": 1, "new": 1, "resolved": 0},
        {
            "status": "ok",
            "received": 2,
            "new": 0,
            "resolved": 1,
        },  # a resolved alert in a firing group
        {"status": "ok", "received": 1, "new": 0, "resolved": 1},
    ]
    by_title = {i["title"]: i for i in incidents_of(hub)}
    pii = by_title["Possible PII in ticket-summarizer output"]
    assert (pii["severity"], pii["category"], pii["packs"], pii["status"]) == (
        "SEV1",
        "pii_exposure",
        ["support"],
        "triage",
    )
    runaway = by_title["Agent invoice-reconciler is looping"]
    # `severity: critical` keeps the category's severity ([alert_severity] in policy.toml).
    assert (runaway["severity"], runaway["category"], runaway["packs"]) == (
        "SEV2",
        "runaway_agent",
        ["billing"],
    )
    assert len(by_title) == 4  # runaway, rate limit, tool errors, PII
    alerts = alerts_of(hub)
    assert alerts["f2101f86844b2a21"]["repeat_count"] == 2
    assert alerts["f2101f86844b2a21"]["incident_id"] == runaway["id"]
    rate = alerts["9709e273d526d655"]
    assert rate["status"] == "resolved"
    assert rate["ended_at"] == "2026-11-25T17:48:11.102Z"
    assert alerts["fd5ebcff1038d698"]["status"] == "resolved"


def test_repeats_are_idempotent(hub: RunningHub) -> None:
    payload = fixture("webhook-firing-support.json")
    for _ in range(3):
        assert ingest(hub, payload).status_code == 200
    [incident] = incidents_of(hub)
    assert incident["alert_fingerprints"] == ["65e4f9066fb1276e"]
    assert alerts_of(hub)["65e4f9066fb1276e"]["repeat_count"] == 3
    timeline = hub.client("viewer").get(f"/api/incidents/{incident['id']}").json()["timeline"]
    assert [e["kind"] for e in timeline if e["kind"] != "escalation"] == ["opened"]
    resolved = fixture("webhook-resolved-search.json")
    assert ingest(hub, resolved).json()["resolved"] == 1
    assert ingest(hub, resolved).json()["resolved"] == 0  # a re-sent resolution changes nothing
    assert len(incidents_of(hub)) == 1  # a resolved alert opens nothing


def test_an_alert_joins_the_open_incident_and_raises_its_severity(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock, tick_interval_s=0.02)

    def alert(fingerprint: str, severity: str) -> dict[str, Any]:
        labels = {"alertname": "RunawayAgent", "pack": "marketing", "warroom_severity": severity}
        return {
            "status": "firing",
            "fingerprint": fingerprint,
            "labels": labels,
            "startsAt": "2026-11-25T17:00:00Z",
        }

    ingest(hub, {"version": "4", "alerts": [alert("a", "SEV3")]})
    ingest(hub, {"version": "4", "alerts": [alert("b", "SEV1"), alert("c", "SEV4")]})
    [incident] = incidents_of(hub)
    assert incident["severity"] == "SEV1"
    assert incident["alert_fingerprints"] == ["a", "b", "c"]
    ingest(hub, {"version": "4", "alerts": [alert("d", "SEV4")]})
    [incident] = incidents_of(hub)
    assert incident["severity"] == "SEV1"  # never lowered
    timeline = hub.client("viewer").get(f"/api/incidents/{incident['id']}").json()["timeline"]
    # Raised to SEV1 by an alert: the SEV1 pages follow the SEV3 ticket at once.
    assert [(e["kind"], e["text"]) for e in timeline if e["kind"] != "alert"] == [
        ("opened", timeline[0]["text"]),
        ("escalation", "ticket opened for on-call engineer: SEV3 incident opened"),
        ("severity", "severity SEV3 → SEV1 (alert b)"),
        ("escalation", "escalated to on-call engineer: raised to SEV1"),
        ("escalation", "escalated to engineering manager: raised to SEV1"),
    ]
    # One "alerts attached" entry per incident per 10 s: d waits for the next one.
    alerts = [e["text"] for e in timeline if e["kind"] == "alert"]
    assert alerts == ["2 alerts attached: RunawayAgent (b); RunawayAgent (c)"]
    clock.advance(10)
    wait_tick(hub, clock)
    alerts = [e["text"] for e in timeline_of(hub, incident["id"]) if e["kind"] == "alert"]
    assert alerts == [
        "2 alerts attached: RunawayAgent (b); RunawayAgent (c)",
        "alert attached: RunawayAgent (d)",
    ]


def test_alerts_held_for_an_entry_are_written_before_the_resolution(hub: RunningHub) -> None:
    def alert(fingerprint: str) -> dict[str, Any]:
        labels = {"alertname": "RunawayAgent", "pack": "legal"}
        return {
            "status": "firing",
            "fingerprint": fingerprint,
            "labels": labels,
            "startsAt": "2026-11-25T17:00:00Z",
        }

    for name in ("a", "b", "c"):
        ingest(hub, {"version": "4", "alerts": [alert(name)]})
    [incident] = incidents_of(hub)
    path = f"/api/incidents/{incident['id']}/resolve"
    hub.client("on-call").post(path, json={"root_cause": "loop in the planner"})
    timeline = timeline_of(hub, incident["id"])
    assert [(e["kind"], e["text"]) for e in timeline if e["kind"] in ("alert", "resolved")] == [
        ("alert", "alert attached: RunawayAgent (b)"),
        ("alert", "alert attached: RunawayAgent (c)"),
        ("resolved", "resolved: loop in the planner"),
    ]


def test_refused_payloads(hub: RunningHub) -> None:
    wrong_version = ingest(hub, {**fixture("webhook-firing-support.json"), "version": "3"})
    assert wrong_version.status_code == 400
    assert wrong_version.json()["error"]["code"] == "bad_request"
    garbage = hub.client("ingest").post(
        "/api/ingest/alertmanager",
        content=b"\x00not json",
        headers={"Content-Type": "application/json"},
    )
    assert garbage.status_code == 400
    half_bad = fixture("webhook-firing-billing.json")
    half_bad["alerts"][1]["status"] = "maybe"
    assert ingest(hub, half_bad).status_code == 400
    assert incidents_of(hub) == []  # nothing of a refused payload is applied
    counters = hub.client().get("/health").json()["counters"]
    assert counters["bad_request"] == 3


def test_untrusted_text_is_stored_as_is(hub: RunningHub) -> None:
    payload = fixture("webhook-firing-support.json")
    nasty = "[bold red]x[/] \x1b[31m <script>"
    payload["alerts"][0]["annotations"]["summary"] = nasty
    ingest(hub, payload)
    assert alerts_of(hub)["65e4f9066fb1276e"]["title"] == nasty


@pytest.mark.parametrize("name", ["api-v2-alerts.json", "api-v2-alerts-groups.json"])
def test_alertmanager_api_bodies_are_not_webhooks(hub: RunningHub, name: str) -> None:
    answer = ingest(hub, fixture_any(name))
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
