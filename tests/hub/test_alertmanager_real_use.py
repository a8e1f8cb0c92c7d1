"""Alertmanager as teams run it (issue 10): severity, grouping, updates, context,
restarts, staleness, large groups and refusals — against a real hub."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from tests.hub.helpers import FakeClock, fixture, hub_context, timeline_of, wait_for, wait_tick
from tests.hubtools import HubFactory, RunningHub

PATH = "/api/ingest/alertmanager"


def ingest(hub: RunningHub, payload: Any) -> httpx.Response:
    return hub.client("ingest").post(PATH, json=payload)


def state(hub: RunningHub) -> dict[str, Any]:
    body: dict[str, Any] = hub.client("viewer").get("/api/state").json()
    return body


def alerts_of(hub: RunningHub) -> dict[str, dict[str, Any]]:
    return {a["fingerprint"]: a for a in state(hub)["alerts"]}


def group(
    alerts: list[dict[str, Any]], key: str, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    """A webhook body as Alertmanager shapes it."""
    return {
        "receiver": "warroom",
        "status": "firing",
        "alerts": alerts,
        "groupLabels": labels or {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "version": "4",
        "groupKey": key,
        "truncatedAlerts": 0,
    }


def alert(
    fingerprint: str, labels: dict[str, str], summary: str = "", status: str = "firing"
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": labels,
        "annotations": {"summary": summary or labels["alertname"]},
        "startsAt": "2026-11-25T17:47:41.087Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-25T17:59:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": fingerprint,
    }


def test_the_severity_label_sets_the_severity_and_none_opens_nothing(hub: RunningHub) -> None:
    body = group(
        [
            alert("a1", {"alertname": "DataCorruption", "pack": "finance", "severity": "critical"}),
            alert("a2", {"alertname": "RunawayAgent", "pack": "research", "severity": "warning"}),
            alert("a3", {"alertname": "Watchdog", "severity": "none"}),
        ],
        "{}:{}",
    )
    assert ingest(hub, body).status_code == 200
    incidents = {i["title"]: i for i in state(hub)["incidents"]}
    # critical: the runbook's severity for the category (data corruption is SEV2: it pages).
    assert incidents["DataCorruption"]["severity"] == "SEV2"
    assert incidents["RunawayAgent"]["severity"] == "SEV3"  # a warning does not page
    assert "Watchdog" not in incidents  # always firing: shown, never an incident
    watchdog = alerts_of(hub)["a3"]
    assert (watchdog["opens_incident"], watchdog["incident_id"]) == (False, None)
    assert watchdog["label_severity"] == "none"


def test_a_security_category_is_not_lowered_by_the_label(hub: RunningHub) -> None:
    labels = {"alertname": "PIIExposure", "pack": "support", "severity": "warning"}
    ingest(hub, group([alert("p1", labels)], '{}:{pack="support"}'))
    [incident] = state(hub)["incidents"]
    assert incident["severity"] == "SEV1"


def test_alerts_without_a_pack_are_grouped_by_their_alertmanager_group(hub: RunningHub) -> None:
    cpu = {"alertname": "HighCPU", "instance": "db-1", "severity": "warning"}
    disk = {"alertname": "DiskFull", "instance": "db-1", "severity": "warning"}
    other = {"alertname": "HighLatency", "instance": "api-2", "severity": "warning"}
    ingest(hub, group([alert("c1", cpu)], '{}:{alertname="HighCPU"}', {"alertname": "HighCPU"}))
    ingest(hub, group([alert("o1", other)], '{}:{alertname="HighLatency"}'))
    # A later alert of the first group joins the first incident.
    cpu2 = {**cpu, "instance": "db-2"}
    ingest(hub, group([alert("c1", cpu), alert("c2", cpu2)], '{}:{alertname="HighCPU"}'))
    ingest(hub, group([alert("d1", disk)], '{}:{alertname="DiskFull"}'))
    incidents = state(hub)["incidents"]
    assert len(incidents) == 3  # HighCPU, HighLatency and DiskFull: none merged
    alerts = alerts_of(hub)
    assert alerts["c1"]["incident_id"] == alerts["c2"]["incident_id"]
    assert alerts["c1"]["incident_id"] != alerts["o1"]["incident_id"]
    assert alerts["c1"]["group_labels"] == {"alertname": "HighCPU"}


def test_an_annotation_change_updates_the_title(hub: RunningHub) -> None:
    labels = {"alertname": "RunawayAgent", "pack": "billing", "agent": "x"}
    ingest(hub, group([alert("r1", labels, "Agent x is looping")], "k"))
    ingest(hub, group([alert("r1", labels, "Agent x is looping: 900 calls")], "k"))
    assert alerts_of(hub)["r1"]["title"] == "Agent x is looping: 900 calls"
    assert alerts_of(hub)["r1"]["repeat_count"] == 2
    [incident] = state(hub)["incidents"]
    assert incident["title"] == "Agent x is looping: 900 calls"


def test_context_is_kept(hub: RunningHub) -> None:
    body = fixture("webhook-firing-billing.json")
    body["alerts"][0]["annotations"]["runbook_url"] = "https://runbooks.example/runaway"
    body["alerts"][0]["annotations"]["dashboard"] = "https://grafana.example/d/agents"
    ingest(hub, body)
    kept = alerts_of(hub)["f2101f86844b2a21"]
    assert kept["annotations"]["runbook_url"] == "https://runbooks.example/runaway"
    assert kept["annotations"]["dashboard"] == "https://grafana.example/d/agents"
    assert kept["generator_url"] == "http://127.0.0.1/agent-monitor/billing/invoice-reconciler"
    assert kept["external_url"] == body["externalURL"]
    assert kept["group_key"] == body["groupKey"]
    assert kept["labels"]["severity"] == "critical"


def test_alerts_survive_a_restart_with_their_links(hub: RunningHub) -> None:
    ingest(hub, fixture("webhook-firing-support.json"))
    before = alerts_of(hub)["65e4f9066fb1276e"]
    incident_id = before["incident_id"]
    hub.restart()
    after = alerts_of(hub)["65e4f9066fb1276e"]
    assert (after["status"], after["incident_id"]) == ("firing", incident_id)
    # The re-send after the restart is a repeat, not a second attachment.
    ingest(hub, fixture("webhook-firing-support.json"))
    assert alerts_of(hub)["65e4f9066fb1276e"]["repeat_count"] == 2
    assert [e["kind"] for e in timeline_of(hub, incident_id)].count("alert") == 0
    [incident] = state(hub)["incidents"]
    assert incident["alert_count"] == 1
    # The resolution after the restart keeps its incident link.
    resolution = fixture("webhook-firing-support.json")
    resolution["alerts"][0]["status"] = "resolved"
    resolution["alerts"][0]["endsAt"] = "2026-11-25T17:58:00Z"
    ingest(hub, resolution)
    resolved = alerts_of(hub)["65e4f9066fb1276e"]
    assert (resolved["status"], resolved["incident_id"]) == ("resolved", incident_id)


def test_saving_alerts_is_coalesced(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock, tick_interval_s=0.05)
    alert_file = hub_context(hub).state._alert_file
    assert alert_file is not None
    ingest(hub, fixture("webhook-firing-support.json"))
    wait_for(lambda: alert_file.writes == 1)
    for index in range(20):
        body = fixture("webhook-firing-billing.json")
        body["alerts"][0]["fingerprint"] = f"fp-{index}"
        ingest(hub, body)
    clock.advance(0.5)
    wait_tick(hub, clock)
    assert alert_file.writes == 1  # within the interval: held
    clock.advance(0.5)
    wait_tick(hub, clock)
    # Twenty webhooks, one write; and none when nothing changed.
    assert alert_file.writes == 2
    clock.advance(5)
    wait_tick(hub, clock)
    assert alert_file.writes == 2


def test_an_alert_whose_repeats_stopped_is_stale(hub_factory: HubFactory) -> None:
    clock = FakeClock()
    hub = hub_factory(clock=clock, tick_interval_s=0.05)
    body = fixture("webhook-firing-support.json")
    ingest(hub, body)
    clock.advance(60)
    ingest(hub, body)  # a repeat 60 s later: the group's interval is learned
    assert alerts_of(hub)["65e4f9066fb1276e"]["repeat_interval_s"] == 60
    clock.advance(100)
    wait_tick(hub, clock)
    assert alerts_of(hub)["65e4f9066fb1276e"]["stale"] is False
    clock.advance(30)  # 130 s since the last repeat: more than twice the interval
    wait_tick(hub, clock)
    assert alerts_of(hub)["65e4f9066fb1276e"]["stale"] is True
    ingest(hub, body)
    assert alerts_of(hub)["65e4f9066fb1276e"]["stale"] is False


def big_group(count: int) -> dict[str, Any]:
    alerts = [
        alert(
            f"fp{index:06d}",
            {"alertname": "PodCrashLooping", "pack": "devops", "pod": f"pod-{index}"},
            "x" * 400,
        )
        for index in range(count)
    ]
    return group(alerts, '{}:{pack="devops"}')


def test_a_large_group_is_accepted(hub: RunningHub) -> None:
    body = big_group(3000)
    answer = ingest(hub, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["received"] == 3000
    assert len(answer.request.content) > 1_500_000


def test_a_refused_webhook_is_in_health_and_on_the_stream(hub_factory: HubFactory) -> None:
    hub = hub_factory(ingest_max_body=200_000)
    refused = ingest(hub, big_group(1000))
    assert refused.status_code == 413
    health = hub.client().get("/health").json()
    assert health["ingest"]["last_refusal"]["code"] == "too_large"
    assert health["ingest"]["last_refusal"]["count"] == 1
    assert any(e["type"] == "ingest.refused" for e in hub_context(hub).events.since(0) or [])
    bad = hub.client("ingest").post(PATH, content=b'{"version": "4", "alerts": [{}]}')
    assert bad.status_code == 400
    assert hub.client().get("/health").json()["ingest"]["last_refusal"]["count"] == 2


def test_the_kill_switch_answers_while_a_large_group_parses(hub: RunningHub) -> None:
    body = big_group(20000)
    answers: list[httpx.Response] = []
    sender = threading.Thread(target=lambda: answers.append(ingest(hub, body)))
    sender.start()
    health = hub.client()
    wait_for(lambda: health.get("/health").json()["ingest"]["parsing"] == 1, timeout=60)
    stop = {"enabled": False, "reason": "runaway", "incident_id": None}
    stopped = hub.client("incident-commander").post("/api/killswitch/pack/devops", json=stop)
    assert stopped.status_code == 200
    # The stop was answered while the body was still being parsed.
    assert health.get("/health").json()["ingest"]["parsing"] == 1
    sender.join(120)
    assert answers[0].status_code == 200
    assert answers[0].json()["received"] == 20000
