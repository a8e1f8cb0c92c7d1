"""The guided restore after a global stop: a pure plan, no I/O.

With the global switch engaged no pack runs, whatever its own switch says. So
releasing the global switch first would restart every pack at once. The plan
therefore goes:

1. **hold** — switch every pack off (nothing changes yet: the global stop
   already holds them);
2. **release** — release the global switch once every pack is held and its
   agents are seen stopped ("stable"), or with an explicit, recorded override;
3. **enable** — re-enable packs one at a time, in order, each watched for
   ``watch_s`` (5 minutes) with a countdown before the next is offered; an
   alert in the watched pack during its watch flags it and the next is only
   offered with an override.

Packs kept off (the incident's pack) are skipped unless chosen back in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["WATCH_S", "RestorePlan", "RestoreStep"]

WATCH_S = 300.0


@dataclass(frozen=True)
class RestoreStep:
    """What the restore offers next: ``kind`` hold, release, wait, flagged, enable or done."""

    kind: str
    packs: tuple[str, ...] = ()
    seconds_left: float = 0.0
    detail: str = ""


@dataclass
class RestorePlan:
    """The order and progress of one guided restore."""

    packs: Sequence[str]
    keep_off: set[str] = field(default_factory=set)
    watch_s: float = WATCH_S
    enabled: list[str] = field(default_factory=list)
    watching: str | None = None
    watch_started: datetime | None = None
    flagged: dict[str, str] = field(default_factory=dict)
    overrides: list[str] = field(default_factory=list)

    @property
    def order(self) -> list[str]:
        """The packs to bring back, in order (kept-off ones left out)."""
        return [p for p in self.packs if p not in self.keep_off]

    def toggle_keep_off(self, pack: str) -> None:
        """Choose a kept-off pack back in, or keep a pack off."""
        if pack in self.keep_off:
            self.keep_off.discard(pack)
        elif pack not in self.enabled:
            self.keep_off.add(pack)

    def next_step(
        self,
        global_enabled: bool,
        pack_enabled: Mapping[str, bool],
        agents_stopped: Mapping[str, bool],
        now: datetime,
    ) -> RestoreStep:
        """What to offer now, from the switches and agents as the stream shows them."""
        if not global_enabled:
            running = tuple(p for p in self.packs if pack_enabled.get(p, True))
            if running:
                return RestoreStep("hold", running, detail="switch these packs off first")
            unstable = tuple(p for p in self.packs if not agents_stopped.get(p, True))
            if unstable:
                return RestoreStep("release", unstable, detail="agents not yet seen stopped")
            return RestoreStep("release")
        if self.watching is not None and self.watch_started is not None:
            if self.watching in self.flagged:
                return RestoreStep("flagged", (self.watching,), detail=self.flagged[self.watching])
            left = self.watch_s - (now - self.watch_started).total_seconds()
            if left > 0:
                return RestoreStep("wait", (self.watching,), seconds_left=left)
        remaining = [p for p in self.order if p not in self.enabled]
        if not remaining:
            return RestoreStep("done")
        return RestoreStep("enable", (remaining[0],))

    def note_enabled(self, pack: str, now: datetime) -> None:
        """``pack`` was re-enabled at ``now``: its watch starts."""
        if pack not in self.enabled:
            self.enabled.append(pack)
        self.watching = pack
        self.watch_started = now

    def note_alerts(self, alerts: Iterable[tuple[str | None, str, datetime | None]]) -> None:
        """Alerts (pack, title, started or last seen, hub time): one in the watched pack
        during its watch flags it."""
        if self.watching is None or self.watch_started is None:
            return
        for pack, title, seen in alerts:
            if pack == self.watching and seen is not None and seen >= self.watch_started:
                self.flagged.setdefault(pack, title)

    def override(self, reason: str) -> None:
        """Go on despite a flag (the reason is recorded by the caller as ``override: …``)."""
        self.overrides.append(reason)
        if self.watching is not None:
            self.flagged.pop(self.watching, None)
            self.watch_started = None
            self.watching = None
