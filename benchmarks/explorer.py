"""The event explorer at 10,000 and 100,000 events: build, filter, scroll a page.

For each size, in a headless console (``App.run_test``, 120x40) with a generated
history (tests/console/event_history.py): ``open`` is pushing the explorer until it
is drawn (merge, sort, index, filter everything, first page); ``filter`` is one
filter change (``pack:finance level:SEV1 tool``) applied to every record and shown;
``search`` a full-text word that matches one record; ``page`` is one PageDown until
the screen has been redrawn; ``rss`` is this process's resident memory afterwards.
Median of ``--repeat`` runs, in milliseconds.

    .venv/bin/python benchmarks/explorer.py
    .venv/bin/python benchmarks/explorer.py --sizes 10000 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.widgets import Input

from services.console.settings import ConsoleSettings
from tests.console.event_history import synthetic_history
from tests.console.sample import FROZEN_NOW
from tui.app import WarroomApp
from tui.screens.explorer import EventExplorer
from widgets.event_list import EventList


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(size: int, repeat: int) -> dict[str, float]:
    timings: dict[str, list[float]] = {"open": [], "filter": [], "search": [], "page": []}
    with tempfile.TemporaryDirectory() as folder:
        settings = ConsoleSettings(data_dir=Path(folder))
        app = WarroomApp(settings, clock=lambda: FROZEN_NOW, connect=False)
        app.session.events = synthetic_history(size, FROZEN_NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(repeat):
                began = time.perf_counter()
                screen = EventExplorer(app.session)
                await app.push_screen(screen)
                await pilot.pause()
                timings["open"].append(time.perf_counter() - began)
                field = screen.query_one("#ex-query", Input)
                for name, text in (
                    ("filter", "pack:finance level:SEV1 tool"),
                    ("search", "event 4321:"),
                ):
                    began = time.perf_counter()
                    field.value = text
                    await pilot.pause()
                    timings[name].append(time.perf_counter() - began)
                field.value = ""
                await pilot.pause()
                screen.query_one(EventList).focus()
                began = time.perf_counter()
                await pilot.press("pagedown")
                await pilot.pause()
                timings["page"].append(time.perf_counter() - began)
                await pilot.press("escape")
                await pilot.pause()
    result = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    result["rss"] = rss_mb()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    heads = ("events", "open ms", "filter ms", "search ms", "page ms", "rss MB")
    print("{:>8} {:>8} {:>10} {:>10} {:>8} {:>7}".format(*heads))
    for size in args.sizes:
        r = asyncio.run(measure(size, args.repeat))
        print(
            f"{size:>8} {r['open']:>8.1f} {r['filter']:>10.1f} {r['search']:>10.1f} "
            f"{r['page']:>8.1f} {r['rss']:>7.0f}"
        )


if __name__ == "__main__":
    main()
