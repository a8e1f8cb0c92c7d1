"""SVG snapshots of the incident screen with a frozen clock (80x24, 120x40 and 200x60).

INC-3 (SEV1 PII, acked at 00:48, contain step overrun, escalated to the security
lead, a status update sent, the pack stop checked on Contain's checklist) with a
timeline mixing automatic entries and notes, one with markup in it shown literally.
Regenerate with ``--snapshot-update`` and look at the result before committing it.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from services.console.identity import Identity
from services.console.state import StreamStatus
from tests.console.sample import envelope, incident, snapshot
from tests.console.test_snapshots import make_app

WRITE = ("incident.write", "read")


def _entry(n: int, at: str, author: str, kind: str, text: str) -> dict[str, Any]:
    return {
        "id": f"TL-{n}",
        "incident_id": "INC-3",
        "at": f"2026-11-25T{at}.000Z",
        "author": author,
        "kind": kind,
        "text": text,
        "detail": "",
    }


TIMELINE = [
    _entry(1, "18:07:12", "hub", "opened", "opened from alert PIIExposure"),
    _entry(
        2, "18:07:12", "hub", "escalation", "escalated to security lead: security: PII exposure"
    ),
    _entry(3, "18:08:00", "alice", "ack", "acknowledged by alice"),
    _entry(4, "18:08:01", "alice", "status", "status triage → contain"),
    _entry(5, "18:12:00", "alice", "killswitch", "pack support stopped by alice: PII in replies"),
    # The hub numbers entries in the order it records them (the timeline's order).
    _entry(
        6, "18:12:01", "alice", "checklist", "checked: Kill the affected agent pack (Ops Console)"
    ),
    _entry(7, "18:13:30", "bob", "note", "[bold red]not markup[/] customer emails in replies"),
    _entry(8, "18:15:00", "alice", "status_update", "initial notification sent"),
]
INC3 = incident(
    "INC-3",
    title="Possible PII in ticket-summarizer output",
    severity="SEV1",
    category="pii_exposure",
    status="contain",
    opened_at="2026-11-25T18:07:12.000Z",
    last_progress_at="2026-11-25T18:15:00.000Z",
    acknowledged_at="2026-11-25T18:08:00.000Z",
    acknowledged_by="alice",
    packs=["support"],
    alert_fingerprints=["65e4f9066fb1276e"],
    alert_count=4,
    last_status_update_at="2026-11-25T18:15:00.000Z",
    checklist={
        "triage.acknowledge": {"done": True, "by": "alice", "at": "2026-11-25T18:08:00.000Z"},
        "contain.pack-stop": {"done": True, "by": "alice", "at": "2026-11-25T18:12:01.000Z"},
    },
    escalations=[
        {
            "role": "security-lead",
            "at": "2026-11-25T18:07:12.000Z",
            "reason": "security: PII exposure",
            "action": "page",
            "key": "security:security-lead",
        },
    ],
)


async def _open(pilot: Pilot[None]) -> None:
    app = pilot.app
    app.set_connection(StreamStatus(state="live"))  # type: ignore[attr-defined]
    data = snapshot(seq=40)
    data["data"]["incidents"][0] = INC3
    data["data"]["timeline"] = TIMELINE
    app.apply_envelope(data)  # type: ignore[attr-defined]
    app.apply_envelope(
        envelope(
            41,
            "heartbeat",
            {
                "hub_time": "2026-11-25T18:20:00.000Z",  # type: ignore[attr-defined]
                "interval_s": 2.0,
            },
        )
    )
    app.session.identity = Identity("alice", "incident-commander", WRITE)  # type: ignore[attr-defined]
    await pilot.pause()
    await pilot.press("i", "enter")
    await pilot.pause()
    app.flush()  # type: ignore[attr-defined]
    await pilot.pause()


@pytest.mark.parametrize(
    "size", [(80, 24), (120, 40), (200, 60)], ids=["80x24", "120x40", "200x60"]
)
def test_incident_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_open)
