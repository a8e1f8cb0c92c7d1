"""One file write per change: the store's transactions, the idempotency crash window
(a hub SIGKILLed right after answering replays on retry), and storms that write nothing."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from storage.hub_store import TinyHubStore
from tests.hub.helpers import fixture, hub_context
from tests.hubtools import RunningHub

ROOT = Path(__file__).resolve().parents[2]
STOP = {"enabled": False, "reason": "runaway"}


def test_a_transaction_writes_the_file_once(tmp_path: Path) -> None:
    store = TinyHubStore(tmp_path, fsync=False)
    before = store.writes
    with store.transaction():
        store.save_switch({"scope": "pack", "pack": "support", "enabled": False})
        with store.transaction():  # nested: still one write, at the outer end
            store.append_audit({"id": "AUD-1"})
        store.put_idempotent("u POST /x", "k", {"status": 200, "body": {"ok": True}})
        assert store.writes == before
    assert store.writes == before + 1
    with store.transaction():
        store.load_audit()  # reading is not writing
    assert store.writes == before + 1
    store.close()
    reopened = TinyHubStore(tmp_path, fsync=False)
    assert reopened.load_audit() == [{"id": "AUD-1"}]
    assert reopened.get_idempotent("u POST /x", "k") == {"status": 200, "body": {"ok": True}}


def test_an_error_inside_a_transaction_undoes_its_writes(tmp_path: Path) -> None:
    # All or nothing (docs/reliability.md): the hub's memory and events are undone
    # with it, so the store must not keep half of a change either.
    store = TinyHubStore(tmp_path, fsync=False)
    store.append_audit({"id": "AUD-0"})
    with pytest.raises(RuntimeError), store.transaction():
        store.append_audit({"id": "AUD-1"})
        raise RuntimeError("a rule refused half-way")
    assert store.load_audit() == [{"id": "AUD-0"}]
    store.append_audit({"id": "AUD-2"})
    store.close()
    assert TinyHubStore(tmp_path, fsync=False).load_audit() == [{"id": "AUD-0"}, {"id": "AUD-2"}]


def test_rows_never_alias_the_cache(tmp_path: Path) -> None:
    store = TinyHubStore(tmp_path, fsync=False)
    incident = {"id": "INC-1", "alert_fingerprints": ["a"]}
    store.save_incident(incident)
    incident["alert_fingerprints"].append("b")
    loaded = store.load_incidents()
    loaded[0]["alert_fingerprints"].append("c")
    assert store.load_incidents() == [{"id": "INC-1", "alert_fingerprints": ["a"]}]


def test_a_mutation_and_its_answer_are_one_write(hub: RunningHub) -> None:
    store = hub_context(hub).store
    assert isinstance(store, TinyHubStore)
    client = hub.client("incident-commander")
    body = {"title": "t", "severity": "SEV1", "category": "pii_exposure", "packs": ["support"]}
    before = store.writes
    opened = client.post("/api/incidents", json=body, headers={"Idempotency-Key": "o-1"})
    # incident + opened entry + three escalations + the stored answer
    assert store.writes == before + 1
    linked = {**STOP, "incident_id": opened.json()["incident"]["id"]}
    client.post("/api/killswitch/pack/support", json=linked, headers={"Idempotency-Key": "s-1"})
    # switch + audit + incident progress + timeline entry + the stored answer
    assert store.writes == before + 2


def test_repeats_of_a_linked_alert_write_nothing(hub: RunningHub) -> None:
    store = hub_context(hub).store
    assert isinstance(store, TinyHubStore)
    payload = fixture("webhook-firing-support.json")
    ingest = hub.client("ingest")
    assert ingest.post("/api/ingest/alertmanager", json=payload).status_code == 200
    before = store.writes
    for _ in range(20):
        assert ingest.post("/api/ingest/alertmanager", json=payload).status_code == 200
    assert store.writes == before


# -- a hub in its own process, killed with SIGKILL ---------------------------------

HUB_MAIN = (
    "import sys\n"
    "from services.hub.config import load_hub_config\n"
    "from services.hub.server import run_foreground\n"
    "run_foreground(load_hub_config(sys.argv[1]))\n"
)
LISTENING = re.compile(r"hub listening on (http://\S+)")


class HubProcess:
    """``warroom hub``'s code path in a subprocess; its URL read from its log."""

    def __init__(self, config: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HUB_MAIN, str(config)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        # Drain the log all along: a full pipe would block the hub.
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_listening(timeout=15.0)

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def _wait_listening(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            found = LISTENING.search(line)
            if found:
                return found.group(1)
        self.kill()
        raise AssertionError("the hub process did not start")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def hub_config(tmp_path: Path) -> Iterator[Path]:
    config = tmp_path / "hub.toml"
    config.write_text(
        "[hub]\n"
        'host = "127.0.0.1"\n'
        "port = 0\n"
        f"data_dir = {json.dumps(str(tmp_path / 'data'))}\n"
        "[[tokens]]\n"
        'token = "t-ic"\n'
        'user = "alice"\n'
        'role = "incident-commander"\n',
        encoding="utf-8",
    )
    yield config


def test_a_hub_killed_right_after_answering_replays_on_retry(hub_config: Path) -> None:
    headers = {"Authorization": "Bearer t-ic", "Idempotency-Key": "stop-support-1"}
    first = HubProcess(hub_config)
    try:
        answer = httpx.post(
            f"{first.url}/api/killswitch/pack/support", json=STOP, headers=headers, timeout=10
        )
    finally:
        first.kill()  # no shutdown, no flush: whatever is on disk is all there is
    assert answer.status_code == 200 and answer.json()["changed"] is True
    second = HubProcess(hub_config)
    try:
        retry = httpx.post(
            f"{second.url}/api/killswitch/pack/support", json=STOP, headers=headers, timeout=10
        )
        status = httpx.get(f"{second.url}/api/packs/status", headers=headers, timeout=10)
    finally:
        second.kill()
    assert retry.status_code == 200
    assert retry.headers["Idempotency-Replayed"] == "true"
    assert retry.json() == answer.json()
    support = next(p for p in status.json()["packs"] if p["name"] == "support")
    assert support["enabled"] is False
    data = json.loads((hub_config.parent / "data" / "hub.json").read_text(encoding="utf-8"))
    assert len(data["audit"]) == 1
