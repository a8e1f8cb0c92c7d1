"""The injection corpus through every input, on the raw bytes a real pty receives.

A real hub is fed the payloads as an incident's title and packs, an Alertmanager
alert's labels (pack, agent) and annotations, a note, kill-switch reasons; the
console runs in a pty and visits the dashboard, the incident (its alerts and
timeline), the templates screen (``c``), the kill switches (``k``) and their audit
(``a``). No payload's raw sequence may appear in what the terminal received, and the
payloads do show, made visible (the markers prove they were drawn).
"""

from __future__ import annotations

import pytest

from tests.console.live import am_alert, am_payload
from tests.e2e.pty_run import PtyProgram
from tests.fixtures.corpus import FORBIDDEN_BYTES, INJECTIONS
from tests.hubtools import RunningHub

pytestmark = pytest.mark.e2e

ALL = " ".join(INJECTIONS.values())


def _seed(hub: RunningHub) -> str:
    commander = hub.client("incident-commander")
    body = {
        "title": f"Injected {ALL}",
        "severity": "SEV1",
        "category": "incorrect_output",
        "packs": ["support", INJECTIONS["osc52-clipboard"], INJECTIONS["csi-clear"]],
    }
    response = commander.post("/api/incidents", json=body)
    response.raise_for_status()
    incident_id = str(response.json()["incident"]["id"])
    alert = am_alert(
        "f00dfeedf00dfeed",
        pack=INJECTIONS["osc0-title"],
        agent=INJECTIONS["dcs-query"],
        summary=f"Alert {ALL}",
    )
    hub.client("ingest").post("/api/ingest/alertmanager", json=am_payload([alert]))
    note = {"text": f"Note {ALL}"}
    commander.post(f"/api/incidents/{incident_id}/notes", json=note).raise_for_status()
    reason = {"enabled": False, "reason": f"Stop {ALL}", "incident_id": incident_id}
    commander.post("/api/killswitch/pack/legal", json=reason).raise_for_status()
    return incident_id


def test_no_payload_reaches_the_terminal_raw(hub: RunningHub) -> None:
    incident_id = _seed(hub)
    console = PtyProgram(
        ["--hub", hub.url, "--token", hub.tokens["incident-commander"]], width=200, height=60
    )
    try:
        console.wait_for(b"LIVE")
        mark = console.wait_for(incident_id.encode())
        console.type("i")  # the incidents panel
        console.type("\r")  # open the incident: its alerts and timeline
        mark = console.wait_for(b"Timeline", start=mark)
        console.type("c")  # the communication templates
        # Their own footer: "Templates" alone is also the incident footer's word for c.
        mark = console.wait_for(b"Copy & record", start=mark)
        console.type("\x1b")
        # Escape alone: what follows it at once would read as alt+key. Wait for the redraw.
        # The incident's own footer again ("Breach", its key for a confirmed breach),
        # drawn once the templates closed: the incident's body shows behind the modal
        # templates, so its words ("Kill switch" is a checklist item's) cannot tell.
        mark = console.wait_for(b"Breach", start=mark)
        console.type("k")  # the kill switches, with the reasons
        mark = console.wait_for(b"Kill switches", start=mark)
        console.type("a")  # the audit
        console.wait_for(b"Kill-switch audit", start=mark)
        raw = console.output
    finally:
        console.stop()
    for forbidden in FORBIDDEN_BYTES:
        assert forbidden not in raw, f"{forbidden!r} reached the terminal"
    for marker in (b"XPWN0", b"XPWN1", b"XPWN2", b"XPWN3", b"XPWN5", b"XPWN7"):
        assert marker in raw, f"{marker!r} never shown: the test did not reach it"
