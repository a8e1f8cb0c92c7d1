"""A real three-node NATS JetStream cluster on loopback, for the replica tests.

Each node is a ``nats-server`` process (Debian's package; ``make system-deps``
installs it) with its own fresh storage folder and ports, started and stopped by
PID. A node can be killed (SIGKILL) and started again on the same folder and
ports, as a machine that crashed and came back.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.ports import free_ports

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def have_nats_server() -> bool:
    return Path(NATS_SERVER).exists()


class NatsCluster:
    """``size`` JetStream nodes routed to each other; ``urls`` for clients."""

    def __init__(self, folder: Path, size: int = 3) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.size = size
        ports = free_ports(2 * size)
        self.client_ports = ports[:size]
        self.cluster_ports = ports[size:]
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * size

    @property
    def urls(self) -> list[str]:
        return [f"nats://127.0.0.1:{port}" for port in self.client_ports]

    @property
    def url(self) -> str:
        """All nodes, as ``warroom hub --store`` takes them."""
        return ",".join(self.urls)

    def _command(self, index: int) -> list[str]:
        routes = ",".join(
            f"nats://127.0.0.1:{port}"
            for other, port in enumerate(self.cluster_ports)
            if other != index
        )
        store = self.folder / f"node{index}"
        store.mkdir(parents=True, exist_ok=True)
        return [
            NATS_SERVER,
            "--name",
            f"n{index}",
            "--addr",
            "127.0.0.1",
            "--port",
            str(self.client_ports[index]),
            "--jetstream",
            "--store_dir",
            str(store),
            "--cluster_name",
            "warroom-test",
            "--cluster",
            f"nats://127.0.0.1:{self.cluster_ports[index]}",
            "--routes",
            routes,
        ]

    def start(self, index: int | None = None) -> None:
        for i in range(self.size) if index is None else [index]:
            log = open(self.folder / f"node{i}.log", "ab")  # noqa: SIM115 - kept by the process
            self.processes[i] = subprocess.Popen(
                self._command(i), stdout=log, stderr=subprocess.STDOUT
            )
        for i in range(self.size) if index is None else [index]:
            self._wait_port(self.client_ports[i])

    def _wait_port(self, port: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nats-server on port {port} did not start")

    def kill(self, index: int) -> None:
        """SIGKILL one node (its folder stays, as after a crash)."""
        process = self.processes[index]
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self.processes[index] = None

    def alive(self, index: int) -> bool:
        process = self.processes[index]
        return process is not None and process.poll() is None

    def stop(self) -> None:
        for index, process in enumerate(self.processes):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.kill(index)
            self.processes[index] = None
