"""A large generated event history for the explorer's tests and benchmark."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.console.events import EventHistory, EventRecord

PACKS = ("support", "marketing", "finance", "devops", "sales", "legal", "research")
TYPES = ("agent.status", "alert.fired", "alert.resolved", "timeline.entry", "incident.updated")
LEVELS = ("SEV1", "SEV2", "SEV3", "SEV4", "running")
SPAN = timedelta(days=7)


def synthetic_history(count: int, now: datetime) -> EventHistory:
    """``count`` records spread evenly over the 7 days before ``now``, oldest first.

    Record ``i``: pack ``PACKS[i % 7]``, agent ``{pack}-bot-{i % 5}``, type
    ``TYPES[i % 5]``, level ``LEVELS[(i // 7) % 5]``
    (independent of the type); run ``run-{i // 50}``; fingerprint
    ``fp-{i % 1000}`` on alert types; label ``instance=db-{i % 20}``.
    """
    history = EventHistory(max_count=max(count, 1))
    step = SPAN / max(count, 1)
    start = now - SPAN
    for i in range(count):
        pack = PACKS[i % len(PACKS)]
        kind = TYPES[i % len(TYPES)]
        history.add(
            EventRecord(
                at=start + step * (i + 1),
                type=kind,
                message=f"{pack} event {i}: tool call rate {i % 97}/min",
                pack=pack,
                agent=f"{pack}-bot-{i % 5}",
                level=LEVELS[(i // 7) % len(LEVELS)],
                run_id=f"run-{i // 50}",
                fingerprint=f"fp-{i % 1000}" if kind.startswith("alert") else "",
                labels=(f"instance=db-{i % 20}",),
            )
        )
    return history
