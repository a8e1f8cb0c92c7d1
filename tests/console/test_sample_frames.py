"""The console tests' hand-written envelopes (tests/console/sample.py) are what a hub sends.

Two checks. Every sample envelope passes the protocol's schema, as the console's stream
client would check it. And each sample object (agent, alert, incident, switch, snapshot,
heartbeat, the envelope itself) has the same keys, each with a JSON type the hub uses for
it, as the frames recorded from a real hub driven through an incident's life: a sample that
falls behind the hub (a field added, renamed or retyped) fails here, not silently in the
dozens of console tests built on it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from services.domain.protocol import FrameError, decode_frame
from tests.console import sample
from tests.hub.helpers import fixture, hello, recv, recv_until, stream
from tests.hubtools import RunningHub, start_hub

Frame = dict[str, Any]

# What the console's tests build from sample.py: its envelopes, and events of its objects.
SAMPLES: dict[str, Frame] = {
    "snapshot": sample.snapshot(),
    "snapshot, global stopped": sample.snapshot(global_enabled=False),
    "heartbeat": sample.heartbeat(),
    "agent.status": sample.envelope(
        41, "agent.status", {"agent": sample.agent("seo-auditor", "marketing", "stuck", 0.0)}
    ),
    "alert.fired": sample.envelope(42, "alert.fired", {"alert": sample.ALERTS[0]}),
    "alert.resolved": sample.envelope(43, "alert.resolved", {"alert": sample.ALERTS[2]}),
    "incident.opened": sample.envelope(44, "incident.opened", {"incident": sample.INCIDENTS[1]}),
    "incident.updated": sample.envelope(45, "incident.updated", {"incident": sample.INCIDENTS[0]}),
}


def check_frame(frame: Frame) -> None:
    """``frame`` as the console's stream client checks one: its text decoded with the
    protocol's schema, envelope and data (raises ``FrameError`` naming the field)."""
    decode_frame(json.dumps(frame))


@pytest.mark.parametrize("name", list(SAMPLES))
def test_each_sample_fits_the_schema(name: str) -> None:
    check_frame(SAMPLES[name])


def test_the_schema_check_refuses_a_bad_sample() -> None:
    bad = sample.snapshot()
    bad["data"]["incidents"][0]["packs"] = [1, 2]
    with pytest.raises(FrameError, match=r"packs\[0\]"):
        check_frame(bad)


# -- frames recorded from a real hub ------------------------------------------------


def _heartbeat(hub: RunningHub, agent: str, state: str, pack: str = "support") -> None:
    running = state == "running"
    body = {
        "pack": pack,
        "state": state,
        "run_id": "run-1" if running else None,
        "tool_calls_per_min": 3.5 if running else 0.0,
        "tokens_per_min": 1050.0 if running else 0.0,
    }
    assert hub.client("agent").post(f"/api/agents/{agent}/heartbeat", json=body).is_success


async def _record(hub: RunningHub) -> list[Frame]:
    """An incident's life on a real hub, as a console's stream sees it, then a snapshot."""
    ingest, ic = hub.client("ingest"), hub.client("incident-commander")

    def post(client: Any, path: str, body: Any) -> None:
        assert client.post(path, json=body).is_success, path

    async with stream(hub) as ws:
        await hello(ws, None)
        frames = [await recv(ws)]
        _heartbeat(hub, "support-bot", "running")
        post(ingest, "/api/ingest/alertmanager", fixture("webhook-firing-support.json"))
        iid = ic.get("/api/incidents").json()["incidents"][0]["id"]
        post(ic, f"/api/incidents/{iid}/ack", {})
        post(ic, f"/api/incidents/{iid}/notes", {"text": "support pack stopped"})
        stop = {"enabled": False, "reason": "PII in replies", "incident_id": iid}
        post(ic, "/api/killswitch/pack/support", stop)
        _heartbeat(hub, "support-bot", "stopped")
        _heartbeat(hub, "campaign-writer", "running", "marketing")
        post(ingest, "/api/ingest/alertmanager", fixture("webhook-resolved-search.json"))
        post(ic, f"/api/incidents/{iid}/resolve", {"root_cause": "prompt leaked a ticket"})
        # And one incident left open, never acknowledged.
        post(ingest, "/api/ingest/alertmanager", fixture("webhook-firing-billing.json"))
        frames += await recv_until(ws, lambda f: f["type"] == "incident.resolved")
        frames += await recv_until(ws, lambda f: f["type"] == "heartbeat")
    async with stream(hub) as ws:  # a new console: the snapshot now holds everything
        await hello(ws, None)
        frames.append(await recv(ws))
    return frames


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Frame]]:
    hub = start_hub(tmp_path_factory.mktemp("hub"))
    try:
        yield asyncio.run(_record(hub))
    finally:
        hub.stop()


