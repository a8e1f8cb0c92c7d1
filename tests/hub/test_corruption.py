"""A corrupt store is loud and recoverable; one hub per data folder; leftovers cleaned."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from storage.atomic import CorruptFile
from storage.folder_lock import FolderLocked
from tests.hub.helpers import hello, recv, recv_until, stream
from tests.hubtools import start_hub
from tui.cli import main

STOP = {"enabled": False, "reason": "runaway"}


def _prepare(data: Path) -> None:
    """A stopped pack, then one more write (a note) that only the newest file holds."""
    hub = start_hub(data)
    try:
        ic = hub.client("incident-commander")
        assert ic.post("/api/killswitch/pack/support", json=STOP).status_code == 200
        opened = ic.post(
            "/api/incidents",
            json={"title": "t", "severity": "SEV4", "category": "service_outage"},
        ).json()
        ic.post(f"/api/incidents/{opened['incident']['id']}/notes", json={"text": "last"})
    finally:
        hub.stop()
    (data / "hub.json").write_bytes(b'{"switches": {"1": {"sco')  # a torn or damaged file


async def test_a_corrupt_store_is_refused_then_recovered_from_its_last_generation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "hub"
    _prepare(data)
    with pytest.raises(CorruptFile, match="--recover"):
        start_hub(data)
    code = main(["hub", "--data", str(data), "--port", "0"])
    assert code == 2
    assert "not started" in capsys.readouterr().err
    assert (data / "hub.json").read_bytes().startswith(b'{"switches": {"1": {"sco')

    hub = start_hub(data, recover=True)
    try:
        packs = hub.client("viewer").get("/api/packs/status").json()["packs"]
        assert next(p for p in packs if p["name"] == "support")["enabled"] is False
        health = hub.client().get("/health").json()
        assert health["counters"]["store_recovered"] == 1
        recovery = health["recovery"]
        assert "recovered the previous generation hub.json.1" in recovery
        assert "what was written after it is lost" in recovery
        assert "corrupt file is kept as hub.json.corrupt-" in recovery
        async with stream(hub) as ws:
            await hello(ws, None)
            snapshot = await recv(ws)
            beat = await recv_until(ws, lambda f: f["type"] == "heartbeat")
        assert snapshot["data"]["recovery"] == recovery
        assert beat[-1]["data"]["recovery"] == recovery
    finally:
        hub.stop()
    assert [p.name for p in data.iterdir() if ".corrupt-" in p.name]


def test_a_second_hub_on_the_same_folder_is_refused_naming_the_holder(tmp_path: Path) -> None:
    hub = start_hub(tmp_path / "hub")
    try:
        with pytest.raises(FolderLocked, match=f"PID {os.getpid()}"):
            start_hub(tmp_path / "hub")
        # The first one is untouched and still writes.
        ic = hub.client("incident-commander")
        assert ic.post("/api/killswitch/pack/legal", json=STOP).status_code == 200
    finally:
        hub.stop()


def test_leftover_temp_files_are_removed_at_start(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    data.mkdir()
    leftover = data / ".hub.json.k2j4h1x9"  # a write killed before its rename
    leftover.write_text(json.dumps({"half": "written"}))
    hub = start_hub(data)
    try:
        assert not leftover.exists()
    finally:
        hub.stop()
