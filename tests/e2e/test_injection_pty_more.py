"""The injection corpus through the inputs ``test_injection_pty`` leaves out, on the raw
bytes a real pty receives: the user name behind a token (the connection bar shows it)
and the guided restore's FLAGGED text (an alert's title, in the pack being watched).

The console runs as an incident commander whose user name is a payload; the hub's global
switch is engaged, so the guided restore is offered: hold every pack, release the global
switch, re-enable the first pack, then an alert in that pack flags it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.hub.config import AGENTOS_PACKS, TokenEntry
from services.hub.http.auth import ROLES
from tests.console.live import am_alert, am_payload
from tests.e2e.pty_run import PtyProgram
from tests.fixtures.corpus import FORBIDDEN_BYTES, INJECTIONS
from tests.hubtools import HubFactory, token_for, user_for

pytestmark = pytest.mark.e2e

ALL = " ".join(INJECTIONS.values())
# Short enough for the connection bar's 40 characters; its own markers (XUn).
USER = "\x1b]0;T\x07XU1\x9b2JXU2\u202eXU3\u202c"
USER_FORBIDDEN = (b"\x1b]0;T\x07", "\x9b2JXU2".encode(), "\u202eXU3".encode())


def test_user_names_and_the_flagged_text_never_reach_the_terminal_raw(
    hub_factory: HubFactory,
) -> None:
    tokens = [
        TokenEntry(token_for(role), USER if role == "incident-commander" else user_for(role), role)
        for role in ROLES
    ]
    hub = hub_factory(tokens=tokens)
    stop = {"enabled": False, "reason": "exfiltration drill"}
    hub.client("cto").post("/api/killswitch/global", json=stop).raise_for_status()
    first = AGENTOS_PACKS[0]
    console = PtyProgram(
        ["--hub", hub.url, "--token", hub.tokens["incident-commander"]], width=200, height=60
    )
    try:
        mark = console.wait_for(b"LIVE")
        mark = console.wait_for(b"XU1", start=0)  # the user, drawn in the connection bar
        console.type("k")
        mark = console.wait_for(b"Kill switches", start=mark)
        console.type("r")  # the guided restore (the global switch is engaged)
        mark = console.wait_for(b"Next (n): hold", start=mark)
        console.type("n")
        mark = console.wait_for(b"before releasing the global switch", start=mark)
        console.type("HOLD PACKS\r")
        mark = console.wait_for(b"Next (n): release the global switch", start=mark)
        console.type("n")
        mark = console.wait_for(b"(held packs stay off)", start=mark)
        console.type("RELEASE GLOBAL\r")
        mark = console.wait_for(f"Next (n): re-enable {first}".encode(), start=mark)
        console.type("n")
        mark = console.wait_for(f"Re-enable {first}; it is watched".encode(), start=mark)
        console.type(f"{first}\r")
        mark = console.wait_for(f"Watching {first}".encode(), start=mark)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        alert = am_alert("feedf00dfeedf00d", pack=first, summary=f"Alert {ALL}", starts_at=now)
        hub.client("ingest").post("/api/ingest/alertmanager", json=am_payload([alert]))
        flagged = console.wait_for(b"FLAGGED", start=mark)
        console.wait_for(b"XPWN7", start=flagged)  # the alert's title, in the FLAGGED line
        raw = console.output
    finally:
        console.stop()
    for forbidden in (*FORBIDDEN_BYTES, *USER_FORBIDDEN):
        assert forbidden not in raw, f"{forbidden!r} reached the terminal"
    # Drawn, made visible: the user's markers anywhere, the alert's after FLAGGED.
    for marker in (b"XU1", b"XU2", b"XU3"):
        assert marker in raw, f"{marker!r} never shown"
    for marker in (b"XPWN0", b"XPWN1", b"XPWN2", b"XPWN3", b"XPWN5", b"XPWN7"):
        assert marker in raw[flagged:], f"{marker!r} not shown in the FLAGGED text"
