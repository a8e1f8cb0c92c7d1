"""The wall over a simulated day: is its memory flat after the first hour?

Runs the real :class:`tui.wall.app.WallApp` headless at 200x60 on a simulated
clock and feeds its state a day of hub events as fast as it can: a heartbeat
every 2 s, every agent's status every minute, alerts (each with a new
fingerprint and a title carrying an e-mail address, so redaction and its caches
see new text all day), an incident opened every 20 minutes and resolved two
hours later, updated every 5 minutes, timeline entries, a pack stopped and
re-enabled every hour. The wall redraws every ``--redraw-every`` simulated
seconds (and Textual renders it). One table row per simulated hour: events so
far and RSS (``/proc/self/status`` VmRSS, after a ``gc.collect()``); RSS after
the first hour is what must stay flat (tracemalloc is not used: it slows the
run tenfold). Bounded: it feeds exactly ``--hours`` hours, then stops.

    .venv/bin/python benchmarks/wall_soak.py               # a day, redraw every 5 s
    .venv/bin/python benchmarks/wall_soak.py --hours 2     # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import platform
import sys
import time
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


async def soak(hours: float, redraw_every: int) -> list[tuple[float, int, float, float]]:
    clock = Clock()
    settings = ConsoleSettings(hub_url="http://hub.example:8080", token="t")
    app = WallApp(settings, clock=clock, connect=False, monotonic=clock)
    feed = Feed()
    rows: list[tuple[float, int, float, float]] = []
    started = time.perf_counter()
    async with app.run_test(size=(200, 60)) as pilot:
        app.set_connection(StreamStatus(state="live"))
        app.state.apply_dict(snapshot(seq=40), clock.now)
        await pilot.pause()
        rows.append((0, 0, rss_mib(), 0.0))
        for s in range(int(hours * 3600)):
            clock.now = FROZEN_NOW + timedelta(seconds=s)
            for item in feed.second(s, clock.now):
                app.state.apply_dict(item, clock.now)
            if s % redraw_every == 0:
                app.flush()
                await pilot.pause()
            if s and s % 3600 == 0:
                gc.collect()
                rows.append((s // 3600, feed.count, rss_mib(), time.perf_counter() - started))
                # As it goes, on stderr: a multi-day run can be read before it ends.
                hour, events, rss, spent = rows[-1]
                line = f"hour {hour}: {events} events, {rss:.1f} MiB, {spent:.0f} s"
                print(line, file=sys.stderr, flush=True)
        gc.collect()
        rows.append((round(hours, 2), feed.count, rss_mib(), time.perf_counter() - started))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--redraw-every", type=int, default=5, metavar="S")
    args = parser.parse_args()
    rows = asyncio.run(soak(args.hours, args.redraw_every))
    print(f"{platform.python_version()} · redraw every {args.redraw_every} simulated s")
    print("| hour | events | RSS MiB | Δ since hour 1 | wall time s |")
    print("|---|---|---|---|---|")
    first = next((r[2] for r in rows if r[0] == 1), rows[-1][2])
    seen = set()
    for hour, events, rss, spent in rows:
        if hour in seen:
            continue
        seen.add(hour)
        delta = f"{rss - first:+.1f}" if hour >= 1 else ""
        print(f"| {hour} | {events:,} | {rss:.1f} | {delta} | {spent:.0f} |")


if __name__ == "__main__":
    main()