def _kind(value: Any) -> str:
    """The JSON type of a value (int and float apart: a count is not a rate)."""
    kinds: tuple[tuple[str, type], ...] = (
        ("null", type(None)),
        ("bool", bool),  # before int: a bool is an int to Python, not to JSON
        ("int", int),
        ("float", float),
        ("string", str),
        ("array", list),
        ("object", dict),
    )
    return next(kind for kind, types in kinds if isinstance(value, types))


def _fields(objects: Iterable[dict[str, Any]]) -> dict[str, set[str]]:
    """Each key of ``objects`` and the JSON types it took across them."""
    fields: dict[str, set[str]] = {}
    for item in objects:
        for key, value in item.items():
            fields.setdefault(key, set()).add(_kind(value))
    return fields


def _objects(frames: Iterable[Frame], path: str) -> list[dict[str, Any]]:
    """The objects at ``path`` in ``frames``: ``TYPE`` for the envelope, ``TYPE.data`` for
    its data, ``TYPE.data.KEY`` for an object in it, ``TYPE.data.KEY[]`` for the items of a
    list in it; ``*`` for a frame of any type."""
    kind, _, rest = path.partition(".")
    found: list[dict[str, Any]] = []
    for frame in frames:
        if kind not in ("*", frame["type"]):
            continue
        if not rest:
            found.append(frame)
            continue
        value: Any = frame["data"]
        key = rest.removeprefix("data").removeprefix(".")
        if key:
            value = value.get(key.removesuffix("[]"))
        if value is None:
            continue
        found += value if key.endswith("[]") else [value]
    return found


SHAPES = [
    "*",
    "snapshot.data",
    "heartbeat.data",
    "*.data.agent",
    "snapshot.data.agents[]",
    "*.data.alert",
    "snapshot.data.alerts[]",
    "*.data.incident",
    "snapshot.data.incidents[]",
    "snapshot.data.switches[]",
]


@pytest.mark.parametrize("path", SHAPES)
def test_sample_objects_have_the_hubs_shape(recorded: list[Frame], path: str) -> None:
    hub = _fields(_objects(recorded, path))
    ours = _fields(_objects(SAMPLES.values(), path))
    assert hub and ours, f"nothing at {path} to compare"
    missing, extra = sorted(hub.keys() - ours.keys()), sorted(ours.keys() - hub.keys())
    assert not missing and not extra, f"{path}: the sample lacks {missing}, has extra {extra}"
    wrong = {key: (ours[key], hub[key]) for key in ours if not ours[key] <= hub[key]}
    assert not wrong, f"{path}: JSON types the hub never sends (sample, hub): {wrong}"


def test_every_recorded_frame_fits_the_schema(recorded: list[Frame]) -> None:
    """The comparison's other half: what the hub sent is what the schema accepts."""
    assert {"snapshot", "heartbeat", "alert.fired", "incident.resolved"} <= {
        f["type"] for f in recorded
    }
    for frame in recorded:
        check_frame(frame)
