"""A stream client that stops reading: closed with 1013 and counted, its queue bounded."""

from __future__ import annotations

import copy
import time
from typing import Any

from tests.hub.helpers import fixture
from tests.hub.rawws import RawStream


def _webhook(batch: int) -> dict[str, Any]:
    """50 alerts of ~1 KB each (one post: well under the bound), new ones every batch."""
    body = fixture("webhook-firing-billing.json")
    template = body["alerts"][0]
    alerts = []
    for n in range(50):
        alert = copy.deepcopy(template)
        alert["labels"]["agent"] = f"agent-{batch}-{n}"
        alert["fingerprint"] = f"{batch:08x}{n:08x}"
        alert["annotations"]["description"] = "x" * 1000
        alerts.append(alert)
    body["alerts"] = alerts
    return body


def _slow_counter(hub: Any) -> int:
    return int(hub.client().get("/health").json()["counters"].get("stream_slow_consumer", 0))


def test_a_client_that_stops_reading_is_closed_with_1013(hub_factory: Any) -> None:
    hub = hub_factory(stream_queue_bytes=256 * 1024, heartbeat_interval_s=30)
    client = RawStream("127.0.0.1", hub.port, hub.tokens["viewer"])
    try:
        client.hello()
        assert client.json()["type"] == "snapshot"
        # From here the client reads nothing: its buffers fill, then the hub's socket's,
        # then the hub's queue for it.
        ingest = hub.client("ingest")
        deadline = time.monotonic() + 60
        batch = 0
        while _slow_counter(hub) == 0:
            assert time.monotonic() < deadline, "the stalled client was never closed"
            answer = ingest.post("/api/ingest/alertmanager", json=_webhook(batch))
            assert answer.status_code == 200, answer.text
            batch += 1
        # Each batch is ~150 KB of frames: closed once the kernel's buffers (~4 MB on
        # loopback) and the 256 KiB bound were full, long before 10,000 frames queued.
        assert batch < 80, batch
        # Reading again: what was already sent, then the close frame with 1013.
        assert client.close_code() == 1013
    finally:
        client.close()
    assert _slow_counter(hub) == 1
