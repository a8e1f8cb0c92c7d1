"""Keypress to APPLIED and to CONFIRMED for pack stops, through the console's real UI path.

Starts a real hub on an ephemeral loopback port with the simulator inside it
(27 agents in the 7 AgentOS packs; the simulator heartbeats every ``--tick``
seconds, 0.2 s by default instead of the demo's 1 s, so an agent learns of a
stop within ~0.2 s), and the console headless (``App.run_test``). Then, ``--stops``
times, alternating packs: select the pack on the kill-switch screen, ``s``,
type the pack's name, Enter; wait for CONFIRMED (every agent of the pack seen
stopped on the stream); then ``e``, the name, Enter, and wait until the pack
runs again (not measured). The clock starts at the confirming Enter, as the
screen's ``all 6 agents stopped in 1.4 s`` does. Bounded and loopback only.

    .venv/bin/python benchmarks/keypress_to_confirmed.py            # 100 stops
    .venv/bin/python benchmarks/keypress_to_confirmed.py --stops 10 --tick 1.0
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.pilot import Pilot
from textual.widgets import Input

from services.console.containment import Action, Phase
from services.console.settings import ConsoleSettings
from services.hub.config import AGENTOS_PACKS, HubConfig, TokenEntry
from services.hub.server import HubServer
from services.simulator.simulator import Simulator
from tui.app import WarroomApp
from tui.screens.confirm_stop import ConfirmStop
from tui.screens.killswitch import KillswitchScreen
from widgets.killswitch_panel import KillswitchPanel

logging.getLogger("warroom.hub").setLevel(logging.ERROR)
PACKS = ("support", "marketing", "finance", "engineering")
TOKENS = {"operator": "bench-ic", "agent": "bench-agent", "ingest": "bench-ingest"}


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else the platform's word."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def until(pilot: Pilot[None], check: Callable[[], bool], what: str, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise TimeoutError(what)
        await pilot.pause()
        await asyncio.sleep(0.005)


async def switch(pilot: Pilot[None], app: WarroomApp, pack: str, key: str) -> Action:
    """Select ``pack``, press ``key`` (s or e), type the name, Enter; the action started."""
    screen = app.screen
    assert isinstance(screen, KillswitchScreen)
    screen.query_one(KillswitchPanel).select(f"pack:{pack}")
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ConfirmStop), "modal", 5)
    modal = app.screen
    assert isinstance(modal, ConfirmStop)
    modal.query_one("#confirm-reason", Input).value = f"benchmark {key} {pack}"
    await pilot.press(*pack, "enter")
    action = app.killswitch.tracker.latest(f"pack:{pack}")
    assert action is not None
    return action


async def run(stops: int, tick: float, folder: Path) -> list[tuple[float, float]]:
    async def background(base_url: str) -> None:
        sim = Simulator(base_url, TOKENS["agent"], TOKENS["ingest"], scenario="calm", tick_s=tick)
        await sim.run()

    config = HubConfig(
        host="127.0.0.1",
        port=0,
        data_dir=folder / "hub",
        packs=list(AGENTOS_PACKS),
        heartbeat_interval_s=0.5,
        tick_interval_s=0.2,
        tokens=[
            TokenEntry(TOKENS["operator"], "bench", "incident-commander"),
            TokenEntry(TOKENS["agent"], "fleet", "agent"),
            TokenEntry(TOKENS["ingest"], "am", "ingest"),
        ],
    )
    server = HubServer(config, background=background)
    url = server.start()
    results: list[tuple[float, float]] = []
    try:
        settings = ConsoleSettings(
            hub_url=url, token=TOKENS["operator"], data_dir=folder / "console"
        )
        app = WarroomApp(settings, backoff_cap=0.3)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.identity is not None, "whoami", 10)
            await until(pilot, lambda: len(app.state.agents) >= 27, "27 agents", 15)
            await pilot.press("k")
            await until(pilot, lambda: isinstance(app.screen, KillswitchScreen), "screen", 5)
            for index in range(stops):
                pack = PACKS[index % len(PACKS)]
                stop = await switch(pilot, app, pack, "s")
                await until(pilot, lambda a=stop: a.phase is Phase.CONFIRMED, "confirmed", 30)
                applied = stop.elapsed(stop.applied_at) or 0.0
                confirmed = stop.elapsed(stop.confirmed_at) or 0.0
                results.append((applied * 1000, confirmed * 1000))
                again = await switch(pilot, app, pack, "e")
                await until(pilot, lambda a=again: a.phase is Phase.CONFIRMED, "running", 30)
    finally:
        server.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stops", type=int, default=100, help="pack stops to measure")
    parser.add_argument("--tick", type=float, default=0.2, help="simulator heartbeat period, s")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        results = asyncio.run(run(args.stops, args.tick, Path(tmp)))
    applied = [a for a, _ in results]
    confirmed = [c for _, c in results]
    print(
        f"keypress → state over {len(results)} pack stops, loopback, simulator tick {args.tick} s"
    )
    cpus = len(os.sched_getaffinity(0))
    print(f"machine: {cpus} CPUs (nproc), {cpu_model()}; python {platform.python_version()}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print()
    print("| measure              |   p50 ms |   p99 ms |   max ms |  mean ms |")
    print("|----------------------|---------:|---------:|---------:|---------:|")
    for name, values in (("keypress → APPLIED", applied), ("keypress → CONFIRMED", confirmed)):
        print(
            f"| {name:<20} | {percentile(values, 0.5):8.1f} | {percentile(values, 0.99):8.1f} "
            f"| {max(values):8.1f} | {statistics.fmean(values):8.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
