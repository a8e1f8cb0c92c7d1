"""`warroom stop` when the input or the hub misbehaves: every outcome a documented code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from services.ops.outcome import ExitCode
from services.ops.stop import set_switch
from tests.faults import EIO, faulty_store
from tests.hubtools import RunningHub, start_hub

WARROOM = Path(sys.executable).with_name("warroom")
REPO = Path(__file__).resolve().parents[2]


def test_a_reason_that_is_not_utf8_is_refused_clearly(hub: RunningHub) -> None:
    env = {
        "WARROOM_TOKEN": hub.tokens["on-call"],
        "PATH": "/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        # This checkout's code, whichever checkout the shared entry point was installed from.
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [str(WARROOM), "stop", "--hub", hub.url, "--pack", "support", "--reason", b"bad \xff"],
        capture_output=True,
        env=env,
        check=False,
    )
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == ExitCode.REFUSED, err
    assert "Traceback" not in err
    assert "not UTF-8" in err and "\\xff" in err
    packs = hub.client("viewer").get("/api/packs/status").json()["packs"]
    assert next(p for p in packs if p["name"] == "support")["enabled"] is True


async def test_a_hub_that_fails_is_not_a_refusal(tmp_path: Path) -> None:
    store, file = faulty_store(tmp_path / "hub")
    hub = start_hub(tmp_path / "hub", store=store)
    try:
        file.fail = EIO
        outcome = await set_switch(
            hub.url,
            hub.tokens["on-call"],
            pack="support",
            enabled=False,
            reason="runaway",
            retry_delays=(0.0, 0.0),
        )
        assert outcome.exit_code == ExitCode.HUB_FAILED
        assert "refused" not in outcome.message
        assert "storage: Input/output error" in outcome.message
        assert file.failed == 3  # retried, with the same key
        file.fail = None
        applied = await set_switch(
            hub.url, hub.tokens["on-call"], pack="support", enabled=False, reason="runaway"
        )
        assert applied.exit_code == ExitCode.OK
    finally:
        hub.stop()
        store.close()
