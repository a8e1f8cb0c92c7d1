"""Kill soak: SIGKILL the real hub while it is written to; is anything lost or applied twice?

Starts ``python -m tui.cli hub`` as a subprocess on a free loopback port with a
fresh data folder and a hub config holding a token per role. A writer opens one
incident, then keeps sending notes (each with a unique text) and stops and
re-enables of one pack, every request with its own ``Idempotency-Key``; a
request left unanswered (connection refused or dropped, a 503) is re-sent with
the **same** key once the hub is back. Meanwhile, at random moments, the hub is
SIGKILLed by PID and restarted on the same port and folder. At the end the
incident's timeline (``GET /api/incidents/{id}``) and the audit
(``GET /api/audit``) are read back: every acknowledged note and switch change
must be there (lost = 0) and none more than once (duplicated = 0).

Bounded: at most ``--kills`` kills and about ``--seconds`` seconds of writing,
then it stops the hub and prints one table. Exit status 1 when anything was lost
or duplicated. Loopback only.

    .venv/bin/python benchmarks/kill_soak.py                       # 30 kills, 60 s
    .venv/bin/python benchmarks/kill_soak.py --kills 2 --seconds 10
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.domain.permissions import ROLES  # noqa: E402

PACK = "support"
WRITER_ROLE = "incident-commander"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token_of(role: str) -> str:
    return f"soak-{role}-{uuid.uuid4().hex}"


def write_config(path: Path, port: int, data_dir: Path, tokens: dict[str, str]) -> None:
    """A hub config: loopback, the port, the folder, one token per role."""
    lines = [
        "[hub]",
        'host = "127.0.0.1"',
        f"port = {port}",
        f'data_dir = "{data_dir.as_posix()}"',
        "",
    ]
    for role, token in tokens.items():
        lines += [
            "[[tokens]]",
            f'token = "{token}"',
            f'user = "{role}-user"',
            f'role = "{role}"',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


class Hub:
    """The hub subprocess: start, SIGKILL, restart on the same port and folder."""

    def __init__(self, config: Path, data_dir: Path, port: int, log: Path) -> None:
        self.config = config
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tui.cli",
                    "hub",
                    "--config",
                    str(self.config),
                    "--data",
                    str(self.data_dir),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the hub did not answer /health in {timeout:.0f} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL by PID, and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Tally:
    acked_notes: list[str] = field(default_factory=list)
    acked_switches: list[str] = field(default_factory=list)  # idempotency keys
    sent_notes: list[str] = field(default_factory=list)
    sent_switches: list[str] = field(default_factory=list)
    retries: int = 0
    kills: int = 0


class GaveUp(Exception):
    pass


def send(
    client: httpx.Client, path: str, body: dict[str, Any], key: str, tally: Tally, give_up: float
) -> dict[str, Any]:
    """POST until answered, every attempt with the same ``Idempotency-Key``."""
    first = True
    while True:
        if not first:
            tally.retries += 1
        first = False
        try:
            answer = client.post(path, json=body, headers={"Idempotency-Key": key})
        except httpx.TransportError:
            answer = None
        if answer is not None and answer.status_code == 200:
            result: dict[str, Any] = answer.json()
            return result
        if answer is not None and answer.status_code != 503:
            raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text[:200]}")
        if time.monotonic() > give_up:
            raise GaveUp(f"POST {path} (key {key}) still unanswered")
        time.sleep(0.05)


def killer(hub: Hub, kills: int, seconds: float, tally: Tally, done: threading.Event) -> None:
    """Kill the hub at random moments, ``kills`` times within about ``seconds``."""
    rng = random.Random()
    gap = seconds / max(kills, 1)
    end = time.monotonic() + seconds
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(0.2 * gap, gap))
            if time.monotonic() > end:
                break
            hub.kill()
            tally.kills += 1
            hub.start()
    finally:
        done.set()


def run(kills: int, seconds: float, workdir: Path) -> tuple[Tally, int, int, float]:
    data_dir = workdir / "data"
    data_dir.mkdir()
    port = free_port()
    tokens = {role: token_of(role) for role in ROLES}
    config = workdir / "hub.toml"
    write_config(config, port, data_dir, tokens)
    hub = Hub(config, data_dir, port, workdir / "hub.log")
    tally = Tally()
    started = time.monotonic()
    hub.start()
    give_up = started + seconds + 120.0
    client = httpx.Client(
        base_url=hub.url,
        headers={"Authorization": f"Bearer {tokens[WRITER_ROLE]}"},
        timeout=5.0,
    )
    try:
        opened = send(
            client,
            "/api/incidents",
            {"title": "kill soak", "severity": "SEV3", "category": "runaway_agent"},
            f"open-{uuid.uuid4().hex}",
            tally,
            give_up,
        )
        incident_id = opened["incident"]["id"]
        done = threading.Event()
        thread = threading.Thread(
            target=killer, args=(hub, kills, seconds, tally, done), daemon=True
        )
        thread.start()
        enabled = True
        n = 0
        while not done.is_set():
            n += 1
            if n % 4 == 0:
                key = f"switch-{uuid.uuid4().hex}"
                tally.sent_switches.append(key)
                body = {"enabled": not enabled, "reason": f"kill soak {n}"}
                answer = send(client, f"/api/killswitch/pack/{PACK}", body, key, tally, give_up)
                if not answer["changed"]:
                    raise RuntimeError(f"switch {key} answered changed: false")
                enabled = not enabled
                tally.acked_switches.append(key)
            else:
                key = f"note-{uuid.uuid4().hex}"
                text = f"soak note {n} {key}"
                tally.sent_notes.append(text)
                send(
                    client,
                    f"/api/incidents/{incident_id}/notes",
                    {"text": text},
                    key,
                    tally,
                    give_up,
                )
                tally.acked_notes.append(text)
        thread.join()
        elapsed = time.monotonic() - started
        timeline = client.get(f"/api/incidents/{incident_id}").json()["timeline"]
        audit = client.get("/api/audit", params={"target": f"pack:{PACK}", "limit": 10000}).json()
    finally:
        client.close()
        hub.stop()
    notes = Counter(entry["text"] for entry in timeline if entry["kind"] == "note")
    keys = Counter(record["idempotency_key"] for record in audit["records"])
    lost = sum(1 for text in tally.acked_notes if notes[text] == 0)
    lost += sum(1 for key in tally.acked_switches if keys[key] == 0)
    duplicated = sum(1 for text in tally.sent_notes if notes[text] > 1)
    duplicated += sum(1 for key in tally.sent_switches if keys[key] > 1)
    return tally, lost, duplicated, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kills", type=int, default=30, help="SIGKILLs of the hub (30)")
    parser.add_argument("--seconds", type=float, default=60.0, help="about how long to write (60)")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and hub log")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="warroom-kill-soak-"))
    try:
        tally, lost, duplicated, elapsed = run(args.kills, args.seconds, workdir)
    except Exception:
        print(f"kill soak failed; hub log and data kept in {workdir}", file=sys.stderr)
        raise
    acked = len(tally.acked_notes) + len(tally.acked_switches)
    print(
        "| kills | writes acknowledged | (notes / switch changes) | retries | lost | duplicated"
        " | elapsed |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {tally.kills} | {acked} | {len(tally.acked_notes)} / {len(tally.acked_switches)}"
        f" | {tally.retries} | {lost} | {duplicated} | {elapsed:.1f} s |"
    )
    if args.keep:
        print(f"data and hub log in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if lost or duplicated else 0


if __name__ == "__main__":
    sys.exit(main())
