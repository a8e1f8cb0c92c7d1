"""The wall over simulated days: is its memory flat after the first hour?

Runs the real :class:`tui.wall.app.WallApp` headless at 200x60 on a simulated
clock and feeds its state hub events as fast as it can: a heartbeat every 2 s,
every agent's status every minute, alerts (each with a new fingerprint and a
title carrying an e-mail address, so redaction and its memos see new text all
day), an incident opened every 20 minutes and resolved two hours later, updated
every 5 minutes, timeline entries, a pack stopped and re-enabled every hour.

The clock is simulated: each simulated second's events are applied at once, and
every ``--redraw-every`` simulated seconds the wall is redrawn and Textual lays it
out and renders it (``Pilot.pause(0)``: the render without the idle-wait sleep of
``Pilot.pause()``), so a simulated hour costs only the CPU of its events and
redraws (~15-30 s here at the default 5 s). The run stops after ``--hours``
simulated hours, or at the first hour boundary past ``--max-minutes`` of wall
time, whichever comes first.

One table row per simulated hour: events so far, RSS (``/proc/self/status``
VmRSS, after a ``gc.collect()``) and, with ``--trace``, the bytes tracemalloc
sees allocated by Python since hour 0 (slower, and its own bookkeeping adds to
RSS; ``--top N`` then lists the N source lines that grew most from hour 1 to the
last hour). Below the table: RSS at hour 1 and at the last hour, and the slope
over the last day (least squares over its hourly rows).

    .venv/bin/python benchmarks/wall_soak.py                  # a day, redraw every 5 s
    .venv/bin/python benchmarks/wall_soak.py --hours 72 --max-minutes 60
    .venv/bin/python benchmarks/wall_soak.py --hours 6 --trace --top 15
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.console.settings import ConsoleSettings
from services.console.state import StreamStatus
from services.domain.timeutil import to_rfc3339
from tests.console.sample import (
    FLEET,
    FROZEN_NOW,
    PACKS,
    agent,
    alert,
    envelope,
    incident,
    snapshot,
    switch,
)
from tui.wall.app import WallApp

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")


def rss_mib() -> float:
    """This process's resident set size in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Clock:
    def __init__(self) -> None:
        self.now = FROZEN_NOW

    def __call__(self) -> datetime:
        return self.now


