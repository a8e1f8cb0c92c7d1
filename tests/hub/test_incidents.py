"""Incident mutations: answers, timeline entries, progress, refusals, durability."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.hub.helpers import fixture
from tests.hubtools import RunningHub

OPEN = {
    "title": "support bot leaks e-mails",
    "severity": "SEV2",
    "category": "pii_exposure",
    "packs": ["support"],
}


def open_one(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    answer = client.post("/api/incidents", json={**OPEN, **extra})
    assert answer.status_code == 200, answer.text
    incident: dict[str, Any] = answer.json()["incident"]
    return incident


def test_open_by_hand(hub: RunningHub) -> None:
    client = hub.client("on-call")
    answer = client.post("/api/incidents", json=OPEN).json()
    incident = answer["incident"]
    assert answer["changed"] is True
    assert incident["id"] == "INC-1"
    assert incident["status"] == "triage"
    assert incident["opened_at"] == incident["last_progress_at"]
    assert answer["entry"]["kind"] == "opened"
    assert answer["entry"]["author"] == "on-call-user"
    assert open_one(client)["id"] == "INC-2"


def test_each_action_is_progress_and_on_the_timeline(hub: RunningHub) -> None:
    client = hub.client("incident-commander")
    incident = open_one(client)
    path = f"/api/incidents/{incident['id']}"
    last = incident["last_progress_at"]
    steps = [
        ("ack", {}, "ack"),
        ("severity", {"severity": "SEV1"}, "severity"),
        ("status", {"status": "contain"}, "status"),
        ("notes", {"text": "support pack stopped"}, "note"),
        ("breach", {"confirmed": True}, "breach"),
        ("status-update", {"kind": "status", "text": "UPDATE 18:30: contained"}, "status_update"),
        ("resolve", {"root_cause": "prompt change"}, "resolved"),
    ]
    for action, body, kind in steps:
        answer = client.post(f"{path}/{action}", json=body)
        assert answer.status_code == 200, (action, answer.text)
        data = answer.json()
        assert data["changed"] is True
        assert data["entry"]["kind"] == kind
        assert data["incident"]["last_progress_at"] >= last
        last = data["incident"]["last_progress_at"]
    detail = client.get(path).json()
    assert [e["kind"] for e in detail["timeline"] if e["kind"] != "escalation"] == [
        "opened",
        "ack",
        "severity",
        "status",
        "note",
        "breach",
        "status_update",
        "resolved",
    ]
    final = detail["incident"]
    assert final["breach_confirmed"] is True
    assert final["last_status_update_at"] is not None
    assert final["status"] == "resolved"
    assert final["severity"] == "SEV1"
    assert final["acknowledged_by"] == "incident-commander-user"
    assert final["root_cause"] == "prompt change"
    assert final["resolved_at"] is not None


def test_unchanged_actions_answer_changed_false(hub: RunningHub) -> None:
    client = hub.client("on-call")
    incident = open_one(client)
    path = f"/api/incidents/{incident['id']}"
    client.post(f"{path}/ack", json={})
    for action, body in (
        ("ack", {}),
        ("severity", {"severity": "SEV2"}),
        ("status", {"status": "triage"}),
    ):
        data = client.post(f"{path}/{action}", json=body).json()
        assert data["changed"] is False
        assert data["entry"] is None
    timeline = client.get(path).json()["timeline"]
    assert [e["kind"] for e in timeline if e["kind"] != "escalation"] == ["opened", "ack"]


def test_refusals(hub: RunningHub) -> None:
    client = hub.client("on-call")
    incident = open_one(client)
    path = f"/api/incidents/{incident['id']}"
    cases: list[tuple[str, str, Any, int]] = [
        ("/api/incidents/INC-404/ack", "", {}, 404),
        (path + "/severity", "", {"severity": "SEV0"}, 422),
        (path + "/severity", "", {"severity": 1}, 400),
        (path + "/status", "", {"status": "resolved"}, 422),
        (path + "/notes", "", {"text": ""}, 422),
        (path + "/notes", "", {"text": ["a"]}, 400),
        (path + "/resolve", "", {}, 422),
        ("/api/incidents", "", {**OPEN, "category": "gremlins"}, 422),
        ("/api/incidents", "", {**OPEN, "packs": "support"}, 400),
        ("/api/incidents", "", {**OPEN, "title": None}, 422),
    ]
    for url, _, body, status in cases:
        answer = client.post(url, json=body)
        assert answer.status_code == status, (url, body, answer.text)
        error = answer.json()["error"]
        assert set(error) == {"code", "message"}
    assert client.get("/api/incidents/INC-404").status_code == 404


def test_resolved_incidents_refuse_changes_but_keep_notes(hub: RunningHub) -> None:
    client = hub.client("on-call")
    incident = open_one(client)
    path = f"/api/incidents/{incident['id']}"
    client.post(f"{path}/resolve", json={"root_cause": "bad deploy"})
    for action, body in (
        ("ack", {}),
        ("status", {"status": "recover"}),
        ("resolve", {"root_cause": "x"}),
    ):
        answer = client.post(f"{path}/{action}", json=body)
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "conflict"
    late = client.post(f"{path}/notes", json={"text": "written offline"}).json()
    assert late["entry"]["text"] == "written offline"
    assert client.get(path).json()["timeline"][-1]["kind"] == "note"


def test_list_puts_open_incidents_first(hub: RunningHub) -> None:
    client = hub.client("on-call")
    first = open_one(client, title="first")
    open_one(client, title="second")
    client.post(f"/api/incidents/{first['id']}/resolve", json={"root_cause": "x"})
    third = open_one(client, title="third")
    titles = [i["title"] for i in client.get("/api/incidents").json()["incidents"]]
    assert titles[-1] == "first"
    assert set(titles[:2]) == {"second", "third"}
    assert third["id"] == "INC-3"


def test_opening_from_an_alert_links_it(hub: RunningHub) -> None:
    payload = fixture("webhook-resolved-search.json")
    hub.client("ingest").post("/api/ingest/alertmanager", json=payload)
    client = hub.client("on-call")
    body = {"title": "search tools failing", "severity": "SEV3", "category": "integration_failure"}
    incident = open_one(client, **body, packs=None, alert_fingerprint="fd5ebcff1038d698")
    assert incident["packs"] == ["search"]
    assert incident["alert_fingerprints"] == ["fd5ebcff1038d698"]
    alerts = client.get("/api/state").json()["alerts"]
    assert alerts[0]["incident_id"] == incident["id"]


@pytest.mark.parametrize("text", ["[red]markup[/red]", "\x1b]52;c;ZXZpbA==\x07", "ünïcødé ✓"])
def test_notes_are_stored_as_is(hub: RunningHub, text: str) -> None:
    client = hub.client("on-call")
    incident = open_one(client)
    entry = client.post(f"/api/incidents/{incident['id']}/notes", json={"text": text}).json()[
        "entry"
    ]
    assert entry["text"] == text


def test_incidents_and_timelines_survive_restart(hub: RunningHub) -> None:
    client = hub.client("on-call")
    incident = open_one(client)
    path = f"/api/incidents/{incident['id']}"
    client.post(f"{path}/notes", json={"text": "before restart"})
    before = client.get(path).json()
    hub.restart()
    client = hub.client("on-call")
    assert client.get(path).json() == before
    after = client.post(f"{path}/notes", json={"text": "after restart"}).json()["entry"]
    assert int(after["id"].split("-")[1]) > int(before["timeline"][-1]["id"].split("-")[1])
    assert open_one(client)["id"] == "INC-2"
