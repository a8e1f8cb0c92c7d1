"""Regenerate the README's pictures from a real hub, simulator and console.

    .venv/bin/python docs/make_screenshots.py

Starts the hub with the `demo` scenario on a free loopback port, runs the
console headless at 120x40 and 80x24 until the story has an incident or two,
and saves SVG screenshots into docs/.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.console.settings import ConsoleSettings  # noqa: E402
from services.hub.config import HubConfig, TokenEntry  # noqa: E402
from services.hub.server import HubServer  # noqa: E402
from services.simulator.simulator import PACKS, Simulator  # noqa: E402
from tui.app import WarroomApp  # noqa: E402

STORY_SECONDS = 24.0


async def shoot(url: str, token: str, folder: Path, size: tuple[int, int], name: str) -> None:
    settings = ConsoleSettings(hub_url=url, token=token, data_dir=folder / name)
    app = WarroomApp(settings)
    async with app.run_test(size=size) as pilot:
        await asyncio.sleep(2.0)
        await pilot.pause()
        app.save_screenshot(filename=name + ".svg", path=str(ROOT / "docs"))


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="warroom-shots-"))
    tokens = [
        TokenEntry("shot-ic", "alice", "incident-commander"),
        TokenEntry("shot-agent", "agents", "agent"),
        TokenEntry("shot-ingest", "alertmanager", "ingest"),
    ]
    config = HubConfig(port=0, data_dir=folder / "hub", packs=list(PACKS), tokens=tokens)

    async def background(base_url: str) -> None:
        await Simulator(base_url, "shot-agent", "shot-ingest", scenario="demo", seed=1).run()

    server = HubServer(config, background=background)
    url = server.start()
    try:
        import time

        time.sleep(STORY_SECONDS)
        asyncio.run(shoot(url, "shot-ic", folder, (120, 40), "dashboard"))
        asyncio.run(shoot(url, "shot-ic", folder, (80, 24), "dashboard-80x24"))
    finally:
        server.stop()
    print("wrote docs/dashboard.svg and docs/dashboard-80x24.svg")


if __name__ == "__main__":
    main()
