"""The hub serves with uvicorn's compiled HTTP parser and uvloop (benchmarks/fleet.py);
``fast_io=False`` keeps the pure-Python ones, for measuring the difference."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import uvloop
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from services.domain.timeutil import utcnow
from services.hub.config import HubConfig
from services.hub.server import _uvicorn, new_event_loop


def test_the_compiled_parser_and_uvloop_by_default(tmp_path: Path) -> None:
    assert HubConfig().fast_io
    protocol = _uvicorn(HubConfig(data_dir=tmp_path / "a", port=0), utcnow).config.http
    # The connection guard wraps the compiled parser's protocol.
    assert isinstance(protocol, type) and issubclass(protocol, HttpToolsProtocol)
    loop = new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_plain_io_when_asked(tmp_path: Path) -> None:
    config = HubConfig(data_dir=tmp_path / "b", port=0, fast_io=False)
    protocol = _uvicorn(config, utcnow).config.http
    assert isinstance(protocol, type) and issubclass(protocol, H11Protocol)
    loop = new_event_loop(fast=False)
    try:
        assert not isinstance(loop, uvloop.Loop)
        assert isinstance(loop, asyncio.AbstractEventLoop)
    finally:
        loop.close()


def test_a_fast_hub_answers_heartbeats(hub_factory: Any) -> None:
    hub = hub_factory()
    body = {"pack": "support", "state": "running", "run_id": "r1", "tool_calls_per_min": 3}
    answer = hub.client("agent").post("/api/agents/bot/heartbeat", json=body)
    assert answer.status_code == 200 and answer.json()["allowed"] is True