class Feed:
    """A day of events, second by second."""

    def __init__(self) -> None:
        self.seq = 40
        self.open: dict[str, datetime] = {}
        self.count = 0

    def _env(self, kind: str, data: dict[str, Any], at: datetime) -> dict[str, Any]:
        self.seq += 1
        self.count += 1
        return envelope(self.seq, kind, data, ts=to_rfc3339(at))

    def second(self, s: int, at: datetime) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        stamp = to_rfc3339(at)
        if s % 2 == 0:
            out.append(self._env("heartbeat", {"hub_time": stamp, "interval_s": 2.0}, at))
        if s % 60 == 0:
            for pack in PACKS:
                for name, state, rate in FLEET[pack]:
                    data = agent(name, pack, state, rate + (s // 60) % 7)
                    data["last_heartbeat"] = stamp
                    out.append(self._env("agent.status", {"agent": data}, at))
        if s % 12 == 0:
            pack = PACKS[(s // 12) % len(PACKS)]
            body = alert(
                f"fp{s:08x}",
                title=f"Reply to user{s}@example.com leaked order {s}",
                pack=pack,
                started_at=stamp,
                last_seen_at=stamp,
            )
            out.append(self._env("alert.fired", {"alert": body}, at))
        if s % 1200 == 0:
            ident = f"INC-{100 + s // 1200}"
            self.open[ident] = at
            data = incident(
                ident,
                severity=SEVERITIES[(s // 1200) % 4],
                title=f"Incident {ident}: customer jane{s}@example.com",
                opened_at=stamp,
                last_progress_at=stamp,
            )
            out.append(self._env("incident.opened", {"incident": data}, at))
        if s % 300 == 0:
            for ident, opened in list(self.open.items()):
                data = incident(
                    ident, opened_at=to_rfc3339(opened), last_progress_at=stamp, status="contain"
                )
                if (at - opened).total_seconds() >= 7200:
                    data.update(status="resolved", resolved_at=stamp, root_cause="fixed")
                    del self.open[ident]
                    out.append(self._env("incident.resolved", {"incident": data}, at))
                else:
                    out.append(self._env("incident.updated", {"incident": data}, at))
        if s % 6 == 0 and self.open:
            ident = sorted(self.open)[(s // 6) % len(self.open)]
            entry = {
                "id": f"e{s}",
                "incident_id": ident,
                "at": stamp,
                "kind": "note",
                "author": "alice",
                "text": f"note {s} call +1 415 555 {s % 10000:04d}",
            }
            out.append(self._env("timeline.entry", {"entry": entry}, at))
        if s % 3600 == 1800:
            stopped = switch("legal", False, changed_by="bob", changed_at=stamp, reason="test")
            out.append(self._env("killswitch.changed", {"switch": stopped}, at))
        if s % 3600 == 2400:
            back = switch("legal", True, changed_by="bob", changed_at=stamp, reason="back")
            out.append(self._env("killswitch.changed", {"switch": back}, at))
        return out


@dataclass
class Row:
    """One simulated hour (or the run's end)."""

    hour: float
    events: int
    rss_mib: float
    traced_mib: float | None
    wall_s: float


def traced_mib() -> float | None:
    """What tracemalloc sees allocated now, in MiB (``None`` when not tracing)."""
    if not tracemalloc.is_tracing():
        return None
    return tracemalloc.get_traced_memory()[0] / 2**20


def slope_per_day(rows: list[Row]) -> float | None:
    """RSS growth in MiB per simulated day over ``rows`` (least squares), or ``None``."""
    if len(rows) < 2:
        return None
    mean_h = sum(r.hour for r in rows) / len(rows)
    mean_m = sum(r.rss_mib for r in rows) / len(rows)
    spread = sum((r.hour - mean_h) ** 2 for r in rows)
    if spread == 0:
        return None
    per_hour = sum((r.hour - mean_h) * (r.rss_mib - mean_m) for r in rows) / spread
    return per_hour * 24


async def soak(
    hours: float,
    redraw_every: int,
    *,
    max_minutes: float | None = None,
    top: int = 0,
) -> tuple[list[Row], list[tracemalloc.StatisticDiff]]:
    clock = Clock()
    settings = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    app = WallApp(settings, clock=clock, connect=False, monotonic=clock)
    feed = Feed()
    rows: list[Row] = []
    hour_1 = False
    snapshot_file = Path(tempfile.gettempdir()) / f"wall_soak_{os.getpid()}.tracemalloc"
    started = time.perf_counter()

    def row(hour: float) -> Row:
        gc.collect()
        return Row(hour, feed.count, rss_mib(), traced_mib(), time.perf_counter() - started)

    async with app.run_test(size=(200, 60)) as pilot:
        app.set_connection(StreamStatus(state="live"))
        app.state.apply_dict(snapshot(seq=40), clock.now)
        await pilot.pause()
        rows.append(row(0))
        total = int(hours * 3600)
        for s in range(total + 1):
            clock.now = FROZEN_NOW + timedelta(seconds=s)
            for item in feed.second(s, clock.now):
                app.state.apply_dict(item, clock.now)
            if s % redraw_every == 0:
                app.flush()
                await pilot.pause(0)
            if s and s % 3600 == 0:
                rows.append(row(s // 3600))
                if top and s == 3600:
                    # Kept on disk, not in memory; taking it still adds to the RSS from
                    # here on (compare the traced column, or run again without --top).
                    tracemalloc.take_snapshot().dump(str(snapshot_file))
                    hour_1 = True
                # As it goes, on stderr: a multi-day run can be read before it ends.
                last = rows[-1]
                traced = "" if last.traced_mib is None else f", traced {last.traced_mib:.2f} MiB"
                line = f"hour {last.hour}: {last.events} events, {last.rss_mib:.1f} MiB{traced}"
                print(f"{line}, {last.wall_s:.0f} s", file=sys.stderr, flush=True)
                if max_minutes is not None and last.wall_s > max_minutes * 60:
                    print(f"stopped: over {max_minutes} min of wall time", file=sys.stderr)
                    break
        else:
            if total % 3600:
                rows.append(row(round(hours, 2)))
        grown: list[tracemalloc.StatisticDiff] = []
        if hour_1:
            then = tracemalloc.Snapshot.load(str(snapshot_file))
            snapshot_file.unlink()
            mine = [tracemalloc.Filter(False, tracemalloc.__file__)]
            now = tracemalloc.take_snapshot().filter_traces(mine)
            grown = now.compare_to(then.filter_traces(mine), "lineno")[:top]
    return rows, grown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours to feed")
    parser.add_argument("--redraw-every", type=int, default=5, metavar="S")
    parser.add_argument("--max-minutes", type=float, help="stop after this much wall time")
    parser.add_argument("--trace", action="store_true", help="tracemalloc from hour 0")
    parser.add_argument("--top", type=int, default=0, metavar="N", help="with --trace")
    args = parser.parse_args()
    if args.trace:
        tracemalloc.start(1)
    rows, grown = asyncio.run(
        soak(args.hours, args.redraw_every, max_minutes=args.max_minutes, top=args.top)
    )
    print(f"{platform.python_version()} · redraw every {args.redraw_every} simulated s")
    traced = " traced MiB |" if args.trace else ""
    print(f"| hour | events | RSS MiB | Δ since hour 1 |{traced} wall time s |")
    print("|---:|---:|---:|---:|" + ("---:|" if args.trace else "") + "---:|")
    first = next((r for r in rows if r.hour == 1), None)
    seen = set()
    for r in rows:
        if r.hour in seen:
            continue
        seen.add(r.hour)
        delta = f"{r.rss_mib - first.rss_mib:+.1f}" if first and r.hour >= 1 else ""
        cells = f" {r.traced_mib:.2f} |" if r.traced_mib is not None else ""
        print(f"| {r.hour} | {r.events:,} | {r.rss_mib:.1f} | {delta} |{cells} {r.wall_s:.0f} |")
    last = rows[-1]
    if first is not None and last.hour > 1:
        rss = f"{first.rss_mib:.1f} MiB; at hour {last.hour}: {last.rss_mib:.1f} MiB"
        print(f"RSS at hour 1: {rss}")
        day = [r for r in rows if r.hour >= max(1, last.hour - 24)]
        slope = slope_per_day(day)
        if slope is not None:
            print(f"slope over hours {day[0].hour}-{last.hour}: {slope:+.2f} MiB/day")
    for stat in grown:
        print(stat)


if __name__ == "__main__":
    main()
