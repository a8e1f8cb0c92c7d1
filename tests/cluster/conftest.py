"""Fixtures for hub replicas on a real three-node NATS JetStream cluster.

Each test gets a fresh cluster (three ``nats-server`` processes on loopback ports,
fresh storage folders) and makes its replicas with ``replicas(n)``: real hubs on
ephemeral ports, each in its own thread with its own data folder, all on the cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hubtools import RunningHub, start_hub
from tests.natscluster import NatsCluster, have_nats_server

Replicas = Callable[..., list[RunningHub]]


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    assert have_nats_server(), "nats-server is missing: `make system-deps` installs it"
    cluster = NatsCluster(tmp_path / "nats")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def replicas(tmp_path: Path, nats_cluster: NatsCluster) -> Iterator[Replicas]:
    running: list[RunningHub] = []

    def make(count: int, **overrides: Any) -> list[RunningHub]:
        made = []
        for _ in range(count):
            name = f"r{len(running)}"
            hub = start_hub(
                tmp_path / name, store_url=nats_cluster.url, replica_name=name, **overrides
            )
            running.append(hub)
            made.append(hub)
        return made

    try:
        yield make
    finally:
        for hub in running:
            hub.stop()
