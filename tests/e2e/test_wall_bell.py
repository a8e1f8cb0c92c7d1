"""`warroom wall` in a real pty against a real hub: the bell byte once per new SEV1.

A SEV3 opened: no BEL. A SEV1 opened: exactly one. Counted on the raw bytes the
terminal receives (BEL inside OSC sequences is a terminator, not a bell).
"""

from __future__ import annotations

import pytest

from tests.e2e.pty_run import PtyProgram, bells
from tests.hubtools import RunningHub
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e


def _open(hub: RunningHub, title: str, severity: str) -> None:
    body = {"title": title, "severity": severity, "category": "incorrect_output"}
    response = hub.client("incident-commander").post("/api/incidents", json=body)
    response.raise_for_status()


def test_a_new_sev1_rings_the_bell_once_and_a_sev3_never(hub: RunningHub) -> None:
    wall = PtyProgram(["wall", "--hub", hub.url, "--token", hub.tokens["viewer"]])
    try:
        wall.wait_for(b"LIVE")
        wall.wait_for(b"all 7 packs on")
        before = bells(wall.output)
        _open(hub, "Minor glitch in summaries", "SEV3")
        mark = wall.wait_for(b"Minor glitch")
        assert bells(wall.output) == before
        _open(hub, "Customer data in replies", "SEV1")
        mark = wall.wait_for(b"Customer data", start=mark)
        wait_until(lambda: bells(wall.output) > before, timeout=15, what="the bell")
        # Later redraws (another incident) ring nothing more: once per new SEV1.
        _open(hub, "Another minor glitch", "SEV3")
        wall.wait_for(b"Another minor", start=mark)
        assert bells(wall.output) == before + 1
    finally:
        wall.stop()
