"""Start a real hub on an ephemeral loopback port, for tests and non-fixture code.

``start_hub(data_dir, **overrides)`` returns a :class:`RunningHub` with a token for
every role; ``RunningHub.restart()`` brings the hub back on the same port and
data dir, as after a crash-free restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from services.domain.timeutil import Clock, utcnow
from services.hub.config import AGENTOS_PACKS, HubConfig, TokenEntry
from services.hub.http.auth import ROLES
from services.hub.server import Background, HubServer
from storage.hub_store import HubStore


def token_for(role: str) -> str:
    """The test token of ``role``."""
    return f"test-token-{role}"


def user_for(role: str) -> str:
    """The user behind ``role``'s test token."""
    return f"{role}-user"


@dataclass
class RunningHub:
    """A hub running in this process, on its own thread."""

    url: str  # http://127.0.0.1:PORT
    ws_url: str  # ws://127.0.0.1:PORT/api/stream
    data_dir: Path
    tokens: dict[str, str]  # role -> token, for every role incl. agent and ingest
    config: HubConfig
    server: HubServer
    background: Background | None = None
    clock: Clock = utcnow
    _clients: list[httpx.Client] = field(default_factory=list, repr=False)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        """Stop the hub (idempotent) and close the clients made by :meth:`client`."""
        for client in self._clients:
            client.close()
        self._clients.clear()
        self.server.stop()

    def restart(self) -> None:
        """Stop, then start again on the same port and data dir."""
        port = self.port
        self.stop()
        self.config = replace(self.config, port=port)
        self.server = _start(self.config, self.background, self.clock)

    def headers(self, role: str) -> dict[str, str]:
        """``Authorization`` for ``role``'s token."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def client(self, role: str | None = None) -> httpx.Client:
        """A sync client on the hub, authenticated as ``role`` (closed by ``stop``)."""
        headers = self.headers(role) if role else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=10.0)
        self._clients.append(client)
        return client


def _start(
    config: HubConfig, background: Background | None, clock: Clock, store: HubStore | None = None
) -> HubServer:
    server = HubServer(config, background=background, clock=clock, store=store)
    deadline = time.monotonic() + 5.0
    while True:
        try:
            server.start()
            return server
        except OSError:
            # The old socket may linger for a moment after a restart.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def start_hub(
    data_dir: Path,
    *,
    background: Background | None = None,
    clock: Clock = utcnow,
    store: HubStore | None = None,
    **overrides: Any,
) -> RunningHub:
    """A hub on 127.0.0.1, an ephemeral port, the 7 AgentOS packs, a token per role.

    ``overrides`` replace :class:`HubConfig` fields (e.g. ``ring_size=5``); ``store``
    replaces the hub's own store (the caller closes it; a restart opens the data dir's).
    """
    tokens = {role: token_for(role) for role in ROLES}
    config = HubConfig(
        host="127.0.0.1",
        port=0,
        data_dir=Path(data_dir),
        heartbeat_interval_s=0.5,
        packs=list(AGENTOS_PACKS),
        tokens=[TokenEntry(tokens[role], user_for(role), role) for role in ROLES],
    )
    config = replace(config, **overrides)
    server = _start(config, background, clock, store)
    return RunningHub(
        url=server.url,
        ws_url=server.url.replace("http://", "ws://", 1) + "/api/stream",
        data_dir=Path(data_dir),
        tokens=tokens,
        config=config,
        server=server,
        background=background,
        clock=clock,
    )


HubFactory = Callable[..., RunningHub]
