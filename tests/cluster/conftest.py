"""Fixtures for hub replicas on a real three-node NATS JetStream cluster.

A test makes its replicas with ``replicas(n)``: real hubs on ephemeral ports, each
in its own thread with its own data folder, all on one cluster of three
``nats-server`` processes on loopback ports. The cluster takes seconds to form, so
tests share one (its stream and lease bucket deleted before each test: every test
starts a new history); a test that kills NATS nodes asks for ``nats_cluster`` and
gets a fresh cluster of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.errors import NotFoundError

from services.hub.cluster.jetstream import LEASE_BUCKET, RETRYABLE, STREAM
from tests.hubtools import RunningHub, start_hub
from tests.natscluster import NatsCluster, have_nats_server

Replicas = Callable[..., list[RunningHub]]


def _cluster(folder: Path) -> NatsCluster:
    assert have_nats_server(), "nats-server is missing: `make system-deps` installs it"
    cluster = NatsCluster(folder)
    cluster.start()
    return cluster


async def _forget_history(cluster: NatsCluster) -> None:
    client = await nats.connect(cluster.urls, connect_timeout=2)
    try:
        js = client.jetstream(timeout=5)
        # A cluster still forming answers with timeouts for a few seconds.
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            try:
                with contextlib.suppress(NotFoundError):
                    await js.delete_stream(STREAM)
                with contextlib.suppress(NotFoundError):
                    await js.delete_key_value(LEASE_BUCKET)
                return
            except RETRYABLE:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.5)
    finally:
        await client.close()


@pytest.fixture(scope="session")
def shared_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    cluster = _cluster(tmp_path_factory.mktemp("nats"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    cluster = _cluster(tmp_path / "nats")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def replicas(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Replicas]:
    if "nats_cluster" in request.fixturenames:
        cluster: NatsCluster = request.getfixturevalue("nats_cluster")
    else:
        cluster = request.getfixturevalue("shared_nats")
        asyncio.run(_forget_history(cluster))
    running: list[RunningHub] = []

    def make(count: int, **overrides: Any) -> list[RunningHub]:
        made = []
        for _ in range(count):
            name = f"r{len(running)}"
            hub = start_hub(tmp_path / name, store_url=cluster.url, replica_name=name, **overrides)
            running.append(hub)
            made.append(hub)
        return made

    try:
        yield make
    finally:
        for hub in running:
            hub.stop()
