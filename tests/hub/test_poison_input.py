"""Poison input is refused at the boundary, and nothing a client sends can make the
store unwritable: lone surrogates, deep nesting, timestamps past datetime's range."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from storage.hub_store import TinyHubStore
from tests.hub.helpers import fixture, stream
from tests.hubtools import RunningHub

JSON = {"Content-Type": "application/json"}
SURROGATE = b'"stopped by \\ud800 hand"'  # valid JSON text, not encodable as UTF-8


def _incident(hub: RunningHub) -> str:
    answer = hub.client("incident-commander").post(
        "/api/incidents", json={"title": "t", "severity": "SEV4", "category": "service_outage"}
    )
    return str(answer.json()["incident"]["id"])


def test_lone_surrogates_are_refused_and_the_hub_stays_writable(hub: RunningHub) -> None:
    ic = hub.client("incident-commander")
    incident = _incident(hub)
    bodies = [
        (f"/api/incidents/{incident}/notes", b'{"text": ' + SURROGATE + b"}"),
        ("/api/killswitch/pack/support", b'{"enabled": false, "reason": ' + SURROGATE + b"}"),
        (f"/api/incidents/{incident}/notes", b'{"text": "ok", "\\udc80": 1}'),
    ]
    for path, body in bodies:
        answer = ic.post(path, content=body, headers=JSON)
        assert answer.status_code == 400, answer.text
        assert "lone surrogate" in answer.json()["error"]["message"]
    webhook = fixture("webhook-firing-billing.json")
    raw = json.dumps(webhook).replace('"summary": "', '"summary": "\\ud800', 1).encode()
    assert b"\\ud800" in raw
    answer = hub.client("ingest").post("/api/ingest/alertmanager", content=raw, headers=JSON)
    assert answer.status_code == 400
    assert hub.server.app.state.ctx.counters.get("bad_request") == 4
    # Still writable and readable: a stop applies and survives a restart.
    stop = {"enabled": False, "reason": "after the poison"}
    assert ic.post("/api/killswitch/pack/support", json=stop).status_code == 200
    assert hub.client("viewer").get("/api/state").status_code == 200
    hub.restart()
    packs = hub.client("viewer").get("/api/packs/status").json()["packs"]
    assert next(p for p in packs if p["name"] == "support")["enabled"] is False


def test_the_store_writes_a_lone_surrogate_escaped(tmp_path: Path) -> None:
    # The last guard, should anything ever get past the boundary.
    store = TinyHubStore(tmp_path, fsync=False)
    store.append_audit({"id": "AUD-1", "reason": "bad \ud800 byte"})
    store.append_audit({"id": "AUD-2", "reason": "next"})
    store.close()
    assert [r["reason"] for r in TinyHubStore(tmp_path).load_audit()] == ["bad \ud800 byte", "next"]


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deep_nesting_is_400(hub: RunningHub, depth: int) -> None:
    incident = _incident(hub)
    body = b'{"text": "x", "extra": ' + b"[" * depth + b"]" * depth + b"}"
    answer = hub.client("incident-commander").post(
        f"/api/incidents/{incident}/notes", content=body, headers=JSON
    )
    assert answer.status_code == 400
    assert "nested deeper than" in answer.json()["error"]["message"]
    ingest = hub.client("ingest").post("/api/ingest/alertmanager", content=body, headers=JSON)
    assert ingest.status_code == 400


async def test_a_deeply_nested_hello_is_closed_with_1007(hub: RunningHub) -> None:
    async with stream(hub) as ws:
        await ws.send('{"type": "hello", "x": ' + "[" * 50_000 + "]" * 50_000 + "}")
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1007
    assert "nested deeper than" in closed.value.rcvd.reason
    assert hub.server.app.state.ctx.counters.get("stream_bad_hello") == 1


def test_a_timestamp_past_datetimes_range_is_400(hub: RunningHub) -> None:
    webhook = fixture("webhook-firing-billing.json")
    webhook["alerts"][0]["startsAt"] = "9999-12-31T23:59:59-23:59"
    answer = hub.client("ingest").post("/api/ingest/alertmanager", json=webhook)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("alerts[0].startsAt:")
