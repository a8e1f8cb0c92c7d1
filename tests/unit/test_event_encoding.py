"""A frame is encoded once, by msgspec, to the same text ``json.dumps`` wrote."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.hub.state.events import encode

FRAMES: list[dict[str, Any]] = [
    {"type": "heartbeat", "seq": 4, "data": {"hub_time": "2026-11-30T12:00:00.000Z"}},
    {
        "type": "alert",
        "seq": 5,
        "data": {"title": "Zahlung fehlgeschlagen — 支付 \u2028 \x1b[31m", "n": [1, 2.5, None]},
    },
    {"type": "agent.status", "data": {"agent": {"rate": 3.0, "ok": True, "tags": {}}}},
]


@pytest.mark.parametrize("frame", FRAMES)
def test_same_text_as_json_dumps(frame: dict[str, Any]) -> None:
    assert encode(frame) == json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
    assert json.loads(encode(frame)) == frame
