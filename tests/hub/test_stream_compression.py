"""permessage-deflate on the stream, as configured: on by default (as before), off to
save the hub its CPU per frame and per client where bytes do not matter."""

from __future__ import annotations

from typing import Any

from tests.hub.helpers import hello, recv, stream


async def test_stream_compression_can_be_turned_off(hub_factory: Any) -> None:
    hub = hub_factory(stream_compression=False)
    async with stream(hub) as ws:
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
        await hello(ws, None)
        assert (await recv(ws))["type"] == "snapshot"


async def test_the_stream_is_compressed_by_default(hub_factory: Any) -> None:
    hub = hub_factory()
    async with stream(hub) as ws:
        assert "permessage-deflate" in ws.response.headers.get("Sec-WebSocket-Extensions", "")
        await hello(ws, None)
        assert (await recv(ws))["type"] == "snapshot"
