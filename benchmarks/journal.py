"""Enter on a note with 1,000 items in the console's journal: how long until the
person has the console back, and how long until the note is durable.

A journal (``ConsoleStore``, fsync on, in a temporary folder on this machine's disk)
is filled with ``--items`` actions as a long incident leaves them: most delivered,
each answered with the hub's incident (200 alert fingerprints) and its timeline
entry, a few still pending. Then ``--notes`` times, one note is journalled the way
the console's Enter does it:

* this code: ``Outbox.stage`` on the event loop (what Enter waits for), then
  ``Outbox.save`` in a worker, the fsync in a thread (``asyncio.to_thread``);
* older code (no ``stage``): ``Outbox.submit``, the whole write and fsync on the loop.

Columns: ``enter → back`` is the time the event loop was busy with the keypress;
``enter → durable`` until the fsync completed (the note counts as saved and the
timeline says "pending"); ``loop blocked`` the longest stall of a 1 ms ticker on
the loop meanwhile. Nothing is sent: no hub is needed.

    .venv/bin/python benchmarks/journal.py               # 1,000 items, 50 notes
    PYTHONPATH=/path/to/older/checkout .venv/bin/python benchmarks/journal.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.console.outbox import Outbox
from storage.console_store import ConsoleStore, OutboxItem


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else the platform's word."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fill(store: ConsoleStore, items: int) -> None:
    """``items`` journalled actions: all but 1 in 100 delivered, with the hub's answer."""
    incident = {
        "id": "INC-1",
        "title": "Possible PII in ticket-summarizer output",
        "alert_fingerprints": [f"{n:016x}" for n in range(200)],
        "packs": ["support"],
    }
    for n in range(items):
        key = f"k{n:05d}"
        at = f"2026-11-25T18:{n // 60 % 60:02d}:{n % 60:02d}.000Z"
        text = f"note {n}: " + "customer e-mails seen in summaries " * 3
        body = {"text": text}
        store.enqueue(
            OutboxItem(key, "note", "POST", "/api/incidents/INC-1/notes", body, at, "INC-1")
        )
        if n % 100:
            entry = {"id": f"TL-{n}", "incident_id": "INC-1", "at": at, "text": text}
            store.finish(key, "done", {"incident": incident, "entry": entry}, at)


async def measure(outbox: Outbox, notes: int) -> list[tuple[float, float, float]]:
    """(enter → back, enter → durable, longest loop stall) per note, in ms."""
    results = []
    for n in range(notes):
        stalls: list[float] = []
        stop = asyncio.Event()

        async def ticker(stalls: list[float] = stalls, stop: asyncio.Event = stop) -> None:
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                stalls.append(now - last - 0.001)
                last = now

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.005)
        body: dict[str, Any] = {"text": f"benchmark note {n}"}
        path = "/api/incidents/INC-1/notes"
        start = time.perf_counter()
        if hasattr(outbox, "stage"):
            item = outbox.stage("note", path, body, incident_id="INC-1")
            back = time.perf_counter()
            await outbox.save(item)
        else:  # older code: the write and its fsync on the loop
            outbox.submit("note", path, body, incident_id="INC-1")
            back = time.perf_counter()
        durable = time.perf_counter()
        await asyncio.sleep(0.002)
        stop.set()
        await tick
        results.append(((back - start) * 1e3, (durable - start) * 1e3, max(stalls) * 1e3))
    return results


def row(name: str, values: list[float]) -> str:
    """One table row: p50, p99, max and mean of ``values`` (ms)."""
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"| {name:<16} | {statistics.median(ordered):8.1f} | {p99:8.1f} "
        f"| {ordered[-1]:8.1f} | {statistics.fmean(ordered):8.1f} |"
    )


def main() -> None:
    """Fill a journal, journal notes into it, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--notes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.home()) as folder:
        store = ConsoleStore(Path(folder), fsync=False)
        fill(store, args.items)
        store.close()
        store = ConsoleStore(Path(folder))  # fsync on, as the console runs
        size = (Path(folder) / "console.json").stat().st_size
        outbox = Outbox(store, None)  # type: ignore[arg-type]  # nothing is sent
        results = asyncio.run(measure(outbox, args.notes))
        store.close()
    code = "stage + save in a thread" if hasattr(outbox, "stage") else "submit on the loop"
    print(
        f"{os.cpu_count()} CPUs, {cpu_model()}; Python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"{args.items} items in the journal ({size / 1e6:.2f} MB); {args.notes} notes; {code}")
    print()
    print("| measure          |   p50 ms |   p99 ms |   max ms |  mean ms |")
    print("|------------------|---------:|---------:|---------:|---------:|")
    print(row("enter → back", [r[0] for r in results]))
    print(row("enter → durable", [r[1] for r in results]))
    print(row("loop blocked", [r[2] for r in results]))


if __name__ == "__main__":
    main()
