"""A real full disk: the hub's data folder on a tmpfs of 256 KiB, filled to the last page.

CI runs as root and may mount; elsewhere the test is skipped (saying why) and the
fault-injecting storage of tests/hub/test_write_failures.py covers the same rules.
"""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hub.helpers import stored
from tests.hubtools import start_hub


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs mounted for the test."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    """Fill the file system until it refuses another byte; the filler's path."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def test_a_note_on_a_full_disk_is_refused_then_kept_once_when_retried(small_disk: Path) -> None:
    hub = start_hub(small_disk / "hub")
    try:
        client = hub.client("incident-commander")
        opened = client.post(
            "/api/incidents",
            json={"title": "disk", "severity": "SEV4", "category": "service_outage"},
        )
        incident = opened.json()["incident"]["id"]
        path = f"/api/incidents/{incident}/notes"
        key = {"Idempotency-Key": "note-full-disk"}
        filler = _fill(small_disk)
        failed = client.post(path, json={"text": "typed while the disk was full"}, headers=key)
        assert failed.status_code == 503
        assert failed.json()["error"]["message"] == "storage: No space left on device"
        timeline = client.get(f"/api/incidents/{incident}").json()["timeline"]
        assert "note" not in [e["kind"] for e in timeline]
        filler.unlink()
        retried = client.post(path, json={"text": "typed while the disk was full"}, headers=key)
        assert retried.status_code == 200
        assert "Idempotency-Replayed" not in retried.headers
        hub.restart()
        notes = [r for r in stored(hub, "timeline") if r["kind"] == "note"]
        assert [n["text"] for n in notes] == ["typed while the disk was full"]
        # No temporary file of the failed write was left behind on the full disk.
        names = sorted(p.name for p in (small_disk / "hub").iterdir())
        assert names == ["hub.json", "hub.json.1", "hub.lock"]
    finally:
        hub.stop()
