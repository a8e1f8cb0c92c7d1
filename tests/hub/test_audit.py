"""``GET /api/audit`` and the HubClient methods of the hub's newer endpoints."""

from __future__ import annotations

from typing import Any

import pytest

from services.console.hub_client import HubClient, HubRefused, hub_path
from tests.hub.helpers import FakeClock
from tests.hubtools import HubFactory, RunningHub

STOP = {"enabled": False, "reason": "r"}
ENABLE = {"enabled": True, "reason": "ok"}


@pytest.fixture
def audited(hub_factory: HubFactory) -> RunningHub:
    """Five audit records a minute apart: support stop/enable, global stop/enable, legal stop."""
    clock = FakeClock()
    hub = hub_factory(clock=clock)
    ic = hub.client("incident-commander")
    body = {"title": "t", "severity": "SEV2", "category": "runaway_agent"}
    incident_id = ic.post("/api/incidents", json=body).json()["incident"]["id"]
    for path, change in (
        ("pack/support", {**STOP, "incident_id": incident_id}),
        ("pack/support", ENABLE),
        ("global", {**STOP, "incident_id": incident_id}),
        ("global", ENABLE),
        ("pack/legal", STOP),
    ):
        clock.advance(60)
        assert ic.post(f"/api/killswitch/{path}", json=change).json()["changed"]
    return hub


def ids(hub: RunningHub, **params: Any) -> list[str]:
    answer = hub.client("viewer").get("/api/audit", params=params)
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["records"]]


def test_newest_first_and_filters(audited: RunningHub) -> None:
    assert ids(audited) == ["AUD-5", "AUD-4", "AUD-3", "AUD-2", "AUD-1"]
    assert ids(audited, target="pack:support") == ["AUD-2", "AUD-1"]
    assert ids(audited, target="global") == ["AUD-4", "AUD-3"]
    assert ids(audited, target="pack:finance") == []
    assert ids(audited, incident_id="INC-1") == ["AUD-3", "AUD-1"]
    since, until = "2026-11-25T18:02:00.000Z", "2026-11-25T18:04:00Z"
    assert ids(audited, since=since) == ["AUD-5", "AUD-4", "AUD-3", "AUD-2"]
    assert ids(audited, since=since, until=until) == ["AUD-4", "AUD-3", "AUD-2"]
    assert ids(audited, since="2026-11-25T19:03:00+01:00") == ["AUD-5", "AUD-4", "AUD-3"]
    assert ids(audited, limit=2) == ["AUD-5", "AUD-4"]
    record = audited.client("viewer").get("/api/audit", params={"limit": 1}).json()["records"][0]
    assert set(record) >= {"id", "at", "user", "role", "action", "target", "reason", "client"}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"since": "yesterday"}, 400),
        ({"until": "2026-13-45T00:00:00Z"}, 400),
        ({"limit": "ten"}, 400),
        ({"limit": "0"}, 422),
        ({"limit": "10001"}, 422),
        ({"target": "pack"}, 422),
        ({"target": "packs:support"}, 422),
        ({"incident": "INC-1"}, 422),
    ],
)
def test_bad_filters_are_refused(hub: RunningHub, params: dict[str, str], status: int) -> None:
    answer = hub.client("viewer").get("/api/audit", params=params)
    assert answer.status_code == status
    assert next(iter(params)) in answer.json()["error"]["message"]


CONFIRM = hub_path("api", "killswitch", "global", "confirm")


async def test_hub_client_methods(audited: RunningHub) -> None:
    async with HubClient(audited.url, audited.tokens["viewer"]) as viewer:
        records = await viewer.audit(target="global", since="2026-11-25T18:00:00Z", limit=1)
        assert [r["id"] for r in records] == ["AUD-4"]
        assert [r["id"] for r in await viewer.audit(incident_id="INC-1")] == ["AUD-3", "AUD-1"]
        assert len(await viewer.audit()) == 5
    async with HubClient(audited.url, audited.tokens["on-call"]) as on_call:
        breach_path = hub_path("api", "incidents", "INC-1", "breach")
        breach = await on_call.request("POST", breach_path, {"confirmed": True})
        assert breach["incident"]["breach_confirmed"] is True
        update = hub_path("api", "incidents", "INC-1", "status-update")
        body = {"kind": "status", "text": "UPDATE: contained"}
        sent = await on_call.request("POST", update, body)
        assert sent["entry"]["detail"] == "UPDATE: contained"
        with pytest.raises(HubRefused) as refused:
            await on_call.request("POST", CONFIRM, {"request_id": "gstop-0"})
        assert refused.value.status == 403  # on-call lacks killswitch.global


async def test_confirm_global_stop_from_the_client(hub_factory: HubFactory) -> None:
    hub = hub_factory(two_person_global=True)
    async with HubClient(hub.url, hub.tokens["incident-commander"]) as first:
        asked = await first.set_global_switch(False, "exfiltration")
    pending = asked["pending"]
    async with HubClient(hub.url, hub.tokens["cto"]) as second:
        applied = await second.request("POST", CONFIRM, {"request_id": pending["id"]}, "c-1")
        again = await second.request("POST", CONFIRM, {"request_id": pending["id"]}, "c-1")
    assert applied == again
    assert applied["audit"]["requested_by"] == "incident-commander-user"
