"""Running the hub: the background task, stop/restart, and `run_foreground` with Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from services.hub.config import HubConfig
from services.hub.server import HubServer
from tests.hub.helpers import wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_background_gets_the_url_and_is_cancelled_at_stop(tmp_path: Path) -> None:
    seen: list[Any] = []

    async def background(url: str) -> None:
        seen.append(url)
        async with httpx.AsyncClient(base_url=url) as client:
            seen.append((await client.get("/health")).status_code)
        try:
            await asyncio.sleep(3600)  # a background task that runs until it is cancelled
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    server = HubServer(HubConfig(port=0, data_dir=tmp_path), background=background)
    url = server.start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert server.url == url and server.port > 0
    wait_for(lambda: len(seen) == 2)
    started = time.monotonic()
    server.stop()
    # Cancelled, not waited for (it would sleep an hour); ~0.2 s at rest, roomy for load.
    assert time.monotonic() - started < 8
    assert seen == [url, 200, "cancelled"]
    server.stop()  # idempotent


def test_a_taken_port_is_an_error(tmp_path: Path) -> None:
    with HubServer(HubConfig(port=0, data_dir=tmp_path / "a")) as first:
        clash = HubServer(HubConfig(port=first.port, data_dir=tmp_path / "b"))
        try:
            clash.start()
        except OSError:
            pass
        else:  # pragma: no cover - SO_REUSEADDR must not let two hubs share a port
            clash.stop()
            raise AssertionError("a second hub bound a port in use")


def test_run_foreground_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from services.hub.config import HubConfig\n"
        "from services.hub.server import run_foreground\n"
        "run_foreground(HubConfig(port=0, data_dir=Path(sys.argv[1])))\n"
        "print('clean exit', flush=True)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stderr is not None
        url = None
        deadline = time.monotonic() + 10
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            found = re.search(r"listening on (http://\S+)", line)
            url = found.group(1) if found else None
        assert url is not None, "the hub did not say where it listens"
        wait_for(lambda: httpx.get(f"{url}/health").status_code == 200)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "clean exit" in out
    assert "Traceback" not in err
    assert (tmp_path / "hub.json").exists()
